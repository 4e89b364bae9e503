//! The scenario and seed options `play` and `serve` share.

use anyhow::Context as _;
use isymphony_sim::scenario::{RunLimits, Scenario, shipped};

/// Which scenario to run and with which seed.
#[derive(Debug, clap::Args)]
pub struct ScenarioChoice {
    /// A scenario file, or the name of a shipped scenario.
    #[arg(long, value_name = "PATH|NAME", help = scenario_help())]
    pub scenario: Option<String>,

    /// Root seed of the run. Default: the file's `seed`, else a random one (printed).
    #[arg(long, env = "ISYM_SEED", hide_env_values = true)]
    pub seed: Option<u64>,
}

impl ScenarioChoice {
    /// Loads the scenario file or shipped scenario.
    ///
    /// # Errors
    /// Every problem of the file, one `file:line:column: message` per line; or why the
    /// file cannot be read or the name is unknown.
    pub fn load(&self, limits: &RunLimits) -> anyhow::Result<Scenario> {
        let name = self.scenario.as_deref().unwrap_or(shipped::DEFAULT);
        Ok(Scenario::open_within(name, limits)?)
    }

    /// The seed to use: `--seed`, else the file's, else a fresh random one. The flag
    /// is true for a random seed, which the caller must print so the run can be
    /// repeated.
    ///
    /// # Errors
    /// The OS has no randomness to give.
    pub fn seed_for(&self, scenario: &Scenario) -> anyhow::Result<(u64, bool)> {
        if let Some(seed) = self.seed.or(scenario.seed) {
            return Ok((seed, false));
        }
        // 53 bits: short to type back, and exact in any JSON tooling.
        let seed = getrandom::u64().context("cannot get a random seed from the OS")? >> 11;
        Ok((seed, true))
    }
}

/// `--scenario`'s help, with the shipped names and the default from their constants.
fn scenario_help() -> String {
    format!(
        "A scenario file, or the name of a shipped scenario ({}). Default: {}",
        shipped::names().join(", "),
        shipped::DEFAULT
    )
}
