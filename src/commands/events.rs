//! `isymphony-sim events`: the catalogue, with provenance kept visible.

use std::io::{self, Write};
use std::process::ExitCode;

use isymphony_sim::protocol::event::{BASE_PROPERTIES, EventKind};

/// Arguments of `events`.
#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    /// Print the catalogue as one JSON document instead of a table.
    #[arg(long)]
    json: bool,
    /// Also print what each property means.
    #[arg(long, short)]
    verbose: bool,
}

/// Runs `events`.
pub fn run(args: EventsArgs) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    match write_catalogue(&mut out, &args) {
        // A reader that stops early (`| head`) is not an error.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other.map(|()| ExitCode::SUCCESS).map_err(Into::into),
    }
}

fn write_catalogue(out: &mut impl Write, args: &EventsArgs) -> io::Result<()> {
    let entries: Vec<_> = EventKind::ALL.into_iter().map(EventKind::entry).collect();
    if args.json {
        let doc = serde_json::json!({
            "baseProperties": BASE_PROPERTIES,
            "events": entries,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return out.flush();
    }
    writeln!(
        out,
        "Every event carries the base properties: type, time (epoch ms), coreServerId."
    )?;
    writeln!(
        out,
        "documented = read in the iSymphony docs; inferred = our guess, sent only with --profile extended."
    )?;
    for entry in entries {
        writeln!(out)?;
        writeln!(out, "{}  [{}]", entry.name, entry.provenance.as_str())?;
        writeln!(out, "  {}", entry.description)?;
        writeln!(out, "  constraints: {}", entry.constraints)?;
        for p in entry.properties {
            if args.verbose {
                writeln!(
                    out,
                    "    {:<20} {:<12} {}",
                    p.name,
                    p.ty.as_str(),
                    p.meaning
                )?;
            } else {
                writeln!(out, "    {:<20} {}", p.name, p.ty.as_str())?;
            }
        }
    }
    out.flush()
}
