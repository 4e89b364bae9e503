//! Where the server's events come from: a feed on a virtual clock. The
//! [`driver`](super::driver) plays it in (scaled) wall-clock time; the scenario
//! player is the feed that also has a model for the REST API.

use crate::protocol::Event;
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
