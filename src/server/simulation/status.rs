//! Where the run stands, as `GET /sim/status` shows it.

use serde::Serialize;

use crate::protocol::Profile;

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
    /// Why the run in play stopped at a limit before its end, if it did; then
    /// nothing more is scheduled until a reset or a new scenario.
    pub stopped: Option<String>,
    /// Runs a limit has stopped since the server started.
    pub runs_stopped: u64,
}
