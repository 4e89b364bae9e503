//! The dashboard's websocket (`/sim/ui/stream`): a status-delta stream, so the
//! page never polls. Ours, not iSymphony's.
//!
//! Every [`SAMPLE_INTERVAL`] the server samples the run, its counters, the PBX
//! panel and the client roster, and sends one `uiState` message with only what
//! changed since the last one (the first is `"full": true`). Events come from the
//! encoder's tap as they go out; each is judged by the page's filter with the
//! server's one filter implementation and sent, batched, as one `uiEvents`
//! message per sample. At most [`MAX_EVENTS_PER_SAMPLE`] are sent per sample
//! (the latest ones); the rest are counted as not shown, so the page says it is
//! sampling. The page's messages are filter messages, judged and answered
//! exactly as an Event API session answers them (`filterResponse`).
//!
//! | message (server to page) | carries |
//! |---|---|
//! | `{"type":"uiState","full":bool,...}` | `run`, `server` (whole, when changed); `users`, `extensions`, `queues`, `rooms`, `calls`, `clients`, `requests` (the REST journal's latest) as `{"upsert":[rows],"remove":[keys]}`; `departed`, `journal` (its totals) whole |
//! | `{"type":"uiEvents",...}` | `events` `[{"seq","text"}]`, `matched`, `notShown`, `seen` (since the last filter), `sampleMs`, `maxPerSample` |
//! | `{"type":"filterResponse",...}` | the reply to a filter message, as a session sends it |

use std::collections::VecDeque;
use std::fmt::Display;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::tungstenite::Message;

use crate::protocol::{FilterSet, RawEvent};
use crate::server::fanout::CLOSE_GOING_AWAY;
use crate::server::fanout::message::{close_message, text_of};
use crate::server::fanout::roster::Roster;
use crate::server::http::journal::JournalPage;
use crate::server::session::judge::{Judged, judge};
use crate::server::session::peer_label;
use crate::server::state::ServerState;

use super::super::control::Dispatcher;
use super::delta::{Section, Whole, keyed};
use super::panel::Panel;

/// How often the server samples what the dashboard shows (ours).
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(200);

/// Most events sent per sample: 250 a second, whatever the rate (ours).
pub const MAX_EVENTS_PER_SAMPLE: usize = 50;

/// REST requests of the journal the page shows: the latest.
pub const JOURNAL_SHOWN: usize = 20;

/// Longest a write to the page may take; a page that stopped reading is closed.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// What the stream needs from the server.
pub(crate) struct StreamContext {
    pub(crate) state: Arc<ServerState>,
    pub(crate) dispatcher: Dispatcher,
    pub(crate) peer: Option<SocketAddr>,
}

/// The events waiting for the next sample, judged by the page's filter.
#[derive(Default)]
struct Events {
    filter: FilterSet,
    /// The latest matching events, at most [`MAX_EVENTS_PER_SAMPLE`].
    batch: VecDeque<(u64, String)>,
    /// Events seen since the filter was set.
    seen: u64,
    /// Of those, the ones the filter admits.
    matched: u64,
    /// Matching events not sent: pushed out of a full batch, or lost to lag.
    not_shown: u64,
    /// Whether the counters changed since the last message.
    dirty: bool,
}

impl Events {
    fn take(&mut self, frame: &Message) {
        let Some(text) = text_of(frame) else { return };
        self.seen += 1;
        self.dirty = true;
        let admitted = self.filter.is_unrestricted()
            || RawEvent::from_json(text)
                .is_ok_and(|event| self.filter.admits_with(|name| event.property(name)));
        if !admitted {
            return;
        }
        self.matched += 1;
        if self.batch.len() == MAX_EVENTS_PER_SAMPLE {
            self.batch.pop_front();
            self.not_shown += 1;
        }
        self.batch.push_back((self.seen, text.to_string()));
    }

    fn lagged(&mut self, missed: u64) {
        // Unjudged, so they count as seen and not shown; never as matched.
        self.seen += missed;
        self.not_shown += missed;
        self.dirty = true;
    }

    fn message(&mut self) -> Option<String> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        let events: Vec<Value> = self
            .batch
            .drain(..)
            .map(|(seq, text)| json!({"seq": seq, "text": text}))
            .collect();
        Some(
            json!({
                "type": "uiEvents",
                "events": events,
                "seen": self.seen,
                "matched": self.matched,
                "notShown": self.not_shown,
                "sampleMs": SAMPLE_INTERVAL.as_millis() as u64,
                "maxPerSample": MAX_EVENTS_PER_SAMPLE,
            })
            .to_string(),
        )
    }

    fn refilter(&mut self, filter: FilterSet) {
        *self = Events {
            filter,
            dirty: true,
            ..Events::default()
        };
    }
}

/// What the page was last told.
#[derive(Default)]
struct Told {
    first: bool,
    run: Whole,
    server: Whole,
    departed: Whole,
    users: Section,
    extensions: Section,
    queues: Section,
    rooms: Section,
    calls: Section,
    clients: Section,
    requests: Section,
    journal: Whole,
}

impl Told {
    /// The `uiState` message for what changed, if anything did.
    fn message(
        &mut self,
        run: Value,
        server: Value,
        panel: &Panel,
        roster: &Roster,
        journal: &JournalPage,
    ) -> Option<String> {
        let full = !self.first;
        self.first = true;
        let mut out = Map::new();
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                out.insert(name.to_string(), value);
            }
        };
        let change = |c: Option<super::delta::Change>| c.and_then(|c| serde_json::to_value(c).ok());
        put("run", self.run.diff(run));
        put("server", self.server.diff(server));
        put(
            "users",
            change(self.users.diff(keyed(&panel.users, "username"))),
        );
        put(
            "extensions",
            change(self.extensions.diff(keyed(&panel.extensions, "number"))),
        );
        put(
            "queues",
            change(self.queues.diff(keyed(&panel.queues, "identifier"))),
        );
        put(
            "rooms",
            change(self.rooms.diff(keyed(&panel.rooms, "identifier"))),
        );
        put("calls", change(self.calls.diff(keyed(&panel.calls, "id"))));
        put(
            "clients",
            change(self.clients.diff(keyed(&roster.clients, "id"))),
        );
        put(
            "requests",
            change(self.requests.diff(keyed(&journal.requests, "seq"))),
        );
        put(
            "journal",
            self.journal
                .diff(json!({"total": journal.total, "dropped": journal.dropped})),
        );
        put(
            "departed",
            self.departed
                .diff(serde_json::to_value(&roster.departed).unwrap_or_default()),
        );
        if out.is_empty() && !full {
            return None;
        }
        out.insert("type".into(), json!("uiState"));
        out.insert("full".into(), json!(full));
        Some(Value::Object(out).to_string())
    }
}

/// Runs one dashboard stream until the page leaves or the server shuts down.
pub(crate) async fn run_stream<Si, St, E>(sink: Si, stream: St, ctx: StreamContext)
where
    Si: Sink<Message>,
    Si::Error: Display,
    St: Stream<Item = Result<Message, E>>,
    E: Display,
{
    let mut sink = pin!(sink);
    let mut stream = pin!(stream);
    let state = &ctx.state;
    let mut tap = state.tap.subscribe();
    let mut ticks = tokio::time::interval(SAMPLE_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut events = Events {
        dirty: true,
        ..Events::default()
    };
    let mut told = Told::default();
    tracing::info!(peer = %peer_label(ctx.peer), "dashboard connected");
    let ending = loop {
        tokio::select! {
            () = state.shutdown.cancelled() => {
                let close = close_message(CLOSE_GOING_AWAY, "server shutting down");
                let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(close)).await;
                break "server shutting down".to_string();
            }
            _ = ticks.tick() => {
                let messages = [sample(&ctx, &mut told).await, events.message()];
                if let Err(why) = send_all(&mut sink, messages.into_iter().flatten()).await {
                    break why;
                }
            }
            tapped = tap.recv() => match tapped {
                Ok(frame) => events.take(&frame),
                Err(RecvError::Lagged(missed)) => events.lagged(missed),
                Err(RecvError::Closed) => break "server shutting down".to_string(),
            },
            message = stream.next() => match message {
                None => break "the page went away".to_string(),
                Some(Err(err)) => break format!("read failed: {err}"),
                Some(Ok(message)) if message.is_close() => break "the page closed the stream".to_string(),
                Some(Ok(message)) if message.is_text() || message.is_binary() => {
                    let answer = answer(&ctx, &mut events, &message);
                    if let Err(why) = send_all(&mut sink, answer).await {
                        break why;
                    }
                }
                Some(Ok(_)) => {}
            },
        }
    };
    tracing::info!(peer = %peer_label(ctx.peer), %ending, "dashboard disconnected");
}

/// Judges a filter message from the page as a session would; returns what to
/// send: the events judged by the old filter, then the reply.
fn answer(ctx: &StreamContext, events: &mut Events, message: &Message) -> Vec<String> {
    let state = &ctx.state;
    let text = text_of(message);
    let judged = judge(
        text,
        state.parse,
        state.limits.max_filters,
        state.simulation.emitted().current().as_deref(),
    );
    let mut out: Vec<String> = events.message().into_iter().collect();
    match judged {
        Judged::Accepted { filters, reply } => {
            events.refilter(filters);
            out.push(reply.to_json());
            out.extend(events.message());
        }
        Judged::Refused { reply, .. } => out.push(reply.to_json()),
    }
    out
}

/// Samples what the page shows; the `uiState` message for what changed.
async fn sample(ctx: &StreamContext, told: &mut Told) -> Option<String> {
    let state = &ctx.state;
    let roster = match ctx.dispatcher {
        Dispatcher::Running => state.publisher().roster().await.unwrap_or_default(),
        Dispatcher::Absent => Roster::default(),
    };
    let panel = state.simulation.with_model(Panel::of).unwrap_or_default();
    let run = serde_json::to_value(state.simulation.status()).unwrap_or_default();
    let server = serde_json::to_value(state.stats.snapshot()).unwrap_or_default();
    let journal = state.requests.recent(JOURNAL_SHOWN);
    told.message(run, server, &panel, &roster, &journal)
}

/// Sends each text in order; the reason the stream ends if one cannot be sent.
async fn send_all<Si>(
    sink: &mut std::pin::Pin<&mut Si>,
    texts: impl IntoIterator<Item = String>,
) -> Result<(), String>
where
    Si: Sink<Message>,
    Si::Error: Display,
{
    for text in texts {
        match tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::text(text))).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => return Err(format!("write failed: {err}")),
            Err(_) => return Err(format!("the page read nothing for {SEND_TIMEOUT:?}")),
        }
    }
    Ok(())
}
