//! `isymphony-sim check`: validates scenario files, including a dry run of each.

use std::process::ExitCode;

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, ReadError, Scenario};

/// The seed of the dry run when the file names none.
const DRY_RUN_SEED: u64 = 1;
/// The epoch of the dry run (the same as `play`'s default).
const DRY_RUN_EPOCH: i64 = 1_700_000_000_000;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files (or names of shipped scenarios) to check.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
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
    for path in &args.paths {
        let code = match check_one(path) {
            Verdict::Ok => 0,
            Verdict::Problems => 1,
            Verdict::HarnessError => 2,
        };
        worst = worst.max(code);
    }
    Ok(ExitCode::from(worst))
}

fn check_one(path: &str) -> Verdict {
    let scenario = match Scenario::open(path) {
        Ok(scenario) => scenario,
        Err(ReadError::Invalid(err)) => {
            eprintln!("{err}");
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
        Ok(player) => player,
        Err(err) => {
            eprintln!("{path}: the model refuses the directory: {err}");
            return Verdict::Problems;
        }
    };
    player.run_until(length, |_| std::ops::ControlFlow::Continue(()));
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
    println!("{path}: ok ({summary})");
    Verdict::Ok
}

/// "1 step", "2 steps".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
