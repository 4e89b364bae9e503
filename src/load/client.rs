//! One load-generating websocket client: connect, send its filter, wait for the
//! answer, then count and time every event until told to stop.
//!
//! The hot path never parses JSON: it finds the latency stamp by searching the
//! frame's last bytes, because at millions of frames per second a parse per frame
//! would cost more CPU than the server under test.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::protocol::ServerReply;

use super::raw::{Incoming, RawSocket, WsAddress, find, rfind};

/// Samples a client gathers before taking the shared histogram's lock once.
const SAMPLE_BATCH: usize = 512;

/// How long a handshake or a filter answer may take before the client gives up.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(15);

/// Where latency is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LatencySource {
    /// `simSentUs` when the server stamps events, else the `time` property.
    Auto,
    /// Only `simSentUs` (our server with stamping on); frames without it are not timed.
    Stamp,
    /// Only the `time` property (a server whose clock is aligned to wall time);
    /// millisecond resolution.
    Time,
}

impl LatencySource {
    /// Where latency was read from, for the text report.
    pub fn describe(self) -> &'static str {
        match self {
            LatencySource::Auto => "simSentUs where stamped, else time",
            LatencySource::Stamp => "simSentUs",
            LatencySource::Time => "the time property",
        }
    }
}

/// What every client of a run shares: counters and the latency histogram.
#[derive(Debug)]
pub struct Tally {
    /// Latency in microseconds, from the stamp to receipt.
    pub latency: Mutex<Histogram<u64>>,
    /// Events received while measuring.
    pub delivered: AtomicU64,
    /// Events received while measuring that carried no usable stamp.
    pub untimed: AtomicU64,
    /// Sequence gaps seen by clients that admit everything (needs `simSeq`).
    pub drops: AtomicU64,
    /// Whether any frame carried `simSeq`, so that zero drops means something.
    pub drops_measurable: AtomicBool,
    /// Clients whose connection ended before the run did, by close code
    /// ("error" for a connection lost without a close frame).
    pub disconnects: Mutex<BTreeMap<String, u64>>,
    /// Clients that could not connect or whose filter was not accepted.
    pub setup_failures: AtomicU64,
    /// Clients that have sent their filter and had it answered.
    pub ready: AtomicU64,
    /// Set while the measurement window is open.
    pub measuring: AtomicBool,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            // 1 µs to 1 h at 3 significant figures; the bounds are constants, so
            // construction cannot fail in practice, and a fallback keeps it total.
            latency: Mutex::new(
                Histogram::new_with_bounds(1, 3_600_000_000, 3)
                    .or_else(|_| Histogram::new(3))
                    .unwrap_or_else(|_| unreachable!("3 significant figures are valid")),
            ),
            delivered: AtomicU64::new(0),
            untimed: AtomicU64::new(0),
            drops: AtomicU64::new(0),
            drops_measurable: AtomicBool::new(false),
            disconnects: Mutex::new(BTreeMap::new()),
            setup_failures: AtomicU64::new(0),
            ready: AtomicU64::new(0),
            measuring: AtomicBool::new(false),
        }
    }
}

impl Tally {
    fn record(&self, samples: &mut Vec<u64>) {
        if let Ok(mut histogram) = self.latency.lock() {
            for sample in samples.iter() {
                histogram.saturating_record(*sample);
            }
        }
        samples.clear();
    }

    /// Counts a client that could not take part.
    fn failed(&self) {
        self.setup_failures.fetch_add(1, Ordering::Relaxed);
    }

    fn disconnected(&self, why: String) {
        if let Ok(mut map) = self.disconnects.lock() {
            *map.entry(why).or_default() += 1;
        }
    }
}

/// How one client connects and what it asks for.
#[derive(Debug, Clone)]
pub struct ClientPlan {
    /// The Event API URL.
    pub url: String,
    /// The `Authorization` header value, if any.
    pub authorization: Option<String>,
    /// The `filters` list to send (JSON text).
    pub filters: String,
    /// Whether sequence gaps are drops (the client admits every event).
    pub count_gaps: bool,
    /// Where latency comes from.
    pub latency: LatencySource,
}

/// Runs one client until `stop` fires or its connection ends.
pub async fn run_client(
    plan: ClientPlan,
    tally: Arc<Tally>,
    handshakes: Arc<Semaphore>,
    stop: CancellationToken,
) {
    let Some(address) = WsAddress::parse(&plan.url) else {
        tally.failed();
        return;
    };
    let connected = {
        let _permit = handshakes.acquire().await;
        tokio::time::timeout(
            SETUP_TIMEOUT,
            RawSocket::connect(&address, plan.authorization.as_deref()),
        )
        .await
    };
    let mut ws = match connected {
        Ok(Ok(ws)) => ws,
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "load client could not connect");
            tally.failed();
            return;
        }
        Err(_) => {
            tally.failed();
            return;
        }
    };
    let message = format!(r#"{{"type":"filter","filters":{}}}"#, plan.filters);
    if ws.send_text(&message).await.is_err() {
        tally.failed();
        return;
    }
    let mut answered = false;
    let mut samples = Vec::with_capacity(SAMPLE_BATCH);
    let mut delivered = 0u64;
    let mut last_seq: Option<u64> = None;
    let setup_deadline = tokio::time::Instant::now() + SETUP_TIMEOUT;
    let ending = loop {
        let incoming = tokio::select! {
            biased;
            () = stop.cancelled() => break None,
            () = tokio::time::sleep_until(setup_deadline), if !answered => {
                tally.failed();
                break Some("no filter answer".to_string());
            }
            incoming = ws.next() => incoming,
        };
        let text = match incoming {
            Ok(Incoming::Text(text)) => text,
            Ok(Incoming::Close(code)) => {
                break Some(code.map_or_else(|| "close".into(), |c| c.to_string()));
            }
            Err(_) => break Some("error".to_string()),
        };
        if !answered {
            if let Some(reply) = ServerReply::parse(text) {
                answered = true;
                if reply.success() == Some(false) {
                    tally.failed();
                    break Some("filter refused".to_string());
                }
                tally.ready.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        }
        if !tally.measuring.load(Ordering::Relaxed) {
            continue;
        }
        delivered += 1;
        let received_us = now_us();
        match sent_us(text, plan.latency) {
            Some(sent) => samples.push(received_us.saturating_sub(sent).max(1)),
            None => {
                tally.untimed.fetch_add(1, Ordering::Relaxed);
            }
        }
        if let Some(seq) = stamp_number(text, SEQ_KEY) {
            if plan.count_gaps
                && let Some(last) = last_seq
                && seq > last + 1
            {
                tally.drops.fetch_add(seq - last - 1, Ordering::Relaxed);
            }
            last_seq = Some(seq);
            tally.drops_measurable.store(true, Ordering::Relaxed);
        }
        if samples.len() >= SAMPLE_BATCH {
            tally.delivered.fetch_add(delivered, Ordering::Relaxed);
            delivered = 0;
            tally.record(&mut samples);
        }
    };
    tally.delivered.fetch_add(delivered, Ordering::Relaxed);
    tally.record(&mut samples);
    match ending {
        // Our own stop: close politely, but never wait long for the answer.
        None => {
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close()).await;
        }
        Some(why) => {
            if answered && !stop.is_cancelled() {
                tally.disconnected(why);
            }
        }
    }
}

/// Wall clock, Unix microseconds.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

const STAMP_KEY: &[u8] = b"\"simSentUs\":";
const SEQ_KEY: &[u8] = b"\"simSeq\":";
const TIME_KEY: &[u8] = b"\"time\":";

/// How far from the end of a frame our stamp can start: both stamp fields with
/// 20-digit numbers and the closing brace.
const STAMP_TAIL: usize = 80;

/// When the event in `text` was sent, Unix microseconds, per `source`.
pub fn sent_us(text: &[u8], source: LatencySource) -> Option<u64> {
    let stamp = || stamp_number(text, STAMP_KEY);
    let time = || {
        number_at(text, find(text, TIME_KEY)? + TIME_KEY.len()).map(|ms| ms.saturating_mul(1000))
    };
    match source {
        LatencySource::Auto => stamp().or_else(time),
        LatencySource::Stamp => stamp(),
        LatencySource::Time => time(),
    }
}

/// The number after `key` among the stamp fields at the end of the frame.
pub fn stamp_number(text: &[u8], key: &[u8]) -> Option<u64> {
    let tail_start = text.len().saturating_sub(STAMP_TAIL);
    let at = tail_start + rfind(&text[tail_start..], key)? + key.len();
    number_at(text, at)
}

/// The unsigned decimal integer starting at `at`.
fn number_at(text: &[u8], at: usize) -> Option<u64> {
    let digits = text.get(at..)?.iter().take_while(|b| b.is_ascii_digit());
    let mut value: u64 = 0;
    let mut any = false;
    for digit in digits {
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
        any = true;
    }
    any.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_found_without_parsing_and_time_is_the_fallback() {
        let stamped = br#"{"type":"hangup","time":1700000000123,"x":"a","simSentUs":1700000000123456,"simSeq":7}"#;
        let plain = br#"{"type":"hangup","time":1700000000123,"x":"a"}"#;
        assert_eq!(
            sent_us(stamped, LatencySource::Auto),
            Some(1_700_000_000_123_456)
        );
        assert_eq!(
            sent_us(plain, LatencySource::Auto),
            Some(1_700_000_000_123_000)
        );
        assert_eq!(sent_us(plain, LatencySource::Stamp), None);
        assert_eq!(
            sent_us(stamped, LatencySource::Time),
            Some(1_700_000_000_123_000)
        );
        assert_eq!(stamp_number(stamped, SEQ_KEY), Some(7));
        assert_eq!(sent_us(br#"{"time":-5}"#, LatencySource::Time), None);
        assert_eq!(stamp_number(plain, SEQ_KEY), None);
    }
}
