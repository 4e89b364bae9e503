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
//! time of the batch just stepped.
//!
//! Afterwards the runner puts back what the server was playing, through `/sim/`:
//! a shipped scenario is loaded again with its seed, epoch and profile (from its
//! start: the control API cannot seek), then the speed and the pause state. A
//! scenario the control API cannot give back (a file of the user's) cannot be
//! restored; the report then says what the server now plays and how to change it.

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::protocol::Profile;
use crate::scenario::duration::format_duration;
use crate::scenario::shipped;
use crate::server::Credentials;

use super::connection::{Connector, Socket, TlsSettings};
use super::reply::recognise_text;
use super::run::{Recorded, SnapshotOptions, blank_outcome, judge};
use super::sim_api::SimApi;
use super::suite::{ActionKind, Case, Suite};
use super::transcript::{Entry, Transcript};
use super::verdict::{RunReport, Verdict};

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
    /// How a `wss://` target's certificate is checked.
    pub tls: TlsSettings,
}

impl ReplayOptions {
    fn connector(&self) -> Result<Connector, String> {
        Connector::new(&self.url, &self.credentials, &self.tls)
    }

    fn api(&self, connector: &Connector) -> Result<SimApi, String> {
        SimApi::for_event_url(&self.url, &self.credentials, connector, self.patience)
    }
}

/// Whether the server at `options.url` has our control API: its `/sim/status`
/// when it has, else why not.
///
/// # Errors
/// Why the status could not be read (unreachable, no `/sim/`, not our JSON).
pub async fn control_api_status(options: &ReplayOptions) -> Result<Value, String> {
    let connector = options.connector()?;
    options.api(&connector)?.status().await
}

/// Replays every case of `suite` on the server at `options.url` and compares each
/// transcript with its snapshot. Without a control API there, every case is a
/// harness error.
pub async fn run_replay(
    suite: &Suite,
    options: &ReplayOptions,
    snapshots: &SnapshotOptions,
) -> RunReport {
    let mut report = RunReport::new(&options.url, "replay", suite.path.display().to_string());
    let connector = match options.connector() {
        Ok(connector) => connector,
        Err(reason) => return every_case_fails(report, suite, &reason, snapshots),
    };
    report.tls = connector.tls_note().map(str::to_string);
    let api = match options.api(&connector) {
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
        let recorded = Replayer::new(&api, &connector, options, case).run().await;
        report.outcomes.push(judge(case, recorded, snapshots));
    }
    let last = suite.cases.last().map(|case| case.name.as_str());
    report.notes.extend(restore(&api, &before, last).await);
    report
}

/// Puts back what the server played before the run (see the module docs); the
/// lines say what was done, or what the server now plays.
async fn restore(api: &SimApi, before: &Value, last_case: Option<&str>) -> Vec<String> {
    let mut notes = Vec::new();
    let name = before
        .get("scenario")
        .and_then(Value::as_str)
        .unwrap_or("none");
    let seed = before.get("seed").and_then(Value::as_u64);
    let epoch = before.get("epoch").and_then(Value::as_i64);
    let profile = before
        .get("profile")
        .and_then(Value::as_str)
        .unwrap_or("standard");
    let at = before
        .get("virtualMs")
        .and_then(Value::as_u64)
        .map_or_else(String::new, |ms| {
            format!(" (it stood at {})", format_duration(ms))
        });
    let reload = match (shipped::find(name), seed, epoch) {
        (Some(found), Some(seed), Some(epoch)) => {
            // serve loops its scenario forever; /sim/status does not say otherwise.
            let query = format!("scenario?seed={seed}&epoch={epoch}&profile={profile}&loop=true");
            match api.post(&query, found.text.as_bytes()).await {
                Ok(_) => {
                    notes.push(format!(
                        "restored: the server plays `{name}` again (seed {seed}, epoch {epoch}, profile {profile}) from its start{at}; /sim/ cannot seek"
                    ));
                    true
                }
                Err(reason) => {
                    notes.push(format!(
                        "the server's scenario `{name}` could not be restored: {reason}"
                    ));
                    false
                }
            }
        }
        _ => false,
    };
    if !reload {
        let case = last_case.map_or_else(String::new, |c| format!(" of the case {c}"));
        notes.push(format!(
            "the server now plays the scenario{case}, as that case played it; before the run it played `{name}`{}{at}, which the control API cannot give back: restart serve, or POST {}/sim/scenario with that file",
            seed.map_or_else(String::new, |s| format!(" (seed {s})")),
            api.base()
        ));
    }
    if let Some(speed) = before.get("speed").and_then(Value::as_f64)
        && let Err(reason) = api
            .post("speed", format!("{{\"speed\":{speed}}}").as_bytes())
            .await
    {
        notes.push(format!(
            "the server's speed could not be restored: {reason}"
        ));
    }
    let paused = before.get("paused") == Some(&Value::Bool(true));
    let route = if paused { "pause" } else { "resume" };
    if let Err(reason) = api.post(route, b"").await {
        notes.push(format!(
            "the server could not be {route}d afterwards: {reason}"
        ));
    }
    notes
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
    connector: &'a Connector,
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
    fn new(
        api: &'a SimApi,
        connector: &'a Connector,
        options: &'a ReplayOptions,
        case: &'a Case,
    ) -> Self {
        Replayer {
            api,
            connector,
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
        let socket = self
            .connector
            .websocket(&self.options.url)
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
            if recognise_text(&frame).is_some() {
                return Ok(frame);
            }
            self.transcript.push(Entry::Event { at_ms, text: frame });
        }
    }
}

/// Whether a filter response says the message was accepted.
fn accepted(reply: &str) -> bool {
    recognise_text(reply).and_then(|r| r.accepted) == Some(true)
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
