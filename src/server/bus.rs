//! The fan-out bus: publishers put event batches in, one dispatcher task encodes
//! each event once and hands the shared frame to every client whose filters admit it.
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

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use warp::ws::Message;

use crate::protocol::{Event, FilterSet};

use super::stats::Stats;

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

/// Puts events on the bus. Cheap to clone; the feed driver and (later) the REST API
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
}

/// One client as the dispatcher sees it.
struct Subscriber {
    id: ClientId,
    filters: FilterSet,
    queue: mpsc::Sender<Message>,
    kick: Option<oneshot::Sender<Kick>>,
    /// Set when the client must leave the fan-out after this round.
    gone: bool,
}

impl Subscriber {
    /// Queues one frame; a full queue marks the client slow, a closed one gone.
    fn offer(&mut self, frame: Message, stats: &Stats) -> bool {
        match self.queue.try_send(frame) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                let pending = self.queue.max_capacity();
                tracing::warn!(
                    client = self.id.0,
                    pending,
                    "slow consumer: disconnecting with 1008"
                );
                Stats::bump(&stats.slow_consumer_disconnects);
                if let Some(kick) = self.kick.take() {
                    // The session may already be gone; then there is no one to tell.
                    let _ = kick.send(Kick::SlowConsumer { pending });
                }
                self.gone = true;
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.gone = true;
                false
            }
        }
    }
}

/// Serializes one event into the frame every recipient shares. The only place
/// events are encoded, so `events_encoded` counts every serialization.
fn encode(event: &Event, stats: &Stats) -> Message {
    Stats::bump(&stats.events_encoded);
    // `Message::text(String)` takes the String's buffer without copying, and cloning
    // the message clones a `bytes::Bytes`: a reference-count bump per recipient.
    Message::text(event.to_json())
}

/// The dispatcher task: runs until `shutdown` fires or every publisher is gone.
pub(crate) async fn dispatch(
    mut bus: mpsc::Receiver<BusCommand>,
    stats: Arc<Stats>,
    shutdown: CancellationToken,
) {
    let mut subscribers: Vec<Subscriber> = Vec::new();
    let mut commands = Vec::with_capacity(DRAIN_LIMIT);
    let mut pending: Vec<(Event, Message)> = Vec::new();
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => break,
            n = bus.recv_many(&mut commands, DRAIN_LIMIT) => n,
        };
        if received == 0 {
            break;
        }
        for command in commands.drain(..) {
            if let BusCommand::Publish(events) = command {
                pending.extend(events.into_iter().map(|e| {
                    let frame = encode(&e, &stats);
                    (e, frame)
                }));
                continue;
            }
            // A control command ends a run of events: deliver them first so the
            // command takes effect exactly between them and what follows.
            fan_out(&mut subscribers, &pending, &stats);
            pending.clear();
            apply(command, &mut subscribers, &stats);
        }
        fan_out(&mut subscribers, &pending, &stats);
        pending.clear();
    }
    tracing::debug!("dispatcher stopped");
}

/// Delivers a run of encoded events client-major, so each woken writer finds a
/// whole batch rather than one frame.
fn fan_out(subscribers: &mut Vec<Subscriber>, events: &[(Event, Message)], stats: &Stats) {
    if events.is_empty() {
        return;
    }
    let mut delivered = 0u64;
    for subscriber in subscribers.iter_mut() {
        for (event, frame) in events {
            if subscriber.filters.admits(event) {
                if !subscriber.offer(frame.clone(), stats) {
                    break;
                }
                delivered += 1;
            }
        }
    }
    stats
        .frames_delivered
        .fetch_add(delivered, Ordering::Relaxed);
    subscribers.retain(|s| !s.gone);
}

fn apply(command: BusCommand, subscribers: &mut Vec<Subscriber>, stats: &Stats) {
    let find = |subscribers: &mut Vec<Subscriber>, id: ClientId| {
        subscribers.iter_mut().position(|s| s.id == id)
    };
    match command {
        BusCommand::Publish(_) => {}
        BusCommand::Attach { id, queue, kick } => subscribers.push(Subscriber {
            id,
            filters: FilterSet::allow_all(),
            queue,
            kick: Some(kick),
            gone: false,
        }),
        BusCommand::SetFilter { id, filters, reply } => {
            if let Some(i) = find(subscribers, id) {
                subscribers[i].filters = filters;
                if subscribers[i].offer(reply, stats) {
                    Stats::bump(&stats.replies_sent);
                }
            }
        }
        BusCommand::Reply { id, frame } => {
            if let Some(i) = find(subscribers, id)
                && subscribers[i].offer(frame, stats)
            {
                Stats::bump(&stats.replies_sent);
            }
        }
        BusCommand::Detach { id } => subscribers.retain(|s| s.id != id),
    }
    subscribers.retain(|s| !s.gone);
}
