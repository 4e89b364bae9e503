//! The connections of differential mode: learning from one, the filtered ones
//! of the plans, and the unfiltered one they are compared with.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::compare::Received;
use super::connection::{Connector, Socket};
use super::learn::Learned;
use super::options::DifferentialOptions;
use super::plan::{Plan, Step};
use super::probe::Record;
use super::reply::{Reply, recognise_text};

pub(super) fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A filter every documented event passes (`docs/protocol.md` §3: every event
/// carries `type`): the second try at learning, for a server that sends nothing
/// to an unfiltered connection.
pub(super) const EVERY_TYPE: &str =
    r#"{"type":"filter","filters":[{"property":"type","value":"*"}]}"#;

/// The learning window: one connection for `options.window`, unfiltered unless
/// `first` is given.
pub(super) async fn learn(
    connector: &Connector,
    options: &DifferentialOptions,
    first: Option<&'static str>,
) -> Result<Learned, String> {
    let started = Instant::now();
    let stop = CancellationToken::new();
    let reading = {
        let (connector, url, stop) = (connector.clone(), options.url.clone(), stop.clone());
        tokio::spawn(async move { reference(&connector, &url, first, started, stop).await })
    };
    tokio::time::sleep(options.window).await;
    stop.cancel();
    let events = reading
        .await
        .map_err(|err| format!("the learning connection's task failed: {err}"))??;
    let window_ms = u64::try_from(options.window.as_millis()).unwrap_or(u64::MAX);
    Ok(Learned::from_events(
        events.into_iter().filter_map(|e| e.event),
        window_ms,
    ))
}

/// What a filtered connection did: its record and notes.
pub(super) type Filtered = Result<(Record, Vec<String>), String>;

pub(super) async fn filtered(
    connector: &Connector,
    options: &DifferentialOptions,
    plan: &Plan,
    started: Instant,
    ready: tokio::sync::oneshot::Sender<()>,
    stop: CancellationToken,
) -> Filtered {
    // Whatever happens, the run must not wait for this connection forever.
    let ready = ReadyOnDrop(Some(ready));
    let mut socket = connector.websocket(&options.url).await?;
    let mut record = Record::default();
    let mut notes = Vec::new();
    for step in &plan.steps {
        match step {
            Step::Reconnect => {
                // Wait for the server's side of the close, so that the next
                // connection is new to it, not one it may still take for the old.
                let _ = socket.close(None).await;
                let drained = async { while let Some(Ok(_)) = socket.next().await {} };
                let _ = tokio::time::timeout(options.reply_timeout, drained).await;
                socket = connector.websocket(&options.url).await?;
            }
            Step::Send(send) => {
                let number = record.replies.len() + 1;
                socket
                    .send(Message::text(send.text.clone()))
                    .await
                    .map_err(|err| format!("cannot send message {number}: {err}"))?;
                match await_reply(&mut socket, options.reply_timeout).await {
                    Ok(reply) => record.replies.push(reply),
                    Err(()) => {
                        record.replies.push(None);
                        record.closed_after = Some(number);
                        return Ok((record, notes));
                    }
                }
            }
        }
    }
    drop(ready);
    record.events = read_events(&mut socket, started, &stop, &mut notes).await;
    let _ = socket.close(None).await;
    Ok((record, notes))
}

/// Reads until a filter response (returned with what it says) or the timeout
/// (`None`); events before the response were judged by the previous filters and
/// are dropped. `Err` when the server closes the connection.
async fn await_reply(
    socket: &mut Socket,
    timeout: Duration,
) -> Result<Option<(String, Reply)>, ()> {
    let deadline = Instant::now() + timeout;
    loop {
        let frame = match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return Ok(None),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return Err(()),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Message::Text(text) = frame
            && let Some(reply) = recognise_text(text.as_str())
        {
            return Ok(Some((text.as_str().to_string(), reply)));
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
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => {
                notes.push("the server ended the connection during the window".to_string());
                break;
            }
            Some(Ok(Message::Text(text))) => {
                if recognise_text(text.as_str()).is_some() {
                    notes.push(format!(
                        "unexpected filter response during the window: {text}"
                    ));
                } else {
                    events.push(Received::new(
                        elapsed_ms(started),
                        text.as_str().to_string(),
                    ));
                }
            }
            Some(Ok(_)) => {}
        }
    }
    events
}

/// The events of a connection (unfiltered, or after `first`) until `stop`.
pub(super) async fn reference(
    connector: &Connector,
    url: &str,
    first: Option<&str>,
    started: Instant,
    stop: CancellationToken,
) -> Result<Vec<Received>, String> {
    let mut socket = connector.websocket(url).await?;
    if let Some(text) = first {
        socket
            .send(Message::text(text))
            .await
            .map_err(|err| format!("cannot send {text}: {err}"))?;
        // Patience matters little here: the events after any reply are what count.
        let _ = await_reply(&mut socket, Duration::from_secs(5)).await;
    }
    let mut notes = Vec::new();
    let events = read_events(&mut socket, started, &stop, &mut notes).await;
    let _ = socket.close(None).await;
    match notes.iter().find(|n| n.contains("ended")) {
        Some(note) => Err(format!("unfiltered connection to {url}: {note}")),
        None => Ok(events),
    }
}

/// Signals readiness when dropped, so an early return cannot stall the run.
pub(super) struct ReadyOnDrop(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for ReadyOnDrop {
    fn drop(&mut self) {
        if let Some(ready) = self.0.take() {
            let _ = ready.send(());
        }
    }
}
