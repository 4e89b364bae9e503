//! One websocket session: a single task running one `select!` loop over its
//! outgoing queue, the client's messages, a kick from the dispatcher, its ping and
//! idle timers, and shutdown.
//!
//! The session is generic over a [`Sink`] and a [`Stream`] of [`Message`]s, so
//! it runs the same over a real websocket and over in-memory channels in tests.
//! It writes nothing but its queue's items and its own pings and close frames, and
//! it sends every reply through the bus, so replies stay in order with the events.
//! A write blocked by a client that stopped reading never stops the loop: client
//! messages, kicks, timers and shutdown are still seen.

use std::fmt::Display;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::protocol::ParseOptions;
use crate::scenario::duration::format_duration;

use crate::server::config::{Limits, SlowConsumer};
use crate::server::fanout::message::{
    BusCommand, CLOSE_GOING_AWAY, CLOSE_POLICY, CLOSE_PROTOCOL_ERROR, CLOSE_TOO_BIG, ClientId,
    Kick, Message, Outbound,
};
use crate::server::fanout::queue::client_queue;
use crate::server::stats::Stats;

mod close;
pub(crate) mod judge;
mod notice;
mod read_failure;
mod writer;

use close::{close, close_unanswered};
use judge::{Judged, judge};
use writer::Writer;

pub use read_failure::ReadFailure;

pub use crate::server::simulation::emitted::EmittedKinds;
pub use crate::server::transport::capacity::ConnectionPermit;
pub use crate::server::transport::frame_watch::MessageClock;
pub use writer::PING_PAYLOAD;

/// Far enough to mean never, near enough not to overflow an `Instant`; the
/// idle branch is disabled without an idle timeout anyway.
const NEVER: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// Items a writer takes from its queue per wake-up before one flush.
const WRITE_BATCH: usize = 256;

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
    /// What the dispatcher does when that queue is full.
    pub slow_consumer: SlowConsumer,
    /// Upper bound on a close handshake.
    pub close_timeout: Duration,
    /// Message size, filters, ping and idle limits.
    pub limits: Limits,
    /// This connection's slot under `--max-connections`, given back before the
    /// socket closes, so a client that saw the close can connect again at once.
    pub permit: Option<Arc<ConnectionPermit>>,
    /// Since when the client's current message is incomplete, when the
    /// transport can tell (`None` over channels in tests).
    pub message_clock: Option<Arc<MessageClock>>,
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
    /// The client sent a message over the size limit.
    TooBig,
    /// The client broke the websocket protocol; close with this code.
    Violation { code: u16, reason: String },
    /// The client's message was still incomplete after the message timeout.
    SlowMessage(Duration),
    /// Nothing arrived from the client for the idle timeout.
    Idle(Duration),
    /// A `close` or `restart` fault reached the front of the queue.
    Closed { code: u16, reason: String },
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
            Ending::Kicked(Kick::Dropped) => write!(f, "dropped by a fault, no close frame"),
            Ending::TooBig => write!(f, "message over the size limit (1009)"),
            Ending::Violation { code, reason } => write!(f, "{reason} ({code})"),
            Ending::SlowMessage(after) => write!(f, "message incomplete after {after:?} (1008)"),
            Ending::Idle(after) => write!(f, "idle for {after:?} (1001)"),
            Ending::Closed { code, reason } => write!(f, "closed by a fault ({code} {reason:?})"),
        }
    }
}

/// Runs one session to its end. Never panics on client input; every ending is
/// logged. `true` when the client's input may still be unread (the session
/// ended on a message it could not take), so the caller should drain it before
/// dropping the socket, lest the close frame be lost to a reset.
pub async fn run_session<Si, St, E>(sink: Si, stream: St, mut ctx: SessionContext) -> bool
where
    Si: Sink<Message>,
    Si::Error: Display,
    St: Stream<Item = Result<Message, E>>,
    E: ReadFailure,
{
    let mut sink = pin!(sink);
    let mut stream = pin!(stream);
    let _gauge = ConnectionGauge::open(&ctx.stats);
    tracing::info!(client = ctx.id.0, peer = %peer_label(ctx.peer), "client connected");

    let (queue_tx, mut queue) = client_queue(ctx.client_queue);
    let (kick_tx, mut kick) = oneshot::channel();
    let attach = BusCommand::Attach {
        id: ctx.id,
        peer: ctx.peer,
        queue: queue_tx,
        policy: ctx.slow_consumer,
        kick: kick_tx,
    };
    let mut writer = Writer::new(Arc::clone(&ctx.stats));
    let ending = if ctx.bus.send(attach).await.is_err() {
        Ending::ServerShutdown
    } else {
        let mut pings = ctx.limits.ping_interval.map(|every| {
            let mut pings = tokio::time::interval_at(Instant::now() + every, every);
            pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            pings
        });
        let mut last_heard = Instant::now();
        // One timer and one shutdown wait for the session's life, not a new one
        // per turn of the loop: the loop turns once per batch, and registering a
        // timer each turn was a measured share of a delivery (BENCHMARKS.md,
        // "Where ours costs more than plain"). The idle timer is moved on only
        // when it fires early, so hearing from the client costs nothing but
        // noting the time.
        let idle_after = ctx.limits.idle_timeout;
        let mut idle = pin!(tokio::time::sleep_until(
            last_heard + idle_after.unwrap_or(NEVER)
        ));
        let mut shutdown = pin!(ctx.shutdown.clone().cancelled_owned());
        // The dispatcher drops the kick sender unused when it detaches this client
        // after a close fault: that is no reason to end before the close is sent.
        let mut kick_open = true;
        loop {
            let held_until = writer.held_until();
            let message_due = ctx
                .message_clock
                .as_ref()
                .and_then(|clock| clock.started())
                .map(|at| at + ctx.limits.message_timeout);
            // Not biased: a client flooding messages must not starve its own
            // replies, and a busy queue must not starve the client's messages.
            tokio::select! {
                () = &mut shutdown => break Ending::ServerShutdown,
                kicked = &mut kick, if kick_open => match kicked {
                    Ok(why) => break Ending::Kicked(why),
                    Err(_) => kick_open = false,
                },
                () = &mut idle, if idle_after.is_some() => {
                    let after = idle_after.unwrap_or(NEVER);
                    if last_heard + after <= Instant::now() {
                        break Ending::Idle(after);
                    }
                    idle.as_mut().reset(last_heard + after);
                }
                () = sleep_until(held_until), if held_until.is_some() => writer.release(),
                // Re-checked: the message may have completed while this slept.
                () = sleep_until(message_due), if message_due.is_some() => {
                    let due = ctx.message_clock.as_ref().and_then(|c| c.started());
                    if due.is_some_and(|at| at + ctx.limits.message_timeout <= Instant::now()) {
                        break Ending::SlowMessage(ctx.limits.message_timeout);
                    }
                }
                () = message_begun(ctx.message_clock.as_deref()) => {}
                _ = tick(&mut pings), if pings.is_some() => writer.ping_due(),
                written = writer.write(&mut sink), if writer.has_work() => match written {
                    Err(err) => break Ending::Lost(format!("write failed: {err}")),
                    Ok(Some((code, reason))) => break Ending::Closed { code, reason },
                    Ok(None) => {}
                },
                message = stream.next() => match message {
                    None => break Ending::Lost("connection closed without a close frame".into()),
                    Some(Err(err)) if err.is_too_big() => break Ending::TooBig,
                    Some(Err(err)) if err.violation().is_some() => {
                        let code = err.violation().unwrap_or(CLOSE_PROTOCOL_ERROR);
                        // RFC 6455 limits a close reason to 123 bytes.
                        let reason = truncate(&format!("protocol error: {err}"), 123);
                        break Ending::Violation { code, reason };
                    }
                    Some(Err(err)) => break Ending::Lost(format!("read failed: {err}")),
                    Some(Ok(message)) => {
                        last_heard = Instant::now();
                        if let Some(ending) = handle_message(message, &ctx).await {
                            break ending;
                        }
                    }
                },
                // The batch goes straight into the writer's buffer, taken only
                // once the last one is written.
                () = queue.ready(), if writer.is_empty() => {
                    let batch = writer.batch();
                    let (taken, evicted) = queue.take(batch, WRITE_BATCH);
                    if evicted > 0 {
                        // The gap is right here, before what was taken now.
                        batch.insert(0, Outbound::Frame(Message::text(notice::behind(evicted))));
                        Stats::bump(&ctx.stats.notices_sent);
                    }
                    if taken == 0 && evicted == 0 {
                        // The dispatcher let go of this client: it kicked it (the
                        // kick is sent first) or it is shutting down.
                        break kick.try_recv().map_or(Ending::ServerShutdown, Ending::Kicked);
                    }
                    writer.taken();
                }
            }
        }
    };
    // Leave the fan-out before the close handshake so no more frames are queued.
    let detach = BusCommand::Detach {
        id: ctx.id,
        ending: ending.to_string(),
    };
    let _ = ctx.bus.send(detach).await;
    queue.close();
    let mut discarded = writer.discard();
    while let Some(item) = queue.try_recv() {
        discarded += u64::from(matches!(item, Outbound::Frame(_)));
    }
    ctx.stats
        .frames_discarded
        .fetch_add(discarded, Ordering::Relaxed);

    // Boxed: the closing handshake's futures are needed once, at the end, so
    // they are not kept in every session's future while it runs (BENCHMARKS.md §5).
    Box::pin(async {
        match goodbye(&ending, &ctx) {
            Goodbye::Silent => {}
            Goodbye::Flush => {
                // Pushes out the close answer tungstenite queued when it read the client's.
                let _ = tokio::time::timeout(ctx.close_timeout, sink.flush()).await;
            }
            Goodbye::Handshake(code, reason) => {
                let within = (ctx.close_timeout, ctx.id.0);
                close(&mut sink, &mut stream, code, reason, within).await;
            }
            Goodbye::Unanswered(code, reason) => {
                close_unanswered(&mut sink, code, reason, ctx.close_timeout).await;
            }
        }
    })
    .await;
    tracing::info!(
        client = ctx.id.0,
        peer = %peer_label(ctx.peer),
        ending = %ending,
        written = writer.written(),
        discarded,
        "client disconnected"
    );
    drop(ctx.permit.take());
    matches!(
        ending,
        Ending::TooBig | Ending::Violation { .. } | Ending::SlowMessage(_)
    )
}

/// What the client is told as its session ends.
enum Goodbye {
    /// Nothing: the connection is gone, or a fault drops it without a word.
    Silent,
    /// The close answer tungstenite already queued, pushed out.
    Flush,
    /// A close frame, then the client's answer awaited.
    Handshake(u16, String),
    /// A close frame only: the client broke the protocol or its own limits.
    Unanswered(u16, String),
}

/// The close an ending calls for; counts and logs the endings the client caused.
fn goodbye(ending: &Ending, ctx: &SessionContext) -> Goodbye {
    let duration =
        |after: &Duration| format_duration(u64::try_from(after.as_millis()).unwrap_or(u64::MAX));
    match ending {
        Ending::ClientClosed => Goodbye::Flush,
        Ending::Lost(_) | Ending::Kicked(Kick::Dropped) => Goodbye::Silent,
        Ending::ServerShutdown => {
            Goodbye::Handshake(CLOSE_GOING_AWAY, "server shutting down".to_string())
        }
        Ending::Kicked(Kick::SlowConsumer { pending }) => Goodbye::Handshake(
            CLOSE_POLICY,
            format!("slow consumer: {pending} events pending"),
        ),
        Ending::TooBig => {
            Stats::bump(&ctx.stats.oversize_messages);
            tracing::warn!(
                client = ctx.id.0,
                limit = ctx.limits.max_message_bytes,
                "message too big: closing with 1009"
            );
            let reason = format!(
                "message too big: the limit is {} bytes",
                ctx.limits.max_message_bytes
            );
            Goodbye::Unanswered(CLOSE_TOO_BIG, reason)
        }
        Ending::Violation { code, reason } => {
            Stats::bump(&ctx.stats.protocol_errors);
            tracing::info!(client = ctx.id.0, code, %reason, "websocket protocol error: closing");
            Goodbye::Unanswered(*code, reason.clone())
        }
        Ending::SlowMessage(after) => {
            Stats::bump(&ctx.stats.slow_messages);
            let reason = format!(
                "message not complete within {} (--message-timeout)",
                duration(after)
            );
            tracing::info!(client = ctx.id.0, %reason, "closing with 1008");
            Goodbye::Unanswered(CLOSE_POLICY, reason)
        }
        Ending::Idle(after) => {
            Stats::bump(&ctx.stats.idle_timeouts);
            let reason = format!("idle timeout: nothing received for {}", duration(after));
            Goodbye::Handshake(CLOSE_GOING_AWAY, reason)
        }
        Ending::Closed { code, reason } => Goodbye::Handshake(*code, reason.clone()),
    }
}

/// Resolves when the client starts a data message; never without a clock.
async fn message_begun(clock: Option<&MessageClock>) {
    match clock {
        Some(clock) => clock.begun().await,
        None => std::future::pending().await,
    }
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn truncate(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Resolves at `at`; never without one (the branch is disabled then anyway).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The next ping tick; never without pings.
async fn tick(pings: &mut Option<tokio::time::Interval>) {
    match pings {
        Some(pings) => {
            pings.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Answers one client message. `Some` ends the session.
async fn handle_message(message: Message, ctx: &SessionContext) -> Option<Ending> {
    let text = match &message {
        Message::Close(_) => return Some(Ending::ClientClosed),
        Message::Text(text) => Some(text.as_str()),
        Message::Binary(_) => None,
        // Ping and pong: tungstenite answers pings itself; both count as activity.
        // Raw frames are never read, only written.
        Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => return None,
    };
    let command = match judge(
        text,
        ctx.parse,
        ctx.limits.max_filters,
        ctx.emitted.current().as_deref(),
    ) {
        Judged::Accepted { filters, reply } => {
            tracing::debug!(
                client = ctx.id.0,
                rules = filters.rules().len(),
                "filter accepted"
            );
            BusCommand::SetFilter {
                id: ctx.id,
                filters,
                reply: Message::text(reply.to_json()),
            }
        }
        Judged::Refused { reply, over_limit } => {
            Stats::bump(&ctx.stats.bad_client_messages);
            if over_limit {
                Stats::bump(&ctx.stats.filters_over_limit);
            }
            tracing::debug!(client = ctx.id.0, reply = %reply.to_json(), "client message refused");
            BusCommand::Reply {
                id: ctx.id,
                frame: Message::text(reply.to_json()),
            }
        }
    };
    if ctx.bus.send(command).await.is_err() {
        return Some(Ending::ServerShutdown);
    }
    None
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
        self.0.connections_current.fetch_sub(1, Ordering::Relaxed);
    }
}
