//! `isymphony-sim events`: the catalogue, with provenance kept visible.

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
    let entries: Vec<_> = EventKind::ALL.into_iter().map(EventKind::entry).collect();
    if args.json {
        let doc = serde_json::json!({
            "baseProperties": BASE_PROPERTIES,
            "events": entries,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Every event carries the base properties: type, time (epoch ms), coreServerId.");
    println!(
        "documented = read in the iSymphony docs; inferred = our guess, sent only with --profile extended."
    );
    for entry in entries {
        println!();
        println!("{}  [{}]", entry.name, entry.provenance.as_str());
        println!("  {}", entry.description);
        println!("  constraints: {}", entry.constraints);
        for p in entry.properties {
            if args.verbose {
                println!("    {:<20} {:<12} {}", p.name, p.ty.as_str(), p.meaning);
            } else {
                println!("    {:<20} {}", p.name, p.ty.as_str());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
