//! How a session sends its last frame: a close handshake bounded by the close
//! timeout, or, when the client's own input is what went wrong, a close frame
//! sent without waiting for an answer.

use std::pin::Pin;
use std::time::Duration;

use crate::server::fanout::message::{Message, close_message};
use futures_util::{Sink, SinkExt, Stream, StreamExt};

use super::read_failure::ReadFailure;

/// Sends a close frame without waiting for the answer: the client's input is
/// what went wrong, and reading on would buffer the rest of it.
pub(super) async fn close_unanswered<Si>(
    sink: &mut Pin<&mut Si>,
    code: u16,
    reason: String,
    within: Duration,
) where
    Si: Sink<Message>,
{
    let _ = tokio::time::timeout(within, sink.send(close_message(code, reason))).await;
}

/// Sends a close frame and waits for the client's answer, `within` that long;
/// `client` names the session in the log.
pub(super) async fn close<Si, St, E>(
    sink: &mut Pin<&mut Si>,
    stream: &mut Pin<&mut St>,
    code: u16,
    reason: String,
    (within, client): (Duration, u64),
) where
    Si: Sink<Message>,
    St: Stream<Item = Result<Message, E>>,
    E: ReadFailure,
{
    let handshake = async {
        if sink.send(close_message(code, reason)).await.is_err() {
            return;
        }
        // The client's close answer (or the end of the stream) completes the handshake.
        while let Some(Ok(message)) = stream.next().await {
            if message.is_close() {
                break;
            }
        }
    };
    if tokio::time::timeout(within, handshake).await.is_err() {
        tracing::debug!(client, code, "close handshake timed out");
    }
}
