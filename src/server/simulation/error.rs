//! Why the simulation could not do what was asked.

use crate::model::{LiveError, ModelError};
use crate::scenario::ScenarioError;

use crate::server::config::{MAX_SPEED, MIN_SPEED};
use crate::server::fanout::publisher::BusClosed;

/// Why the simulation could not do what was asked; the HTTP layer answers each
/// with its own status (see `http/reply.rs`).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The Live API refused the request (404, 412 or 409).
    #[error("{0}")]
    Live(#[from] LiveError),
    /// What plays has no PBX model (no scenario): nothing to read or change.
    #[error(
        "no scenario is playing, so there is no PBX to show or change; load one with POST /sim/scenario"
    )]
    NoModel,
    /// A step was asked for after the last batch of a run that does not loop.
    #[error("the run is over: nothing more is scheduled; POST /sim/reset to start again")]
    RunOver,
    /// `reset` was asked of a feed that is not a scenario player.
    #[error(
        "what plays is not a scenario, so it cannot be started again; load one with POST /sim/scenario"
    )]
    NotRestartable,
    /// The speed is not a number in the documented range.
    #[error(
        "speed must be a number from {MIN_SPEED} to {MAX_SPEED}, such as 1 (real time) or 10, got {0}"
    )]
    BadSpeed(f64),
    /// The scenario text has problems, one diagnostic per line.
    #[error("{0}")]
    InvalidScenario(#[from] ScenarioError),
    /// The model refuses the scenario's directory.
    #[error("the model refuses the scenario's directory: {0}")]
    RefusedDirectory(ModelError),
    /// No seed was given and the OS has no randomness for one.
    #[error("no seed given and none could be drawn: {0}; pass ?seed=N")]
    NoSeed(String),
    /// The server is shutting down.
    #[error("{0}")]
    ShuttingDown(#[from] BusClosed),
}
