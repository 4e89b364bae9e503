//! The recorder: one unfiltered Event API connection to a real server, every frame
//! written to the capture as it arrives, Live API snapshots at the start and the
//! end, and reconnection with backoff when the connection drops (the gap is marked).
//!
//! Credentials go on the upgrade and the Live API requests only: the capture holds
//! URLs without userinfo, and no message names a password.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::StreamExt as _;
use rustls::ClientConfig;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::capture::{Entry, Frame, Gap, NOT_AN_EVENT, Phase, Resume, Summary, frame_type};
use super::catalogue::is_catalogue_event;
use super::connect::{Endpoint, UpgradeFailure, websocket};
use super::snapshot::{LiveSource, describe};
use super::writer::CaptureWriter;
use crate::server::Credentials;

/// The first wait before reconnecting; it doubles up to [`BACKOFF_MAX`].
pub const BACKOFF_FIRST: Duration = Duration::from_millis(250);
/// The longest wait between reconnection attempts.
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Distinct `type`s counted by name in the progress and the summary; frames of
/// further types are counted under [`OTHER_TYPES`], so a server sending ever new
/// types cannot grow the counts without bound (the capture keeps every frame).
pub const MAX_TYPES_COUNTED: usize = 1000;

/// The key frames of types beyond [`MAX_TYPES_COUNTED`] are counted under.
pub const OTHER_TYPES: &str = "(other types)";

/// How often the capture is flushed and the progress line redrawn.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// What to record and for how long.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// The Event API URL, without credentials.
    pub target: Endpoint,
    /// HTTP Basic credentials for the upgrade and the Live API.
    pub credentials: Credentials,
    /// TLS settings, for wss/https.
    pub tls: Option<Arc<ClientConfig>>,
    /// The Live API core-server URL to snapshot; `None` for events only.
    pub live: Option<Endpoint>,
    /// Stop this long after the connection first opened; `None`: until the stop signal.
    pub duration: Option<Duration>,
}

/// Where the recording stands, for the progress line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Time since the start.
    pub elapsed: Duration,
    /// Frames recorded.
    pub frames: u64,
    /// Frames by `type`.
    pub types: BTreeMap<String, u64>,
    /// Bytes of frame text.
    pub bytes: u64,
    /// Connection losses so far.
    pub gaps: u64,
    /// Whether the connection is up.
    pub connected: bool,
}

impl Progress {
    /// Counts one frame of type `kind`.
    fn count(&mut self, kind: String) {
        let key = if self.types.len() < MAX_TYPES_COUNTED || self.types.contains_key(&kind) {
            kind
        } else {
            OTHER_TYPES.to_string()
        };
        *self.types.entry(key).or_default() += 1;
    }

    /// The one-line progress report.
    pub fn line(&self) -> String {
        let types: Vec<String> = self.types.iter().map(|(t, n)| format!("{t} {n}")).collect();
        format!(
            "{:.0}s: {} frames ({}), {:.1} KiB, {} gap{}{}",
            self.elapsed.as_secs_f64(),
            self.frames,
            if types.is_empty() {
                "none yet".to_string()
            } else {
                types.join(", ")
            },
            self.bytes as f64 / 1024.0,
            self.gaps,
            if self.gaps == 1 { "" } else { "s" },
            if self.connected { "" } else { ", reconnecting" }
        )
    }
}

/// Why a recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The first connection failed: nothing was recorded.
    #[error("{0}")]
    Connect(String),
    /// The capture file could not be written.
    #[error("cannot write the capture: {0}")]
    Write(#[from] std::io::Error),
}

/// Records until `duration` is over or `stop` resolves, writing to `out`;
/// `report` gets the progress about once a second and each note (snapshots,
/// gaps) as text. Returns the summary, also written as the capture's last line.
///
/// # Errors
/// [`RecordError::Connect`] when the very first connection fails (wrong URL or
/// credentials); [`RecordError::Write`] when the file cannot be written. Later
/// connection losses are gaps, not errors.
pub async fn record<W: Write>(
    options: &RecordOptions,
    mut out: CaptureWriter<W>,
    stop: impl Future<Output = ()>,
    mut report: impl FnMut(Report<'_>),
) -> Result<Summary, RecordError> {
    let start = Instant::now();
    let since = |at: Instant| (at - start).as_millis() as u64;
    let live = options.live.as_ref().map(|core_server| LiveSource {
        core_server: core_server.clone(),
        credentials: options.credentials.clone(),
        tls: options.tls.clone(),
    });
    if let Some(live) = &live {
        let snapshot = live.snapshot(Phase::Start, || since(Instant::now())).await;
        report(Report::Note(&format!(
            "Live API snapshot at the start: {}",
            describe(&snapshot)
        )));
        out.write(&Entry::Live(snapshot))?;
        out.flush()?;
    }

    let mut socket =
        match websocket(&options.target, &options.credentials, options.tls.as_ref()).await {
            Ok(socket) => socket,
            Err(UpgradeFailure::Refused(reason) | UpgradeFailure::Unreachable(reason)) => {
                return Err(RecordError::Connect(reason));
            }
        };
    // The duration is of traffic: it counts from the first connection, not the snapshot.
    let deadline = options.duration.map(|d| Instant::now() + d);
    tokio::pin!(stop);
    let mut progress = Progress {
        connected: true,
        ..Progress::default()
    };
    let mut ticker = tokio::time::interval(FLUSH_EVERY);
    let reason = 'recording: loop {
        // Read until the connection ends, the time is up or the user stops.
        let lost = loop {
            let until_deadline = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = &mut stop => {
                    let _ = socket.close(None).await;
                    break 'recording "interrupted";
                }
                () = until_deadline => {
                    let _ = socket.close(None).await;
                    break 'recording "duration reached";
                }
                _ = ticker.tick() => {
                    out.flush()?;
                    progress.elapsed = start.elapsed();
                    report(Report::Progress(&progress));
                }
                message = socket.next() => match message {
                    Some(Ok(Message::Text(text))) => {
                        let text = text.as_str();
                        let kind = frame_type(text).unwrap_or_else(|| NOT_AN_EVENT.to_string());
                        progress.count(kind);
                        progress.frames += 1;
                        progress.bytes += text.len() as u64;
                        out.write(&Entry::Frame(Frame {
                            ms: since(Instant::now()),
                            text: Some(text.to_string()),
                            binary: None,
                            catalogue: is_catalogue_event(text),
                        }))?;
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        progress.count(NOT_AN_EVENT.to_string());
                        progress.frames += 1;
                        progress.bytes += bytes.len() as u64;
                        out.write(&Entry::Frame(Frame {
                            ms: since(Instant::now()),
                            text: None,
                            binary: Some(base64::engine::general_purpose::STANDARD.encode(&bytes)),
                            catalogue: false,
                        }))?;
                    }
                    Some(Ok(Message::Close(frame))) => break match frame {
                        Some(frame) => format!("closed by the server: {} {}", u16::from(frame.code), frame.reason),
                        None => "closed by the server without a code".to_string(),
                    },
                    // Pings are answered by the websocket library; nothing to keep.
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Err(err)) => break format!("connection lost: {err}"),
                    None => break "connection lost without a close frame".to_string(),
                },
            }
        };
        progress.gaps += 1;
        progress.connected = false;
        out.write(&Entry::Gap(Gap {
            ms: since(Instant::now()),
            reason: lost.clone(),
        }))?;
        out.flush()?;
        report(Report::Note(&format!(
            "{lost}; reconnecting (the gap is marked in the capture)"
        )));

        // Reconnect with backoff until it works, the time is up or the user stops.
        let mut wait = BACKOFF_FIRST;
        let mut attempts = 0u32;
        socket = loop {
            let until_deadline = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = &mut stop => break 'recording "interrupted",
                () = until_deadline => break 'recording "duration reached",
                () = tokio::time::sleep(wait) => {}
            }
            attempts += 1;
            match websocket(&options.target, &options.credentials, options.tls.as_ref()).await {
                Ok(socket) => break socket,
                Err(UpgradeFailure::Refused(reason) | UpgradeFailure::Unreachable(reason)) => {
                    report(Report::Note(&format!("attempt {attempts}: {reason}")));
                    wait = (wait * 2).min(BACKOFF_MAX);
                }
            }
        };
        progress.connected = true;
        out.write(&Entry::Resume(Resume {
            ms: since(Instant::now()),
            attempts,
        }))?;
        report(Report::Note(&format!(
            "reconnected after {attempts} attempt(s)"
        )));
    };
    out.flush()?;
    if let Some(live) = &live {
        let snapshot = live.snapshot(Phase::End, || since(Instant::now())).await;
        report(Report::Note(&format!(
            "Live API snapshot at the end: {}",
            describe(&snapshot)
        )));
        out.write(&Entry::Live(snapshot))?;
    }
    let summary = Summary {
        ms: since(Instant::now()),
        frames: progress.frames,
        types: progress.types,
        bytes: progress.bytes,
        gaps: progress.gaps,
        reason: reason.to_string(),
    };
    out.write(&Entry::End(summary.clone()))?;
    out.flush()?;
    Ok(summary)
}

/// What the recorder tells its caller as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Report<'a> {
    /// The running counts (about once a second).
    Progress(&'a Progress),
    /// Something worth a line of its own.
    Note(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_counts_are_bounded() {
        let mut progress = Progress::default();
        for i in 0..MAX_TYPES_COUNTED + 50 {
            progress.count(format!("t{i}"));
        }
        progress.count("t0".to_string());
        assert_eq!(progress.types.len(), MAX_TYPES_COUNTED + 1);
        assert_eq!(progress.types.get(OTHER_TYPES), Some(&50));
        assert_eq!(progress.types.get("t0"), Some(&2));
    }
}
