//! What the control API asks of the simulation and what it answers: step results,
//! load options, the run's status.

use serde::Serialize;

use crate::protocol::Profile;

/// What one step applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stepped {
    /// Virtual ms of the last batch applied: the clock stands there when paused.
    pub virtual_ms: u64,
    /// Events that batch caused and published; 0 only when the run ended, or
    /// after [`MAX_SILENT_BATCHES_PER_STEP`] silent batches.
    pub events: usize,
    /// Batches applied, the silent ones on the way included.
    pub batches: u32,
}

/// How far one step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StepTo {
    /// Until a batch causes an event (`POST /sim/step`).
    #[default]
    NextEvent,
    /// Exactly one batch, silent or not (`POST /sim/step?to=batch`).
    NextBatch,
}

/// How many silent batches one step may apply before it answers anyway.
pub const MAX_SILENT_BATCHES_PER_STEP: u32 = 10_000;

/// Where the run stands, for `GET /sim/status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStatus {
    /// The scenario's name ("none" without one).
    pub scenario: String,
    /// The run's seed, if it has one.
    pub seed: Option<u64>,
    /// Epoch ms of virtual time zero, for a scenario.
    pub epoch: Option<i64>,
    /// Virtual ms since the start of the run.
    pub virtual_ms: u64,
    /// `epoch + virtual ms` as an ISO 8601 UTC time, for a scenario.
    pub clock: Option<String>,
    /// Whether the clock stands still.
    pub paused: bool,
    /// Virtual ms per wall ms.
    pub speed: f64,
    /// Which loop of the scenario is playing (0 = the first), for a scenario.
    #[serde(rename = "loop")]
    pub loop_index: Option<u64>,
    /// Virtual ms of the next scheduled batch; `None` when the run is over.
    pub next_due_ms: Option<u64>,
    /// Which events the run emits ("standard" or "extended").
    pub profile: Profile,
    /// Scripted steps the model refused so far.
    pub step_failures: u64,
    /// Generator commands the model refused so far (bugs of ours).
    pub generator_faults: u64,
    /// Simulated restarts (`restart` faults) so far, for a scenario.
    pub restarts: Option<u64>,
}

/// How [`Simulation::load_with`](super::Simulation::load_with) plays a scenario (`POST /sim/scenario?seed=..&epoch=..
/// &profile=..&loop=..`); each `None` keeps what the run in play has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The root seed; else the file's, else the one in use, else a random one.
    pub seed: Option<u64>,
    /// Epoch ms of virtual time zero: event `time` counts from it.
    pub epoch_ms: Option<i64>,
    /// Which events the run emits; filter warnings follow it.
    pub profile: Option<Profile>,
    /// Whether the scenario starts over after its length.
    pub looping: Option<bool>,
}
