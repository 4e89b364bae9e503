//! Differential mode, for a server we do not control (a real iSymphony or another
//! implementation): per case, a filtered connection sends the case's messages, and
//! one unfiltered connection watches the same traffic over a time window. Each
//! filtered stream is then judged by [`compare`](super::compare): it must be exactly
//! the matching subsequence of the unfiltered stream, within the window's edges.
//!
//! All filtered connections run side by side in one window, so a whole suite costs
//! one window of traffic. A case's rule set is its messages after its last
//! reconnect; the rules judged are those of the last message the specification
//! accepts (a rejected message must leave the previous filters in force).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use crate::protocol::{ParseOptions, ParsedReply, ServerReply, parse_client_message};
use crate::server::Credentials;

use super::compare::{Received, compare};
use super::run::blank_outcome;
use super::suite::{ActionKind, Case, Suite};
use super::verdict::{CaseOutcome, RunReport, Verdict};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a differential run connects and how long it watches.
#[derive(Debug, Clone)]
pub struct DifferentialOptions {
    /// The Event API URL (`ws://host:58080/communication_manager/ws/event`).
    pub url: String,
    /// Sent as HTTP Basic on every upgrade.
    pub credentials: Credentials,
    /// How long both kinds of connection read side by side.
    pub window: Duration,
    /// The window's tail edge (see [`compare`](super::compare)).
    pub edge: Duration,
    /// How long to wait for a filter response before going on without one.
    pub reply_timeout: Duration,
}

/// What one case's filtered connection sends, and the rules then in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The text frames, in order.
    pub messages: Vec<String>,
    /// For each message, whether the specification accepts it.
    pub accepted: Vec<bool>,
    /// The rules of the last accepted message (none: everything is admitted).
    pub rules: Vec<(String, Value)>,
}

/// The probe of `case`: its messages after its last reconnect.
pub fn probe_of(case: &Case) -> Probe {
    let start = case
        .actions
        .iter()
        .rposition(|a| a.kind == ActionKind::Reconnect)
        .map_or(0, |i| i + 1);
    let messages: Vec<String> = case.actions[start..]
        .iter()
        .filter_map(|a| a.kind.message_text())
        .collect();
    let mut rules = Vec::new();
    let mut accepted = Vec::new();
    for text in &messages {
        let ok = parse_client_message(text, ParseOptions::default()).is_ok();
        accepted.push(ok);
        if ok {
            rules = rules_of(text);
        }
    }
    Probe {
        messages,
        accepted,
        rules,
    }
}

/// The (property, value) entries of a filter message the parser accepted.
fn rules_of(text: &str) -> Vec<(String, Value)> {
    let Ok(Value::Object(message)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let Some(Value::Array(entries)) = message.get("filters") else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let property = entry.get("property")?.as_str()?.to_string();
            Some((property, entry.get("value")?.clone()))
        })
        .collect()
}

/// What one filtered connection recorded.
struct FilteredRecord {
    /// Events after the last reply.
    events: Vec<Received>,
    /// Disagreements with the specification about accepting messages.
    failures: Vec<String>,
    /// Observations.
    notes: Vec<String>,
}

/// Runs every case of `suite` against the server at `options.url`.
pub async fn run_differential(suite: &Suite, options: &DifferentialOptions) -> RunReport {
    let started = Instant::now();
    let stop = CancellationToken::new();
    let flags = format!(" --target {} --mode differential", options.url);
    let mut setups = Vec::new();
    for case in &suite.cases {
        let probe = probe_of(case);
        let options = options.clone();
        let stop = stop.clone();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            filtered_connection(&options, &probe, started, ready_tx, stop).await
        });
        setups.push((task, ready_rx));
    }
    // Every filter is in force before the unfiltered connection opens.
    for (_, ready) in &mut setups {
        let _ = ready.await;
    }
    let unfiltered = {
        let options = options.clone();
        let stop = stop.clone();
        tokio::spawn(async move { unfiltered_connection(&options, started, stop).await })
    };
    tokio::time::sleep(options.window).await;
    stop.cancel();
    let stop_ms = elapsed_ms(started);
    let unfiltered: Result<Vec<Received>, String> = match unfiltered.await {
        Ok(Ok(events)) => Ok(events),
        Ok(Err(reason)) => Err(reason),
        Err(err) => Err(format!("the unfiltered connection's task failed: {err}")),
    };
    let mut outcomes = Vec::new();
    for (case, (task, _)) in suite.cases.iter().zip(setups) {
        let recorded = match task.await {
            Ok(recorded) => recorded,
            Err(err) => Err(format!("the filtered connection's task failed: {err}")),
        };
        let recorded = recorded.map_err(|reason| reason.to_string());
        let outcome = match (unfiltered.as_ref().map_err(Clone::clone), recorded) {
            (Ok(all), Ok(record)) => judge_case(case, all, record, stop_ms, options, &flags),
            (Err(reason), _) | (_, Err(reason)) => {
                let mut outcome = blank_outcome(case, Verdict::Error, &flags);
                outcome.reasons.push(reason);
                outcome
            }
        };
        outcomes.push(outcome);
    }
    RunReport {
        target: options.url.clone(),
        mode: "differential".to_string(),
        suite: suite.path.display().to_string(),
        outcomes,
    }
}

fn judge_case(
    case: &Case,
    unfiltered: &[Received],
    record: FilteredRecord,
    stop_ms: u64,
    options: &DifferentialOptions,
    flags: &str,
) -> CaseOutcome {
    let probe = probe_of(case);
    let edge_ms = u64::try_from(options.edge.as_millis()).unwrap_or(u64::MAX);
    let comparison = compare(unfiltered, &record.events, &probe.rules, stop_ms, edge_ms);
    let mut outcome = blank_outcome(case, comparison.verdict.clone(), flags);
    outcome.reasons = record.failures;
    outcome.reasons.extend(comparison.reasons);
    if !outcome.reasons.is_empty() && outcome.verdict == Verdict::Pass {
        outcome.verdict = Verdict::Fail;
    }
    outcome.notes = record.notes;
    outcome.notes.push(format!(
        "rules {}; {} unfiltered events, {} admitted and required, {} received, {} tolerated at the window's edges",
        serde_json::to_string(&probe.rules.iter().map(|(p, v)| serde_json::json!({"property": p, "value": v})).collect::<Vec<_>>()).unwrap_or_default(),
        unfiltered.len(),
        comparison.expected,
        comparison.matched,
        comparison.tolerated
    ));
    outcome
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Opens an Event API connection with Basic credentials.
///
/// # Errors
/// A readable reason when the URL is invalid or the upgrade fails.
pub(crate) async fn connect(url: &str, credentials: &Credentials) -> Result<Socket, String> {
    let mut request = url
        .into_client_request()
        .map_err(|err| format!("invalid target URL {url}: {err}"))?;
    let header = credentials
        .basic_header()
        .parse()
        .map_err(|err| format!("credentials cannot be sent as a header: {err}"))?;
    request.headers_mut().insert(AUTHORIZATION, header);
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|err| format!("cannot connect to {url}: {err}"))?;
    Ok(socket)
}

async fn filtered_connection(
    options: &DifferentialOptions,
    probe: &Probe,
    started: Instant,
    ready: tokio::sync::oneshot::Sender<()>,
    stop: CancellationToken,
) -> Result<FilteredRecord, String> {
    // Whatever happens, the run must not wait for this connection forever.
    let _ready = ReadyOnDrop(Some(ready));
    let mut socket = connect(&options.url, &options.credentials).await?;
    let mut record = FilteredRecord {
        events: Vec::new(),
        failures: Vec::new(),
        notes: Vec::new(),
    };
    for (index, text) in probe.messages.iter().enumerate() {
        socket
            .send(Message::text(text.clone()))
            .await
            .map_err(|err| format!("cannot send message {}: {err}", index + 1))?;
        match await_reply(&mut socket, options.reply_timeout).await? {
            None => record.notes.push(format!(
                "no filter response to message {} within {:?}",
                index + 1,
                options.reply_timeout
            )),
            Some((reply, parsed)) => {
                match (probe.accepted[index], parsed.success()) {
                    (true, Some(false)) => record.failures.push(format!(
                        "the server rejected message {} ({text}), which the specification accepts: {reply}",
                        index + 1
                    )),
                    (false, Some(true)) => record.failures.push(format!(
                        "the server accepted message {} ({text}), which the specification rejects",
                        index + 1
                    )),
                    _ => {}
                }
            }
        }
    }
    drop(_ready);
    record.events = read_events(&mut socket, started, &stop, &mut record.notes).await;
    let _ = socket.close(None).await;
    Ok(record)
}

/// Reads until a filter response (returned) or the timeout (`None`); events before
/// the response were judged by the previous filters and are dropped.
async fn await_reply(
    socket: &mut Socket,
    timeout: Duration,
) -> Result<Option<(String, ParsedReply)>, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let frame = match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return Ok(None),
            Ok(None) => return Err("the server closed the filtered connection".to_string()),
            Ok(Some(Err(err))) => return Err(format!("the filtered connection failed: {err}")),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Message::Text(text) = frame
            && let Some(parsed) = ServerReply::parse(text.as_bytes())
        {
            return Ok(Some((text.as_str().to_string(), parsed)));
        }
    }
}

/// Reads events until `stop`; filter responses and other frames become notes.
async fn read_events(
    socket: &mut Socket,
    started: Instant,
    stop: &CancellationToken,
    notes: &mut Vec<String>,
) -> Vec<Received> {
    let mut events = Vec::new();
    loop {
        let frame = tokio::select! {
            () = stop.cancelled() => break,
            frame = socket.next() => frame,
        };
        match frame {
            None | Some(Err(_)) => {
                notes.push("the server ended the connection during the window".to_string());
                break;
            }
            Some(Ok(Message::Text(text))) => {
                if ServerReply::parse(text.as_bytes()).is_some() {
                    notes.push(format!(
                        "unexpected filter response during the window: {text}"
                    ));
                } else {
                    events.push(Received {
                        at_ms: elapsed_ms(started),
                        text: text.as_str().to_string(),
                    });
                }
            }
            Some(Ok(_)) => {}
        }
    }
    events
}

async fn unfiltered_connection(
    options: &DifferentialOptions,
    started: Instant,
    stop: CancellationToken,
) -> Result<Vec<Received>, String> {
    let mut socket = connect(&options.url, &options.credentials).await?;
    let mut notes = Vec::new();
    let events = read_events(&mut socket, started, &stop, &mut notes).await;
    let _ = socket.close(None).await;
    match notes.first() {
        Some(note) if note.contains("ended") => Err(format!("unfiltered connection: {note}")),
        _ => Ok(events),
    }
}

/// Signals readiness when dropped, so an early return cannot stall the run.
struct ReadyOnDrop(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for ReadyOnDrop {
    fn drop(&mut self) {
        if let Some(ready) = self.0.take() {
            let _ = ready.send(());
        }
    }
}
