//! Turning events into the frames every recipient shares: each event is
//! serialized once here, however many clients receive it (the rule "an event is
//! serialized once" of docs/architecture.md).

use std::fmt::Write as _;
use std::sync::Arc;

use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;

use crate::protocol::{Event, RawEvent};

use crate::server::stats::Stats;

/// Serializes events into the frames every recipient shares. The only place
/// events are encoded, so `events_encoded` counts every serialization.
#[derive(Debug)]
pub(crate) struct Encoder {
    stats: Arc<Stats>,
    /// Append the load-measurement stamp (`ServerConfig::send_stamp`).
    stamp: bool,
    /// The next `simSeq`.
    sequence: u64,
    /// Where the dashboard watches every event go out (see [`EventTap`]).
    tap: Option<EventTap>,
}

/// A copy of every event frame as it is encoded, for the dashboard's stream
/// view: before any filter, so the dashboard can apply its own. Bounded: a
/// watcher that falls [`TAP_CAPACITY`] frames behind loses the oldest and is told
/// how many (it counts them as not shown). Costs nothing while nobody watches.
pub(crate) type EventTap = broadcast::Sender<Message>;

/// Frames the tap holds for a watcher that has not taken them yet.
pub(crate) const TAP_CAPACITY: usize = 4096;

impl Encoder {
    /// An encoder counting into `stats`, stamping when `stamp` is set.
    pub(crate) fn new(stats: Arc<Stats>, stamp: bool) -> Self {
        Encoder {
            stats,
            stamp,
            sequence: 0,
            tap: None,
        }
    }

    /// Also copies every frame to `tap` while anyone watches it.
    pub(crate) fn with_tap(mut self, tap: EventTap) -> Self {
        self.tap = Some(tap);
        self
    }

    /// The counters this encoder counts into.
    pub(crate) fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// The frame of a typed event.
    pub(crate) fn encode(&mut self, event: &Event) -> Message {
        self.frame(event.to_json())
    }

    /// The frame of an injected event: its text as given, stamped if asked.
    pub(crate) fn encode_raw(&mut self, event: &RawEvent) -> Message {
        self.frame(event.json().to_string())
    }

    fn frame(&mut self, mut json: String) -> Message {
        Stats::bump(&self.stats.events_encoded);
        if self.stamp && json.ends_with('}') {
            let sent_us = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros());
            json.pop();
            // Writing to a String cannot fail.
            let _ = write!(
                json,
                ",\"simSentUs\":{sent_us},\"simSeq\":{}}}",
                self.sequence
            );
            self.sequence += 1;
        }
        // `Message::text(String)` takes the String's buffer without copying, and
        // cloning the message clones a `bytes::Bytes`: a reference-count bump per
        // recipient.
        let frame = Message::text(json);
        if let Some(tap) = self.tap.as_ref().filter(|tap| tap.receiver_count() > 0) {
            // Nobody left watching is no error: the frame goes to clients anyway.
            let _ = tap.send(frame.clone());
        }
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::event::{EventBody, UserSession};

    fn login() -> Event {
        Event {
            time: 7,
            core_server_id: "cs".into(),
            body: EventBody::UserLogin(UserSession {
                user_id: "u".into(),
                username: "1001".into(),
                user_login_id: "l".into(),
                ip: String::new(),
                port: 1,
            }),
        }
    }

    fn text(frame: &Message) -> &str {
        frame.to_text().expect("a text frame")
    }

    #[test]
    fn frames_are_the_plain_encoding_unless_stamping_is_asked_for() {
        let stats = Arc::new(Stats::default());
        let mut plain = Encoder::new(Arc::clone(&stats), false);
        let mut stamped = Encoder::new(Arc::clone(&stats), true);

        let unstamped = plain.encode(&login());
        let first: serde_json::Value =
            serde_json::from_str(text(&stamped.encode(&login()))).expect("JSON");
        let second: serde_json::Value =
            serde_json::from_str(text(&stamped.encode(&login()))).expect("JSON");

        assert_eq!(text(&unstamped), login().to_json());
        assert_eq!(
            (first["simSeq"].as_u64(), second["simSeq"].as_u64()),
            (Some(0), Some(1))
        );
        assert!(
            first["simSentUs"]
                .as_u64()
                .is_some_and(|us| us > 1_600_000_000_000_000)
        );
        assert_eq!(first["username"], "1001");
        assert_eq!(stats.snapshot().events_encoded, 3);
    }
}
