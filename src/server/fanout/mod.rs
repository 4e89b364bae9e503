//! The fan-out bus: publishers put events, faults and questions in, in order; one
//! dispatcher task encodes each event once and hands the shared frame to every
//! client whose filters admit it.
//!
//! `message` holds what travels on the bus and in each client's queue;
//! `dispatch` runs the dispatcher over the `subscribers` table and its filter
//! index; `faults` carries out injected faults at their place in the stream;
//! `encoder` turns events into frames; `publisher` is the handle everything else
//! holds.

pub(crate) mod dispatch;
pub(crate) mod encoder;
pub(crate) mod faults;
pub(crate) mod message;
pub(crate) mod publisher;
pub mod queue;
pub mod roster;
mod subscribers;

pub use faults::{MALFORMED_FRAME, RESTART_REASON};
pub use message::{
    BusCommand, CLOSE_GOING_AWAY, CLOSE_INVALID_DATA, CLOSE_POLICY, CLOSE_PROTOCOL_ERROR,
    CLOSE_TOO_BIG, ClientId, ClientSummary, Kick, Outbound,
};
