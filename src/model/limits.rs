//! How big the model may grow: live calls in all, and callers waiting in one
//! queue. Ours, not iSymphony's. A command that would pass a limit is refused
//! with [`ModelError::LimitReached`](super::ModelError::LimitReached), so no
//! scenario, generator or REST action can make the PBX grow without bound; the
//! scenario player stops the run when its own traffic hits one.

/// Default most live calls at once (`serve --max-live-calls`). A busy call
/// centre has a few hundred; each call costs about a KiB and one or two
/// segments in every `callSegments` answer.
pub const DEFAULT_MAX_LIVE_CALLS: usize = 10_000;

/// Default most callers waiting in one queue (`serve --max-queue-callers`).
pub const DEFAULT_MAX_QUEUE_CALLERS: usize = 1_000;

/// The model's size limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Most live calls at once, over every extension, queue and room.
    pub max_live_calls: usize,
    /// Most callers waiting (queued, not yet answered) in one queue.
    pub max_queue_callers: usize,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            max_live_calls: DEFAULT_MAX_LIVE_CALLS,
            max_queue_callers: DEFAULT_MAX_QUEUE_CALLERS,
        }
    }
}

/// Which limit a refused command reached; its name is the field and flag name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallLimit {
    /// [`CallLimits::max_live_calls`].
    LiveCalls,
    /// [`CallLimits::max_queue_callers`].
    QueueCallers,
}

impl CallLimit {
    /// The limit's name, as `serve` spells its flag without the dashes.
    pub fn name(self) -> &'static str {
        match self {
            CallLimit::LiveCalls => "max-live-calls",
            CallLimit::QueueCallers => "max-queue-callers",
        }
    }

    /// What it counts, for messages ("live calls").
    pub fn counts(self) -> &'static str {
        match self {
            CallLimit::LiveCalls => "live calls",
            CallLimit::QueueCallers => "callers waiting in one queue",
        }
    }
}
