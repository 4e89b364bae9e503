//! One websocket session: a single task running one `select!` loop over its
//! outgoing queue, the client's messages, a kick from the dispatcher and shutdown.
//!
//! The session is generic over a [`Sink`] and a [`Stream`] of [`Message`]s, so
//! it runs the same over a real websocket and over in-memory channels in tests.
//! It never writes event frames itself from anywhere but its queue, and it sends
//! every reply through the bus, so replies stay in order with the events.

use std::fmt::Display;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use warp::ws::Message;

use crate::protocol::message::lint;
use crate::protocol::{
    ClientMessage, MessageError, ParseOptions, ServerReply, parse_client_message,
};

use super::bus::{BusCommand, ClientId, Kick};
use super::simulation::EmittedKinds;
use super::stats::Stats;

/// Frames a writer takes from its queue per wake-up before one flush.
const WRITE_BATCH: usize = 256;

/// Close code 1001: the server is going away (RFC 6455 §7.4.1).
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// Close code 1008: policy violation, used for slow consumers.
pub const CLOSE_POLICY: u16 = 1008;

/// What a session needs from the server; one per connection.
#[derive(Debug, Clone)]
pub struct SessionContext {
    /// This session's id on the bus.
    pub id: ClientId,
    /// The client's address, for logs.
    pub peer: Option<SocketAddr>,
    /// The bus to attach to and to send filter changes and replies through.
    pub bus: mpsc::Sender<BusCommand>,
    /// The server's counters.
    pub stats: Arc<Stats>,
    /// How client messages are parsed (`--lenient-filters`).
    pub parse: ParseOptions,
    /// The kinds the run in play emits, for filter warnings.
    pub emitted: EmittedKinds,
    /// Capacity of this session's outgoing queue.
    pub client_queue: usize,
    /// Upper bound on a close handshake.
    pub close_timeout: Duration,
    /// Fires when the server shuts down.
    pub shutdown: CancellationToken,
}

/// Why the loop ended; decides what goes on the wire last.
#[derive(Debug)]
enum Ending {
    /// The client sent a close frame; tungstenite has queued the answer.
    ClientClosed,
    /// The connection ended or failed; nothing more can be said.
    Lost(String),
    /// The server is shutting down.
    ServerShutdown,
    /// The dispatcher dropped this client.
    Kicked(Kick),
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::ClientClosed => write!(f, "client closed the connection"),
            Ending::Lost(why) => write!(f, "{why}"),
            Ending::ServerShutdown => write!(f, "server shutting down (1001)"),
            Ending::Kicked(Kick::SlowConsumer { pending }) => {
                write!(f, "slow consumer, {pending} frames pending (1008)")
            }
        }
    }
}

/// Runs one session to its end. Never panics on client input; every ending is
/// logged.
pub async fn run_session<Si, St, E>(sink: Si, stream: St, ctx: SessionContext)
where
    Si: Sink<Message>,
    Si::Error: Display,
    St: Stream<Item = Result<Message, E>>,
    E: Display,
{
    let mut sink = pin!(sink);
    let mut stream = pin!(stream);
    let _gauge = ConnectionGauge::open(&ctx.stats);
    tracing::info!(client = ctx.id.0, peer = %peer_label(ctx.peer), "client connected");

    let (queue_tx, mut queue) = mpsc::channel(ctx.client_queue);
    let (kick_tx, mut kick) = oneshot::channel();
    let attach = BusCommand::Attach {
        id: ctx.id,
        queue: queue_tx,
        kick: kick_tx,
    };
    let ending = if ctx.bus.send(attach).await.is_err() {
        Ending::ServerShutdown
    } else {
        let mut batch = Vec::with_capacity(WRITE_BATCH);
        loop {
            tokio::select! {
                biased;
                () = ctx.shutdown.cancelled() => break Ending::ServerShutdown,
                kicked = &mut kick => break kicked.map_or(Ending::ServerShutdown, Ending::Kicked),
                taken = queue.recv_many(&mut batch, WRITE_BATCH) => {
                    if taken == 0 {
                        break Ending::ServerShutdown;
                    }
                    // A client that stopped reading blocks this write; a kick or
                    // shutdown must still get through, so race them.
                    tokio::select! {
                        biased;
                        () = ctx.shutdown.cancelled() => break Ending::ServerShutdown,
                        kicked = &mut kick => break kicked.map_or(Ending::ServerShutdown, Ending::Kicked),
                        written = write_batch(&mut sink, &mut batch) => {
                            if let Err(err) = written {
                                break Ending::Lost(format!("write failed: {err}"));
                            }
                        }
                    }
                }
                message = stream.next() => match message {
                    None => break Ending::Lost("connection closed without a close frame".into()),
                    Some(Err(err)) => break Ending::Lost(format!("read failed: {err}")),
                    Some(Ok(message)) => {
                        if let Some(ending) = handle_message(message, &ctx).await {
                            break ending;
                        }
                    }
                },
            }
        }
    };
    // Leave the fan-out before the close handshake so no more frames are queued.
    let _ = ctx.bus.send(BusCommand::Detach { id: ctx.id }).await;
    drop(queue);

    match &ending {
        Ending::ClientClosed => {
            // Pushes out the close answer tungstenite queued when it read the client's.
            let _ = tokio::time::timeout(ctx.close_timeout, sink.flush()).await;
        }
        Ending::Lost(_) => {}
        Ending::ServerShutdown => {
            close(
                &mut sink,
                &mut stream,
                CLOSE_GOING_AWAY,
                "server shutting down".into(),
                &ctx,
            )
            .await;
        }
        Ending::Kicked(Kick::SlowConsumer { pending }) => {
            let reason = format!("slow consumer: {pending} events pending");
            close(&mut sink, &mut stream, CLOSE_POLICY, reason, &ctx).await;
        }
    }
    tracing::info!(client = ctx.id.0, peer = %peer_label(ctx.peer), ending = %ending, "client disconnected");
}

/// Feeds every queued frame, then flushes once: one write for the whole batch.
async fn write_batch<Si>(
    sink: &mut std::pin::Pin<&mut Si>,
    batch: &mut Vec<Message>,
) -> Result<(), Si::Error>
where
    Si: Sink<Message>,
{
    for frame in batch.drain(..) {
        sink.feed(frame).await?;
    }
    sink.flush().await
}

/// Answers one client message. `Some` ends the session.
async fn handle_message(message: Message, ctx: &SessionContext) -> Option<Ending> {
    if message.is_close() {
        return Some(Ending::ClientClosed);
    }
    let parsed = match message.to_str() {
        Ok(text) => parse_client_message(text, ctx.parse),
        Err(()) if message.is_binary() => Err(MessageError::BinaryFrame),
        // Ping and pong: tungstenite answers pings itself.
        Err(()) => return None,
    };
    let command = match parsed {
        Ok(ClientMessage::Filter(filters)) => {
            let warnings = lint(&filters, &ctx.emitted.current());
            tracing::debug!(
                client = ctx.id.0,
                rules = filters.rules().len(),
                "filter accepted"
            );
            BusCommand::SetFilter {
                id: ctx.id,
                filters,
                reply: Message::text(ServerReply::FilterAccepted { warnings }.to_json()),
            }
        }
        Err(err) => {
            Stats::bump(&ctx.stats.bad_client_messages);
            tracing::debug!(client = ctx.id.0, error = %err, "client message refused");
            BusCommand::Reply {
                id: ctx.id,
                frame: Message::text(ServerReply::from(&err).to_json()),
            }
        }
    };
    if ctx.bus.send(command).await.is_err() {
        return Some(Ending::ServerShutdown);
    }
    None
}

/// Sends a close frame and waits for the client's answer, within `close_timeout`.
async fn close<Si, St, E>(
    sink: &mut std::pin::Pin<&mut Si>,
    stream: &mut std::pin::Pin<&mut St>,
    code: u16,
    reason: String,
    ctx: &SessionContext,
) where
    Si: Sink<Message>,
    St: Stream<Item = Result<Message, E>>,
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

/// A client address for logs; "unknown" when the transport has none.
pub(crate) fn peer_label(peer: Option<SocketAddr>) -> String {
    peer.map_or_else(|| "unknown".to_string(), |p| p.to_string())
}

/// Counts a session as open for as long as it lives, even if it unwinds.
struct ConnectionGauge<'a>(&'a Stats);

impl<'a> ConnectionGauge<'a> {
    fn open(stats: &'a Stats) -> Self {
        Stats::bump(&stats.connections_total);
        Stats::bump(&stats.connections_current);
        ConnectionGauge(stats)
    }
}

impl Drop for ConnectionGauge<'_> {
    fn drop(&mut self) {
        self.0
            .connections_current
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}
