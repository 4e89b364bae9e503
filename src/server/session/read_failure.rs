//! What a failed read means to the session: a message over the size limit, a
//! breach of the websocket protocol (answered with its RFC 6455 close code), or
//! something that is not the client's doing.

use std::fmt::Display;

use crate::server::fanout::message::{CLOSE_INVALID_DATA, CLOSE_PROTOCOL_ERROR};

/// A read error, as far as the session needs to tell them apart.
pub trait ReadFailure: Display {
    /// Whether the client sent a message over the size limit.
    fn is_too_big(&self) -> bool;

    /// The close code for a client that broke the websocket protocol (RFC 6455
    /// §7.4.1): 1002 for a framing error, 1007 for a text message that is not
    /// UTF-8. `None` when the error is not the client's doing.
    fn violation(&self) -> Option<u16>;
}

impl ReadFailure for tokio_tungstenite::tungstenite::Error {
    fn is_too_big(&self) -> bool {
        matches!(self, tokio_tungstenite::tungstenite::Error::Capacity(_))
    }

    fn violation(&self) -> Option<u16> {
        use tokio_tungstenite::tungstenite::Error;
        use tokio_tungstenite::tungstenite::error::ProtocolError;
        match self {
            // The peer just went away: there is no one to tell.
            Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
            Error::Protocol(_) => Some(CLOSE_PROTOCOL_ERROR),
            Error::Utf8(_) => Some(CLOSE_INVALID_DATA),
            _ => None,
        }
    }
}

/// For sessions over channels in tests: text errors are never the client's.
impl ReadFailure for String {
    fn is_too_big(&self) -> bool {
        false
    }

    fn violation(&self) -> Option<u16> {
        None
    }
}
