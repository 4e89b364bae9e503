//! A replayed capture as the server's feed (`serve --replay`): its frames go on
//! the bus as captured, at their virtual times; the Live API answers from the
//! capture's snapshot; actions are refused (409) unless `--replay-live` gave the
//! feed a model of its own to apply them to.

use serde_json::{Map, Value};

use super::catalogue::{as_object, catalogue_kind};
use super::live_view;
use super::reader::Capture;
use super::replay::Replay;
use crate::model::{LiveError, ModelError, Pbx};
use crate::protocol::{Event, Profile, RawEvent};
use crate::server::{EventFeed, FeedInfo};

/// The seed of the `--replay-live` model: it only draws the ids of its objects.
pub const REPLAY_LIVE_SEED: u64 = 1;

/// A capture playing on the server's clock.
pub struct ReplayFeed {
    replay: Replay,
    /// The frames of the last `advance`, until the simulation takes them.
    pending: Vec<RawEvent>,
    /// With `--replay-live`: the model actions are applied to.
    model: Option<Pbx>,
    /// Epoch ms of virtual time zero: the retime epoch, else the first frame's time.
    epoch_ms: Option<i64>,
}

impl std::fmt::Debug for ReplayFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayFeed")
            .field("path", &self.replay.path())
            .field("live_actions", &self.model.is_some())
            .finish_non_exhaustive()
    }
}

impl ReplayFeed {
    /// Plays `replay`; Live API actions are refused.
    pub fn new(replay: Replay) -> ReplayFeed {
        let epoch_ms = replay
            .options()
            .retime_epoch
            .or_else(|| replay.first_time());
        ReplayFeed {
            replay,
            pending: Vec::new(),
            model: None,
            epoch_ms,
        }
    }

    /// `--replay-live`: actions apply to a model of the capture's directory (as
    /// `--to-scenario` infers it), on top of the replayed frames.
    ///
    /// # Errors
    /// The model refuses the inferred directory.
    pub fn with_live_actions(mut self, capture: &Capture) -> Result<ReplayFeed, ModelError> {
        let events: Vec<Map<String, Value>> = capture
            .frames()
            .filter_map(|frame| as_object(frame.text.as_deref()?))
            .filter(|event| catalogue_kind(event).is_some())
            .collect();
        let (directory, _) = super::convert::directory::infer(capture.first_snapshot(), &events);
        self.model = Some(Pbx::new(directory, REPLAY_LIVE_SEED, Profile::Standard)?);
        Ok(self)
    }

    /// The replay it plays.
    pub fn replay(&self) -> &Replay {
        &self.replay
    }
}

/// Why actions are refused during a plain replay.
fn refusal() -> LiveError {
    LiveError::Refused(ModelError::Refused {
        action: "apply",
        subject: "a Live API action".to_string(),
        reason: "the server replays a capture (serve --replay), whose world is the recording's and cannot change; start it with --replay-live to apply actions on top".to_string(),
    })
}

impl EventFeed for ReplayFeed {
    fn next_due(&mut self) -> Option<u64> {
        self.replay.next_due()
    }

    fn advance(&mut self) -> Vec<Event> {
        self.pending = self
            .replay
            .advance()
            .into_iter()
            .map(|frame| frame.event)
            .collect();
        Vec::new()
    }

    fn take_frames(&mut self) -> Vec<RawEvent> {
        std::mem::take(&mut self.pending)
    }

    fn info(&self) -> FeedInfo {
        FeedInfo {
            scenario: format!("replay of {}", self.replay.path()),
            seed: None,
        }
    }

    fn live_get(&self, path: &[&str]) -> Option<Result<Value, LiveError>> {
        Some(live_view::answer(self.replay.snapshot(), path))
    }

    fn live_action(
        &mut self,
        path: &[&str],
        body: &[u8],
        now_ms: u64,
    ) -> Option<Result<Vec<Event>, LiveError>> {
        let Some(model) = self.model.as_mut() else {
            return Some(Err(refusal()));
        };
        let now = self
            .epoch_ms
            .unwrap_or_default()
            .saturating_add(i64::try_from(now_ms).unwrap_or(i64::MAX));
        model.set_time(now);
        let applied = model
            .live_action(path, body)
            .and_then(|command| match command {
                Some(command) => model.apply(&command).map_err(LiveError::from),
                None => Ok(Vec::new()),
            });
        Some(applied)
    }

    fn sends_anything(&self) -> bool {
        true
    }

    fn rewind(&mut self) -> bool {
        self.replay.rewind();
        self.pending.clear();
        true
    }

    fn epoch_ms(&self) -> Option<i64> {
        self.epoch_ms
    }

    fn loop_index(&self) -> Option<u64> {
        Some(self.replay.loop_index())
    }
}
