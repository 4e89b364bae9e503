//! The wire protocol, pure and synchronous: the event catalogue and its encoding,
//! client filter messages, replies and filter semantics.

pub mod compiled;
pub mod event;
pub mod filter;
mod int_text;
pub mod message;
pub mod raw;
mod reply;
pub mod unique_json;
pub mod value;

pub use event::{Event, EventBody, EventKind, Profile, Provenance};
pub use filter::{FilterRule, FilterSet};
pub use message::{ClientMessage, MessageError, ParseOptions, parse_client_message};
pub use raw::{RawEvent, RawEventError};
pub use reply::{ParsedReply, ServerReply};
pub use value::PropValue;
