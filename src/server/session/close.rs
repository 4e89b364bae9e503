//! How a session sends its last frame: a close handshake bounded by the close
//! timeout, or, when the client's own input is what went wrong, a close frame
//! sent without waiting for an answer.

use std::pin::Pin;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use warp::ws::Message;

use super::SessionContext;
use super::read_failure::ReadFailure;

/// Sends a close frame without waiting for the answer: the client's input is
/// what went wrong, and reading on would buffer the rest of it.
pub(super) async fn close_unanswered<Si>(
    sink: &mut Pin<&mut Si>,
    code: u16,
    reason: String,
    ctx: &SessionContext,
) where
    Si: Sink<Message>,
{
    let _ = tokio::time::timeout(
        ctx.close_timeout,
        sink.send(Message::close_with(code, reason)),
    )
    .await;
}

/// Sends a close frame and waits for the client's answer, within `close_timeout`.
pub(super) async fn close<Si, St, E>(
    sink: &mut Pin<&mut Si>,
    stream: &mut Pin<&mut St>,
    code: u16,
    reason: String,
    ctx: &SessionContext,
) where
    Si: Sink<Message>,
    St: Stream<Item = Result<Message, E>>,
    E: ReadFailure,
{
    let handshake = async {
        if sink.send(Message::close_with(code, reason)).await.is_err() {
            return;
        }
        // The client's close answer (or the end of the stream) completes the handshake.
        while let Some(Ok(message)) = stream.next().await {
            if message.is_close() {
                break;
            }
        }
    };
    if tokio::time::timeout(ctx.close_timeout, handshake)
        .await
        .is_err()
    {
        tracing::debug!(client = ctx.id.0, code, "close handshake timed out");
    }
}
