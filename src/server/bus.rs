//! The fan-out bus: publishers put event batches in, one dispatcher task encodes
//! each event once and hands the shared frame to every client whose filters admit it.
//!
//! The dispatcher drains every pending command, prepares each event's row once,
//! finds the admitting clients through the filter index (so rejecting clients cost
//! nothing) and then delivers client-major, so each client's writer wakes to a
//! whole batch and flushes it with one write.
//!
//! Everything that changes what a client receives (attach, filter change, reply,
//! detach) travels through the same FIFO as the events, so it takes effect at one
//! well-defined point of the stream: events published before a filter message's
//! reply were judged by the old filters, events after it by the new ones.
//!
//! Slow consumers: each client has a bounded queue of `client_queue` frames. When
//! the dispatcher finds it full, it drops the client from the fan-out and tells the
//! session to close with 1008 "slow consumer: N events pending". The dispatcher
//! never waits on a client, so one slow client cannot stall the others, and no
//! queue grows without bound. Nothing is dropped silently: the close frame says so,
//! a warning is logged and `slow_consumer_disconnects` is counted.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use warp::ws::Message;

use crate::protocol::compiled::Symbol;
use crate::protocol::{Event, FilterSet, RawEvent};

use super::stats::Stats;
use super::subscribers::{Subscriber, Subscribers};

/// Commands the dispatcher may take in one wake-up; more wait for the next round.
const DRAIN_LIMIT: usize = 256;

/// Identifies one websocket session on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub u64);

/// Why the dispatcher dropped a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// The client's queue was full: it holds `pending` frames it has not taken.
    SlowConsumer {
        /// Frames waiting when the client was dropped (the queue capacity).
        pending: usize,
    },
}

/// What travels on the bus, in order.
#[derive(Debug)]
pub enum BusCommand {
    /// Events to fan out, in order.
    Publish(Vec<Event>),
    /// An event injected as JSON text (`POST /sim/inject`), sent as given to
    /// every client whose filters admit it.
    PublishRaw(RawEvent),
    /// A new client, admitting everything until it sends a filter.
    Attach {
        /// The session's id.
        id: ClientId,
        /// Where its frames go.
        queue: mpsc::Sender<Message>,
        /// How the dispatcher tells it that it was dropped.
        kick: oneshot::Sender<Kick>,
    },
    /// Replace a client's filters, then queue `reply` to it.
    SetFilter {
        /// The client.
        id: ClientId,
        /// The new filter set.
        filters: FilterSet,
        /// The `filterResponse` success reply.
        reply: Message,
    },
    /// Queue a frame to one client, in order with its events (a failure reply).
    Reply {
        /// The client.
        id: ClientId,
        /// The frame.
        frame: Message,
    },
    /// The client has gone.
    Detach {
        /// The client.
        id: ClientId,
    },
}

/// The bus is gone: the server has shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server has shut down; events can no longer be published")]
pub struct BusClosed;

/// Puts events on the bus. Cheap to clone; the clock driver and the HTTP routes
/// each hold one.
#[derive(Debug, Clone)]
pub struct Publisher {
    bus: mpsc::Sender<BusCommand>,
    stats: Arc<Stats>,
}

impl Publisher {
    pub(crate) fn new(bus: mpsc::Sender<BusCommand>, stats: Arc<Stats>) -> Self {
        Publisher { bus, stats }
    }

    /// Publishes a batch of events, in order. Waits while the bus is full, which
    /// slows the publisher down to the dispatcher's pace instead of buffering.
    ///
    /// # Errors
    /// [`BusClosed`] once the server has shut down.
    pub async fn publish(&self, events: Vec<Event>) -> Result<(), BusClosed> {
        if events.is_empty() {
            return Ok(());
        }
        for event in &events {
            self.stats.count_published(event.kind());
        }
        self.bus
            .send(BusCommand::Publish(events))
            .await
            .map_err(|_| BusClosed)
    }

    /// Waits for room on the bus and holds it. Whoever changes the model takes a
    /// slot first, then applies and publishes through it under its lock: the bus
    /// then carries events in the order the model produced them, however many
    /// tasks change the model, and nothing waits while the lock is held.
    ///
    /// # Errors
    /// [`BusClosed`] once the server has shut down.
    pub async fn reserve(&self) -> Result<PublishSlot<'_>, BusClosed> {
        let permit = self.bus.reserve().await.map_err(|_| BusClosed)?;
        Ok(PublishSlot {
            permit,
            stats: &self.stats,
        })
    }
}

/// Room for one publication on the bus, taken by [`Publisher::reserve`]; sending
/// through it never waits. Dropping it unused gives the room back.
#[derive(Debug)]
pub struct PublishSlot<'a> {
    permit: mpsc::Permit<'a, BusCommand>,
    stats: &'a Stats,
}

impl PublishSlot<'_> {
    /// Publishes a batch of events, in order; an empty batch publishes nothing.
    pub fn publish(self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        for event in &events {
            self.stats.count_published(event.kind());
        }
        self.permit.send(BusCommand::Publish(events));
    }

    /// Publishes one injected event, sent as given.
    pub fn publish_raw(self, event: RawEvent) {
        Stats::bump(&self.stats.events_published);
        Stats::bump(&self.stats.events_injected);
        self.permit.send(BusCommand::PublishRaw(event));
    }
}

/// Queues one frame to a client; a full queue marks it slow, a closed one gone.
fn offer(subscriber: &mut Subscriber, frame: Message, stats: &Stats) -> bool {
    match subscriber.queue.try_send(frame) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            let pending = subscriber.queue.max_capacity();
            tracing::warn!(
                client = subscriber.id.0,
                pending,
                "slow consumer: disconnecting with 1008"
            );
            Stats::bump(&stats.slow_consumer_disconnects);
            if let Some(kick) = subscriber.kick.take() {
                // The session may already be gone; then there is no one to tell.
                let _ = kick.send(Kick::SlowConsumer { pending });
            }
            subscriber.gone = true;
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {
            subscriber.gone = true;
            false
        }
    }
}

/// Serializes events into the frames every recipient shares. The only place
/// events are encoded, so `events_encoded` counts every serialization.
#[derive(Debug)]
pub(crate) struct Encoder {
    stats: Arc<Stats>,
    /// Append the load-measurement stamp (`ServerConfig::send_stamp`).
    stamp: bool,
    /// The next `simSeq`.
    sequence: u64,
}

impl Encoder {
    /// An encoder counting into `stats`, stamping when `stamp` is set.
    pub(crate) fn new(stats: Arc<Stats>, stamp: bool) -> Self {
        Encoder {
            stats,
            stamp,
            sequence: 0,
        }
    }

    fn encode(&mut self, event: &Event) -> Message {
        self.frame(event.to_json())
    }

    /// The frame of an injected event: its text as given, stamped if asked.
    fn encode_raw(&mut self, event: &RawEvent) -> Message {
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
        Message::text(json)
    }
}

/// One event of a run: built by the model, or injected as JSON text.
#[allow(
    clippy::large_enum_variant,
    reason = "typed events are the hot path: boxing them would cost an allocation per event"
)]
enum Outgoing {
    Typed(Event),
    Raw(RawEvent),
}

/// A run of encoded events waiting for fan-out, with their rows.
#[derive(Default)]
struct Run {
    events: Vec<Outgoing>,
    frames: Vec<Message>,
    /// The events' rows, back to back, prepared at fan-out time.
    rows: Vec<Symbol>,
    /// Slots of the clients due at least one event of this run, in first-match order.
    touched: Vec<u32>,
}

/// The dispatcher task: runs until `shutdown` fires or every publisher is gone.
pub(crate) async fn dispatch(
    mut bus: mpsc::Receiver<BusCommand>,
    mut encoder: Encoder,
    shutdown: CancellationToken,
) {
    let stats = Arc::clone(&encoder.stats);
    let mut subscribers = Subscribers::default();
    let mut commands = Vec::with_capacity(DRAIN_LIMIT);
    let mut run = Run::default();
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => break,
            n = bus.recv_many(&mut commands, DRAIN_LIMIT) => n,
        };
        if received == 0 {
            break;
        }
        for command in commands.drain(..) {
            match command {
                BusCommand::Publish(events) => {
                    for event in events {
                        run.frames.push(encoder.encode(&event));
                        run.events.push(Outgoing::Typed(event));
                    }
                    continue;
                }
                BusCommand::PublishRaw(event) => {
                    run.frames.push(encoder.encode_raw(&event));
                    run.events.push(Outgoing::Raw(event));
                    continue;
                }
                _ => {}
            }
            // A control command ends a run of events: deliver them first so the
            // command takes effect exactly between them and what follows.
            fan_out(&mut subscribers, &mut run, &stats);
            apply(command, &mut subscribers, &stats);
        }
        fan_out(&mut subscribers, &mut run, &stats);
    }
    tracing::debug!("dispatcher stopped");
}

/// Delivers a run of encoded events client-major, so each woken writer finds a
/// whole batch rather than one frame. Finding who is due is event-major through
/// the index, so clients whose filters reject an event are never looked at.
fn fan_out(subscribers: &mut Subscribers, run: &mut Run, stats: &Stats) {
    if run.events.is_empty() {
        return;
    }
    let width = subscribers.vocabulary().property_count();
    let vocabulary = subscribers.vocabulary();
    for event in &run.events {
        match event {
            Outgoing::Typed(event) => vocabulary.prepare_into(event, &mut run.rows),
            Outgoing::Raw(event) => {
                vocabulary.prepare_with(|name| event.property(name), &mut run.rows)
            }
        }
    }
    for position in 0..run.events.len() {
        let row = &run.rows[position * width..(position + 1) * width];
        let touched = &mut run.touched;
        subscribers.for_each_admitting(row, |subscriber| {
            if subscriber.due.is_empty() {
                touched.push(subscriber.slot);
            }
            subscriber.due.push(position as u32);
        });
    }
    let mut delivered = 0u64;
    for &slot in &run.touched {
        let Some(subscriber) = subscribers.slot_mut(slot) else {
            continue;
        };
        let mut due = std::mem::take(&mut subscriber.due);
        for &position in &due {
            if !offer(subscriber, run.frames[position as usize].clone(), stats) {
                break;
            }
            delivered += 1;
        }
        due.clear();
        subscriber.due = due;
    }
    stats
        .frames_delivered
        .fetch_add(delivered, Ordering::Relaxed);
    subscribers.remove_gone(&run.touched);
    run.events.clear();
    run.frames.clear();
    run.rows.clear();
    run.touched.clear();
}

fn apply(command: BusCommand, subscribers: &mut Subscribers, stats: &Stats) {
    let answer = |subscribers: &mut Subscribers, id: ClientId, frame: Message| {
        if let Some(subscriber) = subscribers.get_mut(id) {
            if offer(subscriber, frame, stats) {
                Stats::bump(&stats.replies_sent);
            } else {
                subscribers.detach(id);
            }
        }
    };
    match command {
        BusCommand::Publish(_) | BusCommand::PublishRaw(_) => {}
        BusCommand::Attach { id, queue, kick } => subscribers.attach(id, queue, kick),
        BusCommand::SetFilter { id, filters, reply } => {
            if subscribers.set_filters(id, filters) {
                answer(subscribers, id, reply);
            }
        }
        BusCommand::Reply { id, frame } => answer(subscribers, id, frame),
        BusCommand::Detach { id } => subscribers.detach(id),
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
        frame.to_str().expect("a text frame")
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
