//! How much work a scenario may ask for. Ours, not iSymphony's: without them one
//! line (`per_hour = 1e12` into a queue nobody answers) grew a server by 65 MB/s
//! and killed `check` at 24 GB.
//!
//! Limits that can be known from the file alone (a generator's rate, the run's
//! length, the number of steps) are checked when it is read, and a file past one
//! is refused with `file:line:column` and the limit's name. The others depend on
//! how the run unfolds (live calls, callers per queue, events and actions per
//! virtual second): the model refuses a command past its size limits, and the
//! [`Player`](super::Player) stops the run with a [`RunStop`] naming the limit,
//! rather than grow without bound.

use std::fmt;

use crate::model::CallLimits;

use super::duration::format_duration;

/// Default highest rate of one generator, in arrivals per hour (`--max-generator-rate`):
/// 28 a virtual second, far above any call centre.
pub const DEFAULT_MAX_GENERATOR_RATE: f64 = 100_000.0;

/// Default longest scenario (`--max-scenario-length`): one week.
pub const DEFAULT_MAX_LENGTH_MS: u64 = 7 * 24 * 3_600_000;

/// Default most scripted steps in one scenario (`--max-steps`). A scripted
/// (`play --dump-script`) call-centre day has some tens of thousands.
pub const DEFAULT_MAX_STEPS: usize = 200_000;

/// Default most events the model may cause in one virtual second
/// (`--max-events-per-second`).
pub const DEFAULT_MAX_EVENTS_PER_SECOND: u64 = 10_000;

/// Default most actions (steps and generator wake-ups) in one virtual second
/// (`--max-actions-per-second`): the bound on work that causes no event, such
/// as callers joining a queue.
pub const DEFAULT_MAX_ACTIONS_PER_SECOND: u64 = 20_000;

/// Earliest moment of a `restart` fault step. A restart starts the scenario
/// over, so one at 0s would fire again at once, for ever.
pub const MIN_RESTART_AT_MS: u64 = 1_000;

/// Every limit of a run; [`Default`] gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunLimits {
    /// The model's size limits: live calls, callers per queue.
    pub calls: CallLimits,
    /// Most events in one virtual second; past it the run stops.
    pub max_events_per_second: u64,
    /// Most actions in one virtual second; past it the run stops.
    pub max_actions_per_second: u64,
    /// Highest `per_hour` (or `hourly` entry) of one generator; checked on load.
    pub max_generator_rate: f64,
    /// Longest `length`; checked on load.
    pub max_length_ms: u64,
    /// Most `[[steps]]`; checked on load.
    pub max_steps: usize,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            calls: CallLimits::default(),
            max_events_per_second: DEFAULT_MAX_EVENTS_PER_SECOND,
            max_actions_per_second: DEFAULT_MAX_ACTIONS_PER_SECOND,
            max_generator_rate: DEFAULT_MAX_GENERATOR_RATE,
            max_length_ms: DEFAULT_MAX_LENGTH_MS,
            max_steps: DEFAULT_MAX_STEPS,
        }
    }
}

/// Which limit stopped a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// The model refused a command of the scenario's own at one of its size
    /// limits; the message is the model's.
    Model(String),
    /// More events than [`RunLimits::max_events_per_second`] in one virtual second.
    EventsPerSecond(u64),
    /// More actions than [`RunLimits::max_actions_per_second`] in one virtual second.
    ActionsPerSecond(u64),
}

/// Why and when a run stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStop {
    /// The scenario file, as named in messages.
    pub path: String,
    /// The line of the step or generator whose action was the last straw, if any.
    pub line: Option<usize>,
    /// Virtual ms since the start of the run.
    pub at_ms: u64,
    /// Which limit.
    pub reason: StopReason,
}

impl fmt::Display for RunStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.path)?,
            None => write!(f, "{}: ", self.path)?,
        }
        write!(f, "the run stopped at {}: ", format_duration(self.at_ms))?;
        match &self.reason {
            StopReason::Model(message) => write!(f, "{message}"),
            StopReason::EventsPerSecond(max) => write!(
                f,
                "more than {max} events in one virtual second is the limit (max-events-per-second); raise it with serve --max-events-per-second or lower the scenario's rates"
            ),
            StopReason::ActionsPerSecond(max) => write!(
                f,
                "more than {max} steps and generator actions in one virtual second is the limit (max-actions-per-second); raise it with serve --max-actions-per-second or lower the scenario's rates"
            ),
        }
    }
}

/// Earliest epoch (ms of virtual time zero) a run may have: 0001-01-01T00:00:00Z.
pub const MIN_EPOCH_MS: i64 = -62_135_596_800_000;

/// Latest epoch a run may have: 9999-12-31T23:59:59.999Z. Event times count on
/// from it, far from the ends of an i64.
pub const MAX_EPOCH_MS: i64 = 253_402_300_799_999;

/// `epoch_ms` if it is within [`MIN_EPOCH_MS`]..=[`MAX_EPOCH_MS`].
///
/// # Errors
/// A message naming the range, for any other value.
pub fn check_epoch(epoch_ms: i64) -> Result<i64, String> {
    if (MIN_EPOCH_MS..=MAX_EPOCH_MS).contains(&epoch_ms) {
        return Ok(epoch_ms);
    }
    Err(format!(
        "epoch {epoch_ms} is out of range; give milliseconds since 1970 from {MIN_EPOCH_MS} (year 1) to {MAX_EPOCH_MS} (year 9999), e.g. 1700000000000"
    ))
}
