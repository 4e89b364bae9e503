//! `isymphony-sim check`: validates scenario files, including a dry run of each.

use std::process::ExitCode;

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::duration::format_duration;
use isymphony_sim::scenario::{Player, ReadError, RunLimits, Scenario};

use super::run_limits::RunLimitArgs;

/// The seed of the dry run when the file names none.
const DRY_RUN_SEED: u64 = 1;
/// The epoch of the dry run (the same as `play`'s default).
const DRY_RUN_EPOCH: i64 = 1_700_000_000_000;
/// Default most actions (steps and generator wake-ups) of one dry run: a shipped
/// scenario's day takes a few thousand, so only a scenario far heavier than
/// them is cut short.
const DEFAULT_DRY_RUN_ACTIONS: u64 = 2_000_000;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files (or names of shipped scenarios) to check.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,

    /// Most actions (steps and generator wake-ups) the dry run of one file plays;
    /// a run that needs more is played that far, and the output says so. Keeps
    /// `check` bounded in time and memory whatever the file asks for.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_DRY_RUN_ACTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..=1 << 40))]
    dry_run_actions: u64,

    #[command(flatten)]
    limits: RunLimitArgs,
}

/// What checking one file found.
enum Verdict {
    Ok,
    Problems,
    HarnessError,
}

/// Runs `check`: exit 0 when every file is fine, 1 when any has problems, 2 when a
/// file could not be read at all.
pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut worst = 0u8;
    let limits = args.limits.limits();
    for path in &args.paths {
        let code = match check_one(path, &limits, args.dry_run_actions) {
            Verdict::Ok => 0,
            Verdict::Problems => 1,
            Verdict::HarnessError => 2,
        };
        worst = worst.max(code);
    }
    Ok(ExitCode::from(worst))
}

fn check_one(path: &str, limits: &RunLimits, budget: u64) -> Verdict {
    let scenario = match Scenario::open_within(path, limits) {
        Ok(scenario) => scenario,
        Err(ReadError::Invalid(err)) => {
            eprintln!("{}", err.bounded(MAX_SHOWN_PROBLEMS, MAX_SHOWN_LINE_CHARS));
            return Verdict::Problems;
        }
        Err(err) => {
            eprintln!("{path}: error: {err}");
            return Verdict::HarnessError;
        }
    };
    let summary = [
        count(scenario.directory.users.len(), "user"),
        count(scenario.steps.len(), "step"),
        count(scenario.generators.len(), "generator"),
    ]
    .join(", ");
    let seed = scenario.seed.unwrap_or(DRY_RUN_SEED);
    let length = scenario.length_ms;
    let mut player = match Player::new(scenario, seed, DRY_RUN_EPOCH, Profile::Standard, false) {
        Ok(player) => player.within(*limits),
        Err(err) => {
            eprintln!("{path}: the model refuses the directory: {err}");
            return Verdict::Problems;
        }
    };
    // Each batch is bounded by the per-second limits, so the budget bounds the whole.
    let mut cut_at = None;
    while let Some(at) = player.next_due().filter(|at| *at <= length) {
        if player.actions_run() >= budget {
            cut_at = Some(at);
            break;
        }
        player.advance();
    }
    if let Some(stop) = player.stopped() {
        eprintln!("{stop}");
        eprintln!("{path}: the dry run with seed {seed} stopped at a limit");
        return Verdict::Problems;
    }
    for failure in player.step_failures() {
        eprintln!("{failure}");
    }
    for fault in player.generator_faults() {
        eprintln!("{fault}");
    }
    let refused = player.step_failure_count() + player.generator_fault_count();
    if refused > 0 {
        eprintln!("{path}: {refused} command(s) refused in a dry run with seed {seed}");
        return Verdict::Problems;
    }
    match cut_at {
        None => println!(
            "{path}: ok ({summary}); dry run of the whole {}",
            format_duration(length)
        ),
        Some(at) => println!(
            "{path}: ok ({summary}); the dry run stopped at {} of {}: it used its budget of {budget} actions (--dry-run-actions), so what comes later was not tried",
            format_duration(at),
            format_duration(length)
        ),
    }
    Verdict::Ok
}

/// The most problems printed for one file, and the longest line: a huge broken
/// file gets a readable answer, and the count of what was left out.
const MAX_SHOWN_PROBLEMS: usize = 1000;
const MAX_SHOWN_LINE_CHARS: usize = 1000;

/// "1 step", "2 steps".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
