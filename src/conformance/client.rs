//! Client mode (`--client CMD`): the runner serves each case to a client under test
//! and records what the client sent and what it was given.
//!
//! Per case, the runner listens on 127.0.0.1 (a free port) with the Event API's
//! path and Basic credentials, starts `CMD` through `sh -c` with `ISYM_URL`,
//! `ISYM_USERNAME`, `ISYM_PASSWORD` and `ISYM_CASE` in its environment, and plays
//! the case on the virtual clock. The clock waits for the client: where the case
//! has a message, the runner takes the client's next message (whatever it is); where
//! it has a reconnect, it waits for the client to close and connect again. The
//! server side is the in-process one (`ConnectionSide`: the server's parser,
//! replies and filter), so the transcript is comparable with the case's snapshot.
//! At `until` the runner closes the connection with 1000 "case over".

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::protocol::message::lint;
use crate::protocol::{
    ClientMessage, EventKind, FilterRule, MessageError, ParseOptions, parse_client_message,
};
use crate::server::{Cidr, Credentials, EVENT_PATH, Gate};

use super::client_process::ClientProcess;
use super::inprocess::{ConnectionSide, SpecFilter, play_until, player_for};
use super::run::Recorded;
use super::suite::{ActionKind, Case};
use super::transcript::{Entry, Transcript};

type Socket = WebSocketStream<TcpStream>;

/// How the client under test is started and how long it may take.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The shell command that starts the client.
    pub command: String,
    /// The credentials the client is given and must send.
    pub credentials: Credentials,
    /// How long the client may take to connect or to send an expected message.
    pub patience: Duration,
}

/// Lint notes on one client message: entries that can never match any catalogue
/// event, the documentation's invalid form, duplicate entries.
pub fn lint_client_message(text: &str) -> Vec<String> {
    match parse_client_message(text, ParseOptions::default()) {
        Ok(ClientMessage::Filter(filters)) => {
            let mut notes = lint(&filters, &EventKind::ALL);
            let mut rules: Vec<&FilterRule> = filters.rules().iter().collect();
            rules.sort();
            for pair in rules.windows(2) {
                if pair[0] == pair[1] {
                    notes.push(format!(
                        "duplicate filter entry {:?}: it changes nothing",
                        pair[0]
                    ));
                }
            }
            notes.dedup();
            notes
        }
        Err(MessageError::DocumentedInvalidForm) => vec![
            "the client sends the documentation's invalid form {\"property\" : \"x\" : \"value\" : \"y\"}, which is not JSON".to_string(),
        ],
        Err(_) => Vec::new(),
    }
}

/// Serves `case` to a fresh run of the client command and records the transcript.
pub async fn run_client_case(case: &Case, options: &ClientOptions) -> Recorded {
    let mut recorded = Recorded {
        transcript: Err(String::new()),
        failures: Vec::new(),
        notes: Vec::new(),
    };
    let listener = match TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(err) => {
            recorded.transcript = Err(format!("cannot listen on 127.0.0.1: {err}"));
            return recorded;
        }
    };
    let url = match listener.local_addr() {
        Ok(addr) => format!("ws://{addr}{EVENT_PATH}"),
        Err(err) => {
            recorded.transcript = Err(format!("no local address: {err}"));
            return recorded;
        }
    };
    let mut child = match ClientProcess::start(&options.command, &url, &options.credentials, case) {
        Ok(child) => child,
        Err(reason) => {
            recorded.transcript = Err(reason);
            return recorded;
        }
    };
    let mut host = Host {
        listener,
        gate: Gate::new(options.credentials.clone(), Cidr::loopback()),
        patience: options.patience,
        failures: Vec::new(),
        notes: Vec::new(),
    };
    let transcript = host.play(case).await;
    recorded.failures = host.failures;
    recorded.notes = host.notes;
    if let Some(transcript) = &transcript {
        for entry in &transcript.entries {
            if let Entry::Sent { text, .. } = entry {
                recorded.notes.extend(lint_client_message(text));
            }
        }
    }
    recorded.notes.extend(
        child
            .finish(options.patience, !recorded.failures.is_empty())
            .await,
    );
    recorded.transcript = transcript
        .ok_or_else(|| "the runner could not play the case (see the reasons above)".to_string());
    if let (Err(reason), Some(first)) = (&mut recorded.transcript, recorded.failures.first()) {
        *reason = first.clone();
    }
    recorded
}

/// The server side of one client-mode case.
struct Host {
    listener: TcpListener,
    gate: Gate,
    patience: Duration,
    failures: Vec<String>,
    notes: Vec<String>,
}

impl Host {
    /// Plays the case; `None` when it could not be played at all.
    async fn play(&mut self, case: &Case) -> Option<Transcript> {
        let mut player = match player_for(case) {
            Ok(player) => player,
            Err(err) => {
                self.failures.push(err.to_string());
                return None;
            }
        };
        let emitted = case.profile.kinds();
        let mut transcript = Transcript::default();
        // A client that does not connect gets an empty transcript and a failure.
        let mut socket = self.accept("connect").await;
        let mut side = ConnectionSide::new(SpecFilter::boxed(), emitted.clone());
        for action in &case.actions {
            self.deliver(
                &mut player,
                action.at_ms,
                &mut side,
                &mut socket,
                &mut transcript,
            )
            .await
            .ok()?;
            match &action.kind {
                ActionKind::Reconnect => {
                    if let Some(old) = socket.take() {
                        self.await_close(old, action.at_ms, &mut transcript).await;
                    }
                    transcript.push(Entry::Reconnect {
                        at_ms: action.at_ms,
                    });
                    socket = self.accept("reconnect").await;
                    side = ConnectionSide::new(SpecFilter::boxed(), emitted.clone());
                }
                kind => {
                    let expected = kind.message_text().unwrap_or_default();
                    let Some(live) = socket.as_mut() else {
                        continue;
                    };
                    match next_text(live, self.patience).await {
                        Some(text) => {
                            transcript.sent(action.at_ms, &text);
                            let reply = side.answer(&text);
                            if live.send(Message::text(reply.clone())).await.is_err() {
                                socket = None;
                            }
                            transcript.push(Entry::Reply {
                                at_ms: action.at_ms,
                                text: reply,
                            });
                        }
                        None => self.failures.push(format!(
                            "the client sent nothing within {:?} where the case expects {expected} at {}ms",
                            self.patience, action.at_ms
                        )),
                    }
                }
            }
        }
        self.deliver(
            &mut player,
            case.until_ms,
            &mut side,
            &mut socket,
            &mut transcript,
        )
        .await
        .ok()?;
        if let Some(mut live) = socket {
            let frame = CloseFrame {
                code: 1000.into(),
                reason: "case over".into(),
            };
            let _ = live.send(Message::Close(Some(frame))).await;
            self.await_close(live, case.until_ms, &mut transcript).await;
        }
        Some(transcript)
    }

    /// Sends every admitted event due up to `until_ms`, recording each.
    async fn deliver(
        &mut self,
        player: &mut crate::scenario::Player,
        until_ms: u64,
        side: &mut ConnectionSide,
        socket: &mut Option<Socket>,
        transcript: &mut Transcript,
    ) -> Result<(), ()> {
        let mut frames = Vec::new();
        // Only what reaches a connected client is recorded: it is what it was given.
        let connected = socket.is_some();
        let played = play_until(player, until_ms, |at_ms, event| {
            if connected && side.admits(event) {
                let text = event.to_json();
                frames.push(text.clone());
                transcript.push(Entry::Event { at_ms, text });
            }
        });
        if let Err(err) = played {
            self.failures.push(err.to_string());
            return Err(());
        }
        if let Some(live) = socket.as_mut() {
            let mut sent = Ok(());
            for text in frames {
                sent = live.feed(Message::text(text)).await;
                if sent.is_err() {
                    break;
                }
            }
            if sent.is_ok() {
                sent = live.flush().await;
            }
            if sent.is_err() {
                self.failures
                    .push("the client's connection failed while events were sent".to_string());
                *socket = None;
            }
        }
        Ok(())
    }

    /// Accepts the client's next connection, checking its path and credentials.
    async fn accept(&mut self, what: &str) -> Option<Socket> {
        let accepted = tokio::time::timeout(self.patience, self.listener.accept()).await;
        let (stream, peer) = match accepted {
            Ok(Ok(accepted)) => accepted,
            Ok(Err(err)) => {
                self.failures
                    .push(format!("accepting the client's {what} failed: {err}"));
                return None;
            }
            Err(_) => {
                self.failures.push(format!(
                    "the client did not {what} within {:?} (it is given ISYM_URL, ISYM_USERNAME and ISYM_PASSWORD)",
                    self.patience
                ));
                return None;
            }
        };
        let refusal = Arc::new(Mutex::new(None));
        let seen = Arc::clone(&refusal);
        let gate = self.gate.clone();
        // tungstenite's callback type fixes the error type; it is built once per connection.
        #[allow(clippy::result_large_err)]
        let check = move |request: &Request, response: Response| {
            let authorization = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            let wrong_path = request.uri().path() != EVENT_PATH;
            match gate.admit(Some(peer), authorization) {
                Ok(()) if !wrong_path => Ok(response),
                outcome => {
                    let reason = match outcome {
                        Err(refusal) => refusal.to_string(),
                        Ok(()) => format!(
                            "wrong path {}; the Event API is at {EVENT_PATH}",
                            request.uri().path()
                        ),
                    };
                    if let Ok(mut slot) = seen.lock() {
                        *slot = Some(reason.clone());
                    }
                    let mut refused = ErrorResponse::new(Some(reason));
                    *refused.status_mut() =
                        tokio_tungstenite::tungstenite::http::StatusCode::FORBIDDEN;
                    Err(refused)
                }
            }
        };
        match tokio_tungstenite::accept_hdr_async(stream, check).await {
            Ok(socket) => Some(socket),
            Err(err) => {
                let reason = refusal.lock().ok().and_then(|mut r| r.take());
                self.failures.push(format!(
                    "the client's {what} was refused: {}",
                    reason.unwrap_or_else(|| err.to_string())
                ));
                None
            }
        }
    }

    /// Waits for the client to close; text frames that arrive first are recorded.
    async fn await_close(&mut self, mut socket: Socket, at_ms: u64, transcript: &mut Transcript) {
        loop {
            match tokio::time::timeout(self.patience, socket.next()).await {
                Err(_) => {
                    self.failures.push(format!(
                        "the client did not close its connection within {:?}",
                        self.patience
                    ));
                    return;
                }
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return,
                Ok(Some(Ok(Message::Text(text)))) => transcript.sent(at_ms, text.as_str()),
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

/// The next text frame, within `patience`.
async fn next_text(socket: &mut Socket, patience: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return Some(text.as_str().to_string()),
            Ok(Some(Ok(Message::Binary(_)))) => return Some("(a binary frame)".to_string()),
            Ok(Some(Ok(_))) => {}
            _ => return None,
        }
    }
}
