//! One step of `POST /sim/step`: how far it goes and what it applied.

use serde::Serialize;

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
