//! What travels between the parts of the fan-out: the commands on the bus, the
//! items of a client's queue, and the close codes a session ends with. These
//! types tie the dispatcher, the sessions and the publishers together, so they
//! live here, apart from all three, and import nothing else from the server.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;
pub use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::protocol::{Event, FilterSet, RawEvent};
use crate::scenario::{FaultRequest, PlacedFault};
use crate::server::config::SlowConsumer;

use super::queue::QueueSender;

use super::roster::Roster;

/// Close code 1001: the server is going away (RFC 6455 §7.4.1); also sent on
/// an idle timeout and a simulated restart.
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// Close code 1002: the client broke the websocket protocol (RFC 6455 §7.4.1).
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;

/// Close code 1007: a text message that is not UTF-8 (RFC 6455 §7.4.1).
pub const CLOSE_INVALID_DATA: u16 = 1007;

/// Close code 1008: policy violation, used for slow consumers and for messages
/// that take too long to arrive.
pub const CLOSE_POLICY: u16 = 1008;

/// Close code 1009: a message too big to process (RFC 6455 §7.4.1).
pub const CLOSE_TOO_BIG: u16 = 1009;

/// A close frame with `code` and `reason`.
pub fn close_message(code: u16, reason: impl Into<String>) -> Message {
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into().into(),
    }))
}

/// The text of a text message; `None` for every other kind (binary included,
/// even when it happens to be UTF-8).
pub fn text_of(message: &Message) -> Option<&str> {
    match message {
        Message::Text(text) => Some(text.as_str()),
        _ => None,
    }
}

/// Identifies one websocket session on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub u64);

/// Why the dispatcher dropped a client at once, whatever it had queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// The client's queue was full: it holds `pending` frames it has not taken.
    SlowConsumer {
        /// Frames waiting when the client was dropped (the queue capacity).
        pending: usize,
    },
    /// A `drop` fault: end the connection without a close frame.
    Dropped,
}

/// One item of a client's queue, written in order by its session.
#[derive(Debug, Clone, PartialEq)]
pub enum Outbound {
    /// A frame to send: an event, a reply, or a malformed frame asked for.
    Frame(Message),
    /// A `delay` fault: send nothing more for this long.
    Hold(Duration),
    /// A `close` or `restart` fault: send what came before, then close.
    Close {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
}

/// What travels on the bus, in order.
#[derive(Debug)]
pub enum BusCommand {
    /// Events to fan out, in order.
    Publish(Vec<Event>),
    /// Events of one scripted batch with the faults its steps asked for, each
    /// carried out at its place among the events.
    PublishScripted(Vec<Event>, Vec<PlacedFault>),
    /// Events given as JSON text, sent as given to every client whose filters
    /// admit them: one injected with `POST /sim/inject`, or the frames of a
    /// replayed capture (`serve --replay`), in order.
    PublishRaw(Vec<RawEvent>),
    /// A new client, admitting everything until it sends a filter.
    Attach {
        /// The session's id.
        id: ClientId,
        /// Where it connected from, for `GET /sim/status`.
        peer: Option<SocketAddr>,
        /// Where its frames go.
        queue: QueueSender<Outbound>,
        /// What the dispatcher does when that queue is full.
        policy: SlowConsumer,
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
    /// Carry out a fault (`POST /sim/fault`); `done` learns whom it hit.
    Fault {
        /// The fault and its target.
        request: FaultRequest,
        /// Gets the ids of the clients hit.
        done: oneshot::Sender<Vec<ClientId>>,
    },
    /// List the attached clients (`GET /sim/status`).
    Clients {
        /// Gets the list, by id.
        reply: oneshot::Sender<Vec<ClientSummary>>,
    },
    /// Every attached client and the last ones that ended (the dashboard).
    Roster {
        /// Gets the roster.
        reply: oneshot::Sender<Roster>,
    },
    /// The client has gone.
    Detach {
        /// The client.
        id: ClientId,
        /// How its session ended, as logged.
        ending: String,
    },
}

/// One attached client, as `GET /sim/status` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSummary {
    /// The id faults target with `"client": id`.
    pub id: u64,
    /// Where it connected from.
    pub peer: Option<String>,
    /// Entries of its filter set (0: it receives everything).
    pub filters: usize,
    /// Events queued to it so far.
    pub delivered: u64,
    /// Events due to it that could not be queued (it was slow or leaving).
    pub dropped: u64,
    /// Events queued to it and then evicted for newer ones (`--slow-consumer
    /// drop-oldest`); it was told of each in a `simNotice`.
    pub dropped_oldest: u64,
    /// Events still to be sent twice (`duplicate` faults).
    pub duplicates_pending: u64,
}
