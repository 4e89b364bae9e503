//! Replay mode (`--target URL --mode replay`, or `auto` when the server answers
//! `GET /sim/status`): each case is played on a server we control (our `serve`),
//! through its control API, so that its transcript must equal the in-process one
//! byte for byte; it is then compared with the case's snapshot like every other
//! transcript.
//!
//! The runner takes the server over: it pauses the clock, and per case loads the
//! case's scenario (`POST /sim/scenario` with its seed, epoch, profile and whether
//! it loops, as the in-process player has them), opens a fresh connection and
//! drives the clock one batch at a time (`POST /sim/step?to=batch`) while the next
//! batch is due at or before the next action, then performs the action. To know
//! that every event of a step has arrived before going on, it re-sends the filter
//! in force (or an empty filter list while none was accepted) and waits for its
//! reply: replies travel in order with events. These sync messages are not part
//! of the transcript, and the events before a sync reply are given the virtual
//! time of the batch just stepped. Afterwards the pause state is restored; the
//! last case's scenario stays loaded.

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::protocol::{Profile, ServerReply};
use crate::server::Credentials;

use super::differential::connect;
use super::run::{Recorded, SnapshotOptions, blank_outcome, judge};
use super::sim_api::SimApi;
use super::suite::{ActionKind, Case, Suite};
use super::transcript::{Entry, Transcript};
use super::verdict::{RunReport, Verdict};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The sync message while no filter message was accepted: it changes nothing.
const EMPTY_FILTER: &str = r#"{"type":"filter","filters":[]}"#;

/// How a replay run reaches the server.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// The Event API URL (`ws://host:58080/communication_manager/ws/event`); the
    /// control API is on the same host and port.
    pub url: String,
    /// Sent as HTTP Basic on every upgrade and control request.
    pub credentials: Credentials,
    /// How long any one answer (HTTP or websocket) may take.
    pub patience: std::time::Duration,
}

impl ReplayOptions {
    fn api(&self) -> Result<SimApi, String> {
        SimApi::for_event_url(&self.url, &self.credentials, self.patience)
    }
}

/// Whether the server at `options.url` has our control API: its `/sim/status`
/// when it has, else why not.
///
/// # Errors
/// Why the status could not be read (unreachable, no `/sim/`, not our JSON).
pub async fn control_api_status(options: &ReplayOptions) -> Result<Value, String> {
    options.api()?.status().await
}

/// Replays every case of `suite` on the server at `options.url` and compares each
/// transcript with its snapshot. Without a control API there, every case is a
/// harness error.
pub async fn run_replay(
    suite: &Suite,
    options: &ReplayOptions,
    snapshots: &SnapshotOptions,
) -> RunReport {
    let mut report = RunReport {
        target: options.url.clone(),
        mode: "replay".to_string(),
        suite: suite.path.display().to_string(),
        outcomes: Vec::new(),
    };
    let api = match options.api() {
        Ok(api) => api,
        Err(reason) => return every_case_fails(report, suite, &reason, snapshots),
    };
    let before = match api.status().await {
        Ok(status) => status,
        Err(reason) => {
            let reason = format!(
                "{reason}; replay needs our own server's control API (/sim/); for any other server use --mode differential"
            );
            return every_case_fails(report, suite, &reason, snapshots);
        }
    };
    if let Err(reason) = api.post("pause", b"").await {
        return every_case_fails(report, suite, &reason, snapshots);
    }
    for case in &suite.cases {
        let recorded = Replayer::new(&api, options, case).run().await;
        report.outcomes.push(judge(case, recorded, snapshots));
    }
    if before.get("paused") == Some(&Value::Bool(false))
        && let Err(reason) = api.post("resume", b"").await
        && let Some(last) = report.outcomes.last_mut()
    {
        last.notes.push(format!(
            "the server could not be resumed afterwards: {reason}"
        ));
    }
    report
}

fn every_case_fails(
    mut report: RunReport,
    suite: &Suite,
    reason: &str,
    snapshots: &SnapshotOptions,
) -> RunReport {
    report.outcomes = suite
        .cases
        .iter()
        .map(|case| {
            let mut outcome = blank_outcome(case, Verdict::Error, &snapshots.rerun_flags);
            outcome.reasons.push(reason.to_string());
            outcome
        })
        .collect();
    report
}

/// The query of the `POST /sim/scenario` that plays `case` as the in-process
/// player does.
fn scenario_query(case: &Case) -> String {
    let profile = match case.profile {
        Profile::Standard => "standard",
        Profile::Extended => "extended",
    };
    // The in-process player loops only when the case outlasts the scenario.
    let looping = case.until_ms > case.scenario.length_ms;
    format!(
        "scenario?seed={}&epoch={}&profile={profile}&loop={looping}",
        case.seed, case.epoch_ms
    )
}

/// Why a case stopped early: a harness problem (no transcript) or a server that
/// stopped answering in the middle (the transcript so far, and a failure).
enum Stop {
    Harness(String),
    Failure(String),
}

/// One case on the server.
struct Replayer<'a> {
    api: &'a SimApi,
    options: &'a ReplayOptions,
    case: &'a Case,
    transcript: Transcript,
    notes: Vec<String>,
    socket: Option<Socket>,
    /// The last filter message the server accepted on this connection.
    in_force: Option<String>,
    /// Virtual ms of the next batch; `None` when the run is over.
    next_due: Option<u64>,
    /// Virtual ms of the last batch stepped.
    now_ms: u64,
}

impl<'a> Replayer<'a> {
    fn new(api: &'a SimApi, options: &'a ReplayOptions, case: &'a Case) -> Self {
        Replayer {
            api,
            options,
            case,
            transcript: Transcript::default(),
            notes: Vec::new(),
            socket: None,
            in_force: None,
            next_due: None,
            now_ms: 0,
        }
    }

    async fn run(mut self) -> Recorded {
        let played = self.play().await;
        if let Some(socket) = self.socket.take() {
            close(socket, self.options.patience).await;
        }
        let mut failures = Vec::new();
        let transcript = match played {
            Ok(()) => Ok(self.transcript),
            Err(Stop::Failure(reason)) => {
                failures.push(reason);
                Ok(self.transcript)
            }
            Err(Stop::Harness(reason)) => Err(reason),
        };
        Recorded {
            transcript,
            failures,
            notes: self.notes,
        }
    }

    async fn play(&mut self) -> Result<(), Stop> {
        let loaded = self
            .api
            .post(
                &scenario_query(self.case),
                self.case.scenario_text.as_bytes(),
            )
            .await
            .map_err(|reason| {
                Stop::Harness(format!("the case's scenario was not loaded: {reason}"))
            })?;
        self.next_due = loaded.get("nextDueMs").and_then(Value::as_u64);
        self.open().await?;
        for action in &self.case.actions {
            self.play_until(action.at_ms).await?;
            match &action.kind {
                ActionKind::Reconnect => {
                    if let Some(socket) = self.socket.take() {
                        close(socket, self.options.patience).await;
                    }
                    self.transcript.push(Entry::Reconnect {
                        at_ms: action.at_ms,
                    });
                    self.open().await?;
                }
                kind => {
                    let text = kind.message_text().unwrap_or_default();
                    self.transcript.sent(action.at_ms, &text);
                    let reply = self.exchange(&text, action.at_ms).await?;
                    self.transcript.push(Entry::Reply {
                        at_ms: action.at_ms,
                        text: reply.clone(),
                    });
                    if accepted(&reply) {
                        self.in_force = Some(text);
                    }
                }
            }
        }
        self.play_until(self.case.until_ms).await?;
        let failures = self.api.status().await.ok().and_then(|status| {
            status
                .get("stepFailures")
                .and_then(Value::as_u64)
                .filter(|n| *n > 0)
        });
        if let Some(failures) = failures {
            self.notes.push(format!(
                "the server counts {failures} refused scripted steps (GET /sim/status)"
            ));
        }
        Ok(())
    }

    /// A fresh, unfiltered connection, attached once its sync reply is back.
    async fn open(&mut self) -> Result<(), Stop> {
        let socket = connect(&self.options.url, &self.options.credentials)
            .await
            .map_err(Stop::Harness)?;
        self.socket = Some(socket);
        self.in_force = None;
        self.sync().await
    }

    /// Steps every batch due at or before `limit_ms`; after each that published
    /// events, syncs so that they are recorded with the batch's time.
    async fn play_until(&mut self, limit_ms: u64) -> Result<(), Stop> {
        while self.next_due.is_some_and(|due| due <= limit_ms) {
            let step = self.api.step_batch().await.map_err(Stop::Harness)?;
            let Some(step) = step else {
                self.next_due = None;
                break;
            };
            self.now_ms = step.virtual_ms;
            if step.events > 0 {
                self.sync().await?;
            }
            let status = self.api.status().await.map_err(Stop::Harness)?;
            self.next_due = status.get("nextDueMs").and_then(Value::as_u64);
        }
        Ok(())
    }

    /// Re-sends the filter in force and records the events that arrive before its
    /// reply, which is left out of the transcript.
    async fn sync(&mut self) -> Result<(), Stop> {
        let text = self
            .in_force
            .clone()
            .unwrap_or_else(|| EMPTY_FILTER.to_string());
        let reply = self.exchange(&text, self.now_ms).await.map_err(|stop| match stop {
            Stop::Failure(reason) => Stop::Failure(format!(
                "{reason} (the runner re-sends the filter in force to know that a step's events have all arrived)"
            )),
            harness => harness,
        })?;
        if !accepted(&reply) {
            self.notes.push(format!(
                "the server refused the runner's sync message {text}: {reply}"
            ));
        }
        Ok(())
    }

    /// Sends `text` and returns the reply; events before it are recorded at `at_ms`.
    async fn exchange(&mut self, text: &str, at_ms: u64) -> Result<String, Stop> {
        let patience = self.options.patience;
        let socket = self
            .socket
            .as_mut()
            .ok_or_else(|| Stop::Harness("no connection".to_string()))?;
        socket
            .send(Message::text(text))
            .await
            .map_err(|err| Stop::Failure(format!("cannot send {text}: {err}")))?;
        loop {
            let frame = match tokio::time::timeout(patience, socket.next()).await {
                Err(_) => {
                    return Err(Stop::Failure(format!(
                        "no filter response to {text} within {patience:?}"
                    )));
                }
                Ok(None | Some(Ok(Message::Close(_)))) => {
                    return Err(Stop::Failure(format!(
                        "the server closed the connection after {text}"
                    )));
                }
                Ok(Some(Err(err))) => {
                    return Err(Stop::Failure(format!("the connection failed: {err}")));
                }
                Ok(Some(Ok(Message::Text(frame)))) => frame.as_str().to_string(),
                Ok(Some(Ok(_))) => continue,
            };
            if ServerReply::parse(frame.as_bytes()).is_some() {
                return Ok(frame);
            }
            self.transcript.push(Entry::Event { at_ms, text: frame });
        }
    }
}

/// Whether a filter response says the message was accepted.
fn accepted(reply: &str) -> bool {
    ServerReply::parse(reply.as_bytes()).and_then(|parsed| parsed.success()) == Some(true)
}

/// Closes a connection and waits (within `patience`) for the server's close.
async fn close(mut socket: Socket, patience: std::time::Duration) {
    let _ = socket.close(None).await;
    let drained = async { while let Some(Ok(_)) = socket.next().await {} };
    let _ = tokio::time::timeout(patience, drained).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_replies_are_told_apart_by_success() {
        assert!(accepted(r#"{"type":"filterResponse","success":true}"#));
        assert!(!accepted(
            r#"{"type":"filterResponse","success":false,"error":"x"}"#
        ));
        assert!(!accepted("not json"));
    }
}
