//! `isymphony-sim play`: a scenario's event stream as JSON lines, as fast as possible.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use isymphony_sim::protocol::message::lint;
use isymphony_sim::protocol::{
    ClientMessage, FilterSet, ParseOptions, Profile, parse_client_message,
};
use isymphony_sim::record::{Capture, Replay, ReplayOptions};
use isymphony_sim::scenario::duration::{format_duration, parse_moment};
use isymphony_sim::scenario::{Player, dump_script};

use super::run_limits::RunLimitArgs;
use super::scenario_choice::ScenarioChoice;

/// Arguments of `play`.
#[derive(Debug, clap::Args)]
pub struct PlayArgs {
    #[command(flatten)]
    choice: ScenarioChoice,

    /// Stop after this much virtual time ("2h", "90m") or at this clock time ("12:00").
    /// Default: the scenario's length; a longer time plays it again in loops.
    #[arg(long, value_name = "DURATION")]
    until: Option<String>,

    /// Epoch milliseconds of the start of the run; event times count from it.
    #[arg(long, value_name = "MS", default_value_t = 1_700_000_000_000)]
    epoch: i64,

    /// Which events to emit: standard = documented only; extended = also inferred ones.
    #[arg(long, value_enum, default_value_t = Profile::Standard)]
    profile: Profile,

    /// Print only what a connection that sent this filter message would receive,
    /// e.g. '{"type":"filter","filters":[{"property":"type","value":"hangup"}]}'.
    #[arg(long, value_name = "JSON")]
    filter: Option<String>,

    /// Also write the run as a script: the same directory, every applied command as a
    /// step, and the seed; replaying it gives the same event stream.
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    dump_script: Option<PathBuf>,

    /// Play a capture written by `record` instead of a scenario: its frames as
    /// captured, one per line, in order (--until and --filter apply).
    #[arg(long, value_name = "CAPTURE", conflicts_with_all = ["scenario", "profile"])]
    replay: Option<PathBuf>,

    /// With --replay: rewrite each frame's `time` to --epoch plus its virtual ms;
    /// nothing else changes.
    #[arg(long, requires = "replay")]
    retime: bool,

    #[command(flatten)]
    limits: RunLimitArgs,
}

/// Runs `play`.
pub fn run(args: PlayArgs) -> anyhow::Result<ExitCode> {
    let filter = match &args.filter {
        None => FilterSet::allow_all(),
        Some(text) => {
            match parse_client_message(text, ParseOptions::default()).context("--filter")? {
                ClientMessage::Filter(set) => set,
            }
        }
    };
    if let Some(capture) = &args.replay {
        // No lint during a replay: a capture may hold any type or property, as
        // `serve --replay` sends no warnings either.
        return replay(capture, &args, &filter);
    }
    // The warnings `serve` puts in its filter reply, from the same lint.
    for warning in lint(&filter, &args.profile.kinds()) {
        eprintln!("--filter: warning: {warning}");
    }
    let limits = args.limits.limits();
    let scenario = args.choice.load(&limits)?;
    let until = match &args.until {
        None => scenario.length_ms,
        Some(text) => parse_moment(text, scenario.starts_at_ms)
            .map_err(|reason| anyhow::anyhow!("--until: {reason}"))?,
    };
    let (seed, random) = args.choice.seed_for(&scenario)?;
    if random {
        eprintln!("seed: {seed} (rerun with --seed {seed})");
    }
    let looping = until > scenario.length_ms;
    let mut player = Player::new(scenario, seed, args.epoch, args.profile, looping)
        .context("the model refuses the scenario's directory")?
        .within(limits);
    if args.dump_script.is_some() {
        player.record_commands();
    }

    let started = Instant::now();
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let (mut played, mut printed, mut covered) = (0u64, 0u64, 0u64);
    let written = (|| -> io::Result<()> {
        while let Some(at) = player.next_due().filter(|at| *at <= until) {
            covered = at;
            let events = player.advance();
            played += events.len() as u64;
            // Faults are the server's to carry out; here they are only noted, on
            // stderr so the event stream on stdout stays clean.
            for placed in player.take_faults() {
                out.flush()?;
                eprintln!(
                    "# fault at {at} ms (served, not played): {}",
                    placed.request
                );
            }
            for event in events.iter().filter(|e| filter.admits(e)) {
                printed += 1;
                serde_json::to_writer(&mut out, event)?;
                out.write_all(b"\n")?;
            }
            // Stop at the first refusal: later steps usually depend on the refused one.
            if player.step_failure_count() + player.generator_fault_count() > 0 {
                break;
            }
        }
        out.flush()
    })();
    match written {
        // A reader that stops early (`| head`) is not an error.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other.context("cannot write to stdout")?,
    }
    let failed = report_failures(&player);
    if let Some(stop) = player.stopped() {
        eprintln!("{stop}");
    }
    let failed = failed || player.stopped().is_some();
    if !failed {
        covered = until;
    }
    if let Some(path) = &args.dump_script {
        let script = dump_script(player.scenario(), seed, until, player.recorded());
        std::fs::write(path, script).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "played {played} events ({printed} printed), {} of virtual time, in {:.3}s (seed {seed})",
        format_duration(covered),
        started.elapsed().as_secs_f64()
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints refused steps and generator faults; `true` when there were any.
fn report_failures(player: &Player) -> bool {
    for failure in player.step_failures() {
        eprintln!("{failure}");
    }
    for fault in player.generator_faults() {
        eprintln!("{fault}");
    }
    let refused = player.step_failure_count() + player.generator_fault_count();
    let shown = (player.step_failures().len() + player.generator_faults().len()) as u64;
    if refused > shown {
        eprintln!("... and {} more", refused - shown);
    }
    refused > 0
}

/// `play --replay`: a capture's frames, as captured (or retimed), through the filter.
fn replay(path: &std::path::Path, args: &PlayArgs, filter: &FilterSet) -> anyhow::Result<ExitCode> {
    let capture = Capture::read(path)?;
    let probe = Replay::new(&capture, ReplayOptions::default());
    let span = probe.span_ms();
    let until = match &args.until {
        None => span.saturating_sub(1),
        Some(text) => {
            parse_moment(text, 0).map_err(|reason| anyhow::anyhow!("--until: {reason}"))?
        }
    };
    let mut replay = Replay::new(
        &capture,
        ReplayOptions {
            retime_epoch: args.retime.then_some(args.epoch),
            looping: until >= span,
        },
    );
    let started = Instant::now();
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let (mut played, mut printed) = (0u64, 0u64);
    let written = (|| -> io::Result<()> {
        while replay.next_due().is_some_and(|at| at <= until) {
            for frame in replay.advance() {
                played += 1;
                if frame.admitted_by(filter) {
                    printed += 1;
                    out.write_all(frame.text.as_bytes())?;
                    out.write_all(b"\n")?;
                }
            }
        }
        out.flush()
    })();
    match written {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other.context("cannot write to stdout")?,
    }
    if replay.skipped_binary() > 0 {
        eprintln!(
            "{}: {} binary frame(s) not replayed",
            capture.path,
            replay.skipped_binary()
        );
    }
    eprintln!(
        "replayed {played} frames ({printed} printed) of {}, in {:.3}s",
        capture.path,
        started.elapsed().as_secs_f64()
    );
    match replay.damage() {
        Some(damage) => {
            eprintln!("{}: damaged capture: {damage}", capture.path);
            Ok(ExitCode::FAILURE)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}
