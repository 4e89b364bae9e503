//! Where the server's events come from: a feed on a virtual clock. The
//! [`driver`](super::driver) plays it in (scaled) wall-clock time; the scenario
//! player is the feed that also has a model for the REST API.

use std::time::Duration;

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

/// The wall-clock offset at which virtual time `virtual_ms` falls at `speed`;
/// `None` when it is too far away to represent (then it never comes).
pub fn wall_offset(virtual_ms: u64, speed: f64) -> Option<Duration> {
    // Precision: f64 holds every integer below 2^53 ms (285,000 years) exactly.
    Duration::try_from_secs_f64(virtual_ms as f64 / 1000.0 / speed).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_times_have_no_wall_offset() {
        assert_eq!(wall_offset(u64::MAX, 1e-300), None);
        assert_eq!(wall_offset(1500, 3.0), Some(Duration::from_millis(500)));
    }
}
