//! A feed of plausible office traffic at a fixed rate, for load tests and benches:
//! logins, status changes, queue agents, hangups and links of the synthetic
//! [`population`](super::population), from a seeded RNG.

use crate::protocol::Event;
use crate::protocol::event::{
    AgentMembership, EventBody, LinkEnd, SegmentHangup, UserSession, UserStatus,
};
use crate::rng::SimRng;
use crate::server::{EventFeed, FeedInfo};

use super::population::{QUEUES, STATUS_TYPES, USERS, extension, username};

/// Generates events of the synthetic office, one at a time.
#[derive(Debug, Clone)]
pub struct EventMaker {
    rng: SimRng,
    serial: u64,
}

impl EventMaker {
    /// A maker whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        EventMaker {
            rng: SimRng::named(seed, "synthetic-load"),
            serial: 0,
        }
    }

    /// A uniform index below `n`.
    fn pick(&mut self, n: usize) -> usize {
        self.rng.between(0, n.saturating_sub(1) as u64) as usize
    }

    /// The next event, stamped `time` (epoch milliseconds). The mix: status
    /// changes 30%, hangups 25%, agent logins and logouts 20%, user logins and
    /// logouts 15%, link ends 10%.
    pub fn next_event(&mut self, time: i64) -> Event {
        self.serial += 1;
        let user = self.pick(USERS);
        let roll = self.pick(100) as u32;
        let id = |prefix: &str, n: u64| format!("{prefix}-{n:012x}");
        let body = match roll {
            0..30 => EventBody::UserStatus(UserStatus {
                user_id: id("u", user as u64),
                username: username(user),
                name: "Status".into(),
                status_type: STATUS_TYPES[self.pick(STATUS_TYPES.len())].into(),
                note: String::new(),
                return_time: -1,
                user_created: false,
            }),
            30..55 => EventBody::Hangup(SegmentHangup {
                call_segment_id: id("s", self.serial),
                caller_id_name: "ACME Corp".into(),
                caller_id_number: "5550123".into(),
                did: Some("5550100".into()),
                extension_id: Some(id("e", user as u64)),
                extension_number: Some(extension(user)),
                user_id: Some(id("u", user as u64)),
                username: Some(username(user)),
            }),
            55..75 => {
                let membership = AgentMembership {
                    agent_id: id("a", user as u64),
                    agent: username(user),
                    state: "NOT_INUSE".into(),
                    queue_id: id("q", 1),
                    queue: QUEUES[self.pick(QUEUES.len())].into(),
                    extension_id: id("e", user as u64),
                    extension_number: extension(user),
                    user_id: id("u", user as u64),
                    username: username(user),
                };
                if roll < 65 {
                    EventBody::AgentLogin(membership)
                } else {
                    EventBody::AgentLogout(membership)
                }
            }
            75..90 => {
                let session = UserSession {
                    user_id: id("u", user as u64),
                    username: username(user),
                    user_login_id: id("l", self.serial),
                    ip: "10.0.0.25".into(),
                    port: 51234,
                };
                if roll < 83 {
                    EventBody::UserLogin(session)
                } else {
                    EventBody::UserLogout(session)
                }
            }
            _ => {
                let peer = self.pick(USERS);
                EventBody::LinkEnd(LinkEnd {
                    call_segment_id1: id("s", self.serial),
                    caller_id_name1: username(user),
                    caller_id_number1: extension(user),
                    did1: None,
                    extension_id1: Some(id("e", user as u64)),
                    extension_number1: Some(extension(user)),
                    user_id1: Some(id("u", user as u64)),
                    username1: Some(username(user)),
                    call_segment_id2: id("s", self.serial + 1),
                    caller_id_name2: username(peer),
                    caller_id_number2: extension(peer),
                    did2: None,
                    extension_id2: Some(id("e", peer as u64)),
                    extension_number2: Some(extension(peer)),
                    user_id2: Some(id("u", peer as u64)),
                    username2: Some(username(peer)),
                })
            }
        };
        Event {
            time,
            core_server_id: "77636f98-c7ae-48fc-9b87-33ffcb13802a".into(),
            body,
        }
    }
}

/// Plays the synthetic office at `rate` events per second for `duration_ms`
/// virtual milliseconds. Event `time` is `epoch_ms` plus virtual time, so at speed
/// 1 with `epoch_ms` = the wall clock at start, `time` follows the wall clock.
#[derive(Debug, Clone)]
pub struct SyntheticFeed {
    maker: EventMaker,
    rate: f64,
    epoch_ms: i64,
    duration_ms: u64,
    next_ms: u64,
    emitted: u64,
}

impl SyntheticFeed {
    /// A feed of `rate` events/s for `duration_ms`, timed from `epoch_ms`.
    pub fn new(seed: u64, rate: f64, epoch_ms: i64, duration_ms: u64) -> Self {
        SyntheticFeed {
            maker: EventMaker::new(seed),
            rate: rate.max(0.0),
            epoch_ms,
            duration_ms,
            next_ms: 0,
            emitted: 0,
        }
    }
}

impl EventFeed for SyntheticFeed {
    fn next_due(&mut self) -> Option<u64> {
        (self.next_ms <= self.duration_ms && self.rate > 0.0).then_some(self.next_ms)
    }

    fn advance(&mut self) -> Vec<Event> {
        // Every event due by the end of this millisecond, so fractional rates even
        // out: after t ms exactly floor(rate * t / 1000) events have been emitted.
        let due_total = (self.rate * (self.next_ms + 1) as f64 / 1000.0) as u64;
        let time = self.epoch_ms + self.next_ms as i64;
        let events = (self.emitted..due_total)
            .map(|_| self.maker.next_event(time))
            .collect();
        self.emitted = due_total;
        self.next_ms += 1;
        events
    }

    fn info(&self) -> FeedInfo {
        FeedInfo {
            scenario: format!("synthetic office, {} events/s", self.rate),
            seed: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_emits_the_rate_over_its_duration_and_stops() {
        let mut feed = SyntheticFeed::new(1, 2500.0, 1_000, 999);
        let mut events = Vec::new();
        while let Some(due) = feed.next_due() {
            let batch = feed.advance();
            assert!(batch.iter().all(|e| e.time == 1_000 + due as i64));
            events.extend(batch);
        }
        assert_eq!(events.len(), 2500);
    }

    #[test]
    fn the_same_seed_makes_the_same_events() {
        let (mut a, mut b) = (EventMaker::new(9), EventMaker::new(9));
        for _ in 0..100 {
            assert_eq!(a.next_event(1), b.next_event(1));
        }
    }
}
