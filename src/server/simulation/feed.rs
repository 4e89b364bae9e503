//! Where the server's events come from: a feed on a virtual clock. The
//! [`driver`](super::driver) plays it in (scaled) wall-clock time; the scenario
//! player is the feed that also has a model for the REST API.

use serde_json::Value;

use crate::model::LiveError;
use crate::protocol::{Event, Profile, RawEvent};
use crate::scenario::{PlacedFault, Player};

/// A source of timed events: the scenario player implements it.
pub trait EventFeed: Send + 'static {
    /// Virtual milliseconds since the start of the run at which the next batch is due; None when the feed is exhausted.
    fn next_due(&mut self) -> Option<u64>;
    /// Applies everything due at `next_due()` and returns the events it caused, in order.
    fn advance(&mut self) -> Vec<Event>;
    /// The faults the last `advance` asked for, placed among its events; the
    /// default has none.
    fn take_faults(&mut self) -> Vec<PlacedFault> {
        Vec::new()
    }
    /// What the feed plays, for the start-up banner; the default says "none".
    fn info(&self) -> FeedInfo {
        FeedInfo::default()
    }
    /// The scenario player behind the feed, if it is one: the Live API reads and
    /// changes its model, and `/sim/reset` restarts it. The default says "none".
    fn player(&self) -> Option<&Player> {
        None
    }
    /// The same, to change the model.
    fn player_mut(&mut self) -> Option<&mut Player> {
        None
    }
    /// Frames the last `advance` gave as text, to be sent as given after its
    /// events (a replayed capture); the default has none.
    fn take_frames(&mut self) -> Vec<RawEvent> {
        Vec::new()
    }
    /// A Live API GET the feed answers itself (a replay answers from its captured
    /// snapshot); `None`, the default, leaves it to the player's model.
    fn live_get(&self, _path: &[&str]) -> Option<Result<Value, LiveError>> {
        None
    }
    /// A Live API action the feed answers itself, at virtual ms `now_ms`: a
    /// replay refuses it (409) or applies it to its own model (`--replay-live`)
    /// and returns the events to publish; `None`, the default, leaves it to the
    /// player's model.
    fn live_action(
        &mut self,
        _path: &[&str],
        _body: &[u8],
        _now_ms: u64,
    ) -> Option<Result<Vec<Event>, LiveError>> {
        None
    }
    /// Whether the feed may send events of any type and shape (a replayed
    /// capture), so filters are not linted against the profile; the default: no.
    fn sends_anything(&self) -> bool {
        false
    }
    /// Starts a feed that is not a player over (`/sim/reset`); false, the
    /// default, when it cannot.
    fn rewind(&mut self) -> bool {
        false
    }
    /// Epoch ms of virtual time zero, for `/sim/status`, when the feed is not a player.
    fn epoch_ms(&self) -> Option<i64> {
        None
    }
    /// Which loop plays (0 = the first), for `/sim/status`, when the feed is not a player.
    fn loop_index(&self) -> Option<u64> {
        None
    }
}

/// What a feed plays, printed when `serve` starts so a run can be repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedInfo {
    /// The scenario's name or file.
    pub scenario: String,
    /// The seed its random parts derive from, if it has any.
    pub seed: Option<u64>,
}

impl Default for FeedInfo {
    fn default() -> Self {
        FeedInfo {
            scenario: "none".to_string(),
            seed: None,
        }
    }
}

/// A feed with no events: the server then only carries what is published directly.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmptyFeed;

impl EventFeed for EmptyFeed {
    fn next_due(&mut self) -> Option<u64> {
        None
    }

    fn advance(&mut self) -> Vec<Event> {
        Vec::new()
    }
}

/// The scenario player is the feed `serve` runs.
impl EventFeed for Player {
    fn next_due(&mut self) -> Option<u64> {
        Player::next_due(self)
    }

    fn advance(&mut self) -> Vec<Event> {
        Player::advance(self)
    }

    fn take_faults(&mut self) -> Vec<PlacedFault> {
        Player::take_faults(self)
    }

    fn info(&self) -> FeedInfo {
        FeedInfo {
            scenario: self.scenario().name.clone(),
            seed: Some(self.seed()),
        }
    }

    fn player(&self) -> Option<&Player> {
        Some(self)
    }

    fn player_mut(&mut self) -> Option<&mut Player> {
        Some(self)
    }
}

/// The profile filters are linted against: `None` for a feed that may send
/// anything (a replay), else the profile it emits.
pub(super) fn linted_profile(feed: &dyn EventFeed, default: Profile) -> Option<Profile> {
    (!feed.sends_anything()).then(|| profile_of(feed, default))
}

/// The profile `feed` emits: its player's, else `default`.
pub(super) fn profile_of(feed: &dyn EventFeed, default: Profile) -> Profile {
    feed.player()
        .map_or(default, |player| player.pbx().profile())
}
