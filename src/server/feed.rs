//! Where the server's events come from: a feed on a virtual clock, driven in
//! (scaled) wall-clock time and published on the bus.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::protocol::Event;

use super::bus::Publisher;

/// A source of timed events: the scenario player implements it.
pub trait EventFeed: Send + 'static {
    /// Virtual milliseconds since the start of the run at which the next batch is due; None when the feed is exhausted.
    fn next_due(&mut self) -> Option<u64>;
    /// Applies everything due at `next_due()` and returns the events it caused, in order.
    fn advance(&mut self) -> Vec<Event>;
    /// What the feed plays, for the start-up banner; the default says "none".
    fn info(&self) -> FeedInfo {
        FeedInfo::default()
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
impl EventFeed for crate::scenario::Player {
    fn next_due(&mut self) -> Option<u64> {
        crate::scenario::Player::next_due(self)
    }

    fn advance(&mut self) -> Vec<Event> {
        crate::scenario::Player::advance(self)
    }

    fn info(&self) -> FeedInfo {
        FeedInfo {
            scenario: self.scenario().name.clone(),
            seed: Some(self.seed()),
        }
    }
}

/// The wall-clock offset at which virtual time `virtual_ms` falls at `speed`;
/// `None` when it is too far away to represent (then it never comes).
pub fn wall_offset(virtual_ms: u64, speed: f64) -> Option<Duration> {
    // Precision: f64 holds every integer below 2^53 ms (285,000 years) exactly.
    Duration::try_from_secs_f64(virtual_ms as f64 / 1000.0 / speed).ok()
}

/// Plays `feed` against the wall clock from now: each batch is published when its
/// virtual time, divided by `speed`, has elapsed. Uses tokio's clock, so tests
/// can pause and advance time. Returns when the feed is exhausted, the bus has
/// closed or `shutdown` fires.
pub async fn drive<F: EventFeed>(
    mut feed: F,
    publisher: Publisher,
    speed: f64,
    shutdown: CancellationToken,
) {
    let start = Instant::now();
    while let Some(due) = feed.next_due() {
        let deadline = wall_offset(due, speed).and_then(|offset| start.checked_add(offset));
        let Some(deadline) = deadline else {
            tracing::warn!(
                due_ms = due,
                "next event is beyond any reachable time; feed stopped"
            );
            return;
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep_until(deadline) => {}
        }
        let batch = feed.advance();
        tokio::select! {
            () = shutdown.cancelled() => return,
            published = publisher.publish(batch) => {
                if published.is_err() {
                    return;
                }
            }
        }
    }
    tracing::info!("feed exhausted: no more scheduled events");
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::mpsc;

    use super::*;
    use crate::protocol::event::{EventBody, UserSession};
    use crate::server::bus::BusCommand;
    use crate::server::stats::Stats;

    /// Batches due at fixed virtual times, one login event each.
    struct Timed(Vec<u64>);

    impl EventFeed for Timed {
        fn next_due(&mut self) -> Option<u64> {
            self.0.first().copied()
        }

        fn advance(&mut self) -> Vec<Event> {
            let due = self.0.remove(0);
            vec![Event {
                time: due as i64,
                core_server_id: "cs".into(),
                body: EventBody::UserLogin(UserSession {
                    user_id: "u".into(),
                    username: "1001".into(),
                    user_login_id: "l".into(),
                    ip: String::new(),
                    port: 1,
                }),
            }]
        }
    }

    /// Runs the driver and returns the wall offset at which each batch arrived.
    async fn arrival_offsets(feed: Timed, speed: f64) -> Vec<Duration> {
        let (tx, mut rx) = mpsc::channel(16);
        let publisher = Publisher::new(tx, Arc::new(Stats::default()));
        let start = Instant::now();
        let driver = tokio::spawn(drive(feed, publisher, speed, CancellationToken::new()));
        let mut offsets = Vec::new();
        while let Some(command) = rx.recv().await {
            if let BusCommand::Publish(_) = command {
                offsets.push(Instant::now() - start);
            }
        }
        driver.await.expect("driver task");
        offsets
    }

    #[tokio::test(start_paused = true)]
    async fn batches_arrive_at_virtual_time_divided_by_speed() {
        let offsets = arrival_offsets(Timed(vec![0, 1000, 5000]), 2.0).await;
        let ms: Vec<u128> = offsets.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, vec![0, 500, 2500]);
    }

    #[tokio::test(start_paused = true)]
    async fn real_time_speed_keeps_virtual_milliseconds() {
        let offsets = arrival_offsets(Timed(vec![250, 250, 60_000]), 1.0).await;
        let ms: Vec<u128> = offsets.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, vec![250, 250, 60_000]);
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_stops_a_waiting_driver() {
        let (tx, mut rx) = mpsc::channel(16);
        let publisher = Publisher::new(tx, Arc::new(Stats::default()));
        let shutdown = CancellationToken::new();
        let driver = tokio::spawn(drive(
            Timed(vec![3_600_000]),
            publisher,
            1.0,
            shutdown.clone(),
        ));
        shutdown.cancel();
        driver.await.expect("driver task");
        assert!(rx.recv().await.is_none(), "nothing was published");
    }

    #[test]
    fn unreachable_times_have_no_wall_offset() {
        assert_eq!(wall_offset(u64::MAX, 1e-300), None);
        assert_eq!(wall_offset(1500, 3.0), Some(Duration::from_millis(500)));
    }
}
