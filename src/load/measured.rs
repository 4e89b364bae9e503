//! What one load process measured: its counters and its latency histogram. A
//! shard file (`--hdr-out`) holds exactly this, and a report is made from one of
//! them (a plain run) or from the validated set of a run's shards (`load merge`).

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use super::LatencySource;
use super::cpu::PidSource;
use super::lag::WakeDelay;
use super::setup_failure::SetupFailure;
use super::shard::Shard;

/// What every shard of one run is given alike; shards that differ here are not
/// of the same run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunPlan {
    /// The Event API URL.
    pub target: String,
    /// Measured clients of the whole run (all shards).
    pub clients: usize,
    /// Idle clients of the whole run.
    pub idle: usize,
    /// The filter mix, as given.
    pub filters: String,
    /// Whether every measured client admits every event (so `simSeq` gaps are drops).
    pub admits_everything: bool,
    /// Whether the filters can admit anything at all (not the `reject` mix).
    pub admits_something: bool,
    /// The measurement window asked for, milliseconds.
    pub duration_ms: u64,
    /// Where latency is read from.
    pub latency: LatencySource,
}

/// The server's CPU over a window.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerCpu {
    /// The server's process id.
    pub pid: u32,
    /// How the PID was learnt.
    pub source: PidSource,
    /// CPU seconds (user + system) it used in the window.
    pub seconds: f64,
}

/// The counters of one load process.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Counts {
    /// Clients (measured and idle) whose filter was answered.
    pub ready: u64,
    /// Measured clients among `ready`.
    pub ready_measured: u64,
    /// Clients that could not take part, by reason.
    pub setup_failures: BTreeMap<SetupFailure, u64>,
    /// Events received by measured clients in the window.
    pub delivered: u64,
    /// Of those, events without a usable stamp.
    pub untimed: u64,
    /// `simSeq` gaps seen by measured clients that admit everything: frames the
    /// server did not send them. `None` when no frame carried `simSeq`.
    pub drops: Option<u64>,
    /// `simNotice` frames measured clients received in the window: our server's
    /// word that it evicted events for them (docs/protocol.md §10.6). Absent in
    /// files written before it was counted, read as 0.
    #[serde(default)]
    pub notices: u64,
    /// Events those notices say the server evicted (the sum of their `dropped`).
    /// Absent in older files, read as 0.
    #[serde(default)]
    pub evicted_announced: u64,
    /// Measured clients whose connection the server ended, by close code (`lost`
    /// when it ended without a close frame, `close` for a close frame without code).
    pub disconnects: BTreeMap<String, u64>,
    /// The same for idle clients.
    pub idle_disconnects: BTreeMap<String, u64>,
}

impl Counts {
    /// Adds `other`'s counters to these.
    pub fn add(&mut self, other: &Counts) {
        let add_map = |into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>| {
            for (key, n) in from {
                *into.entry(key.clone()).or_default() += n;
            }
        };
        self.ready += other.ready;
        self.ready_measured += other.ready_measured;
        for (reason, n) in &other.setup_failures {
            *self.setup_failures.entry(*reason).or_default() += n;
        }
        self.delivered += other.delivered;
        self.untimed += other.untimed;
        self.drops = match (self.drops, other.drops) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        self.notices += other.notices;
        self.evicted_announced += other.evicted_announced;
        add_map(&mut self.disconnects, &other.disconnects);
        add_map(&mut self.idle_disconnects, &other.idle_disconnects);
    }

    /// Clients that could not take part, all reasons together.
    pub fn setup_failure_total(&self) -> u64 {
        self.setup_failures.values().sum()
    }
}

/// Everything in a shard file but the histogram: one JSON line in its header.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShardHeader {
    /// The shard file format; [`SHARD_FORMAT`] for files this version writes.
    pub format: u32,
    /// `--run-id`, naming the run all shards belong to.
    pub run_id: Option<String>,
    /// Which slice of the run this process drove.
    pub shard: Shard,
    /// What every shard of the run shares.
    pub plan: RunPlan,
    /// Measured clients this shard drove.
    pub clients: usize,
    /// Idle clients this shard drove.
    pub idle: usize,
    /// When the measurement window opened, Unix microseconds.
    pub window_start_us: u64,
    /// Length of the window, seconds.
    pub seconds: f64,
    /// The counters.
    pub counts: Counts,
    /// CPU seconds this load process used in the window.
    pub load_cpu_seconds: Option<f64>,
    /// CPU cores this load process could use.
    pub load_cores: usize,
    /// How late this load process's tasks woke in the window.
    pub wake_delay: WakeDelay,
    /// How late they woke before it (connecting, warm-up).
    pub wake_delay_before: WakeDelay,
    /// The server's CPU in the window, when its PID was given or found.
    pub server_cpu: Option<ServerCpu>,
}

/// The shard file format this version writes and reads.
pub const SHARD_FORMAT: u32 = 1;

impl ShardHeader {
    /// When the window closed, Unix microseconds.
    pub fn window_end_us(&self) -> u64 {
        self.window_start_us
            .saturating_add((self.seconds.max(0.0) * 1e6) as u64)
    }

    /// Events per second this shard received.
    pub fn rate(&self) -> f64 {
        self.counts.delivered as f64 / self.seconds.max(f64::EPSILON)
    }
}

/// One load process's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Its counters.
    pub header: ShardHeader,
    /// Latency in microseconds, from the stamp to receipt.
    pub latency: Histogram<u64>,
}

/// An empty latency histogram: 1 µs to 1 h at 3 significant figures.
pub fn latency_histogram() -> Histogram<u64> {
    // The bounds are constants, so construction cannot fail; the fallback keeps it total.
    Histogram::new_with_bounds(1, 3_600_000_000, 3)
        .or_else(|_| Histogram::new(3))
        .unwrap_or_else(|_| unreachable!("3 significant figures are valid"))
}
