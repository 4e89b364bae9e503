//! One load-generating websocket client: connect, send its filter, wait for the
//! answer, then count and time every event until told to stop.
//!
//! The hot path never parses JSON: it finds the latency stamp by searching the
//! frame's last bytes, because at millions of frames per second a parse per frame
//! would cost more CPU than the server under test. Only a frame that opens like
//! our server's `simNotice` is parsed (see [`super::notice`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::protocol::ServerReply;

use super::latency::LatencySource;
use super::measured::latency_histogram;
use super::notice;
use super::raw::{Incoming, RawSocket, UpgradeError, WsAddress, find, rfind};
use super::setup_failure::{SETUP_TIMEOUT, SetupFailure};

/// Samples a client gathers before taking the shared histogram's lock once.
const SAMPLE_BATCH: usize = 512;

/// What every client of a run shares: counters and the latency histogram.
///
/// Clients count in locals and add them here in batches (every
/// [`SAMPLE_BATCH`] samples, whenever [`Tally::flush_clock`] ticks, and when they
/// end), because at millions of frames a second one shared atomic per frame
/// would cost more than the rest of the client.
#[derive(Debug)]
pub struct Tally {
    /// Latency in microseconds, from the stamp to receipt.
    pub latency: Mutex<Histogram<u64>>,
    /// Events received by measured clients while measuring.
    pub delivered: AtomicU64,
    /// Events received while measuring that carried no usable stamp.
    pub untimed: AtomicU64,
    /// Sequence gaps seen by clients that admit everything (needs `simSeq`).
    pub drops: AtomicU64,
    /// Whether any frame carried `simSeq`, so that zero drops means something.
    pub drops_measurable: AtomicBool,
    /// `simNotice` frames received by measured clients while measuring.
    pub notices: AtomicU64,
    /// Events those notices say the server evicted (the sum of their `dropped`).
    pub evicted_announced: AtomicU64,
    /// Measured clients whose connection the server ended, by close code
    /// (`lost` for a connection lost without a close frame).
    pub disconnects: Mutex<BTreeMap<String, u64>>,
    /// The same for idle clients.
    pub idle_disconnects: Mutex<BTreeMap<String, u64>>,
    /// Clients that could not connect or whose filter was not accepted, by reason.
    pub setup_failures: Mutex<BTreeMap<SetupFailure, u64>>,
    /// Clients that have sent their filter and had it answered.
    pub ready: AtomicU64,
    /// Measured clients among `ready`.
    pub ready_measured: AtomicU64,
    /// Set while the measurement window is open.
    pub measuring: Arc<AtomicBool>,
    /// Ticks while measuring; a client adds its counts here when it sees it change,
    /// so the progress line's running total is no more than a tick behind.
    pub flush_clock: AtomicU64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            latency: Mutex::new(latency_histogram()),
            delivered: AtomicU64::new(0),
            untimed: AtomicU64::new(0),
            drops: AtomicU64::new(0),
            drops_measurable: AtomicBool::new(false),
            notices: AtomicU64::new(0),
            evicted_announced: AtomicU64::new(0),
            disconnects: Mutex::new(BTreeMap::new()),
            idle_disconnects: Mutex::new(BTreeMap::new()),
            setup_failures: Mutex::new(BTreeMap::new()),
            ready: AtomicU64::new(0),
            ready_measured: AtomicU64::new(0),
            measuring: Arc::new(AtomicBool::new(false)),
            flush_clock: AtomicU64::new(0),
        }
    }
}

impl Tally {
    fn record(&self, samples: &mut Vec<u64>, delivered: &mut u64) {
        self.delivered.fetch_add(*delivered, Ordering::Relaxed);
        *delivered = 0;
        if samples.is_empty() {
            return;
        }
        if let Ok(mut histogram) = self.latency.lock() {
            for sample in samples.iter() {
                histogram.saturating_record(*sample);
            }
        }
        samples.clear();
    }

    /// Counts a client that could not take part.
    fn failed(&self, why: SetupFailure) {
        if let Ok(mut map) = self.setup_failures.lock() {
            *map.entry(why).or_default() += 1;
        }
    }

    /// Setup failures so far, all reasons together.
    pub fn setup_failure_total(&self) -> u64 {
        self.setup_failures
            .lock()
            .map_or(0, |map| map.values().sum())
    }

    /// Clients the server closed so far, measured and idle.
    pub fn disconnect_total(&self) -> u64 {
        let sum =
            |map: &Mutex<BTreeMap<String, u64>>| map.lock().map_or(0, |m| m.values().sum::<u64>());
        sum(&self.disconnects) + sum(&self.idle_disconnects)
    }

    fn disconnected(&self, measured: bool, why: String) {
        let map = if measured {
            &self.disconnects
        } else {
            &self.idle_disconnects
        };
        if let Ok(mut map) = map.lock() {
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
    /// Whether this client is measured (not one of the idle ones).
    pub measured: bool,
    /// Whether sequence gaps are drops (the client admits every event).
    pub count_gaps: bool,
    /// Where latency comes from.
    pub latency: LatencySource,
}

/// Why an upgrade failed, as counted.
fn setup_failure(error: &UpgradeError) -> SetupFailure {
    match error {
        UpgradeError::Connect(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
            SetupFailure::ConnectionRefused
        }
        UpgradeError::Connect(_) => SetupFailure::ConnectFailed,
        UpgradeError::Status(status, _) => SetupFailure::Status(*status),
        UpgradeError::Io(_) | UpgradeError::Malformed(_) => SetupFailure::BadUpgrade,
    }
}

/// Runs one client until `stop` fires or its connection ends.
pub async fn run_client(
    plan: ClientPlan,
    tally: Arc<Tally>,
    handshakes: Arc<Semaphore>,
    stop: CancellationToken,
) {
    let Some(address) = WsAddress::parse(&plan.url) else {
        tally.failed(SetupFailure::BadUpgrade);
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
            tally.failed(setup_failure(&err));
            return;
        }
        Err(_) => {
            tally.failed(SetupFailure::Timeout);
            return;
        }
    };
    let message = format!(r#"{{"type":"filter","filters":{}}}"#, plan.filters);
    if ws.send_text(&message).await.is_err() {
        tally.failed(SetupFailure::ClosedBeforeAnswer);
        return;
    }
    let mut answered = false;
    let mut samples = Vec::with_capacity(SAMPLE_BATCH);
    let mut delivered = 0u64;
    let mut flushed_at = tally.flush_clock.load(Ordering::Relaxed);
    let mut last_seq: Option<u64> = None;
    let setup_deadline = tokio::time::Instant::now() + SETUP_TIMEOUT;
    let ending = loop {
        let incoming = tokio::select! {
            biased;
            () = stop.cancelled() => break None,
            () = tokio::time::sleep_until(setup_deadline), if !answered => {
                tally.failed(SetupFailure::Timeout);
                break None;
            }
            incoming = ws.next() => incoming,
        };
        let text = match incoming {
            Ok(Incoming::Text(text)) => text,
            Ok(Incoming::Close(code)) => {
                break Some(code.map_or_else(|| "close".into(), |c| c.to_string()));
            }
            Err(_) => break Some("lost".to_string()),
        };
        if !answered {
            if let Some(reply) = ServerReply::parse(text) {
                answered = true;
                if reply.success() == Some(false) {
                    tally.failed(SetupFailure::FilterRefused);
                    break None;
                }
                tally.ready.fetch_add(1, Ordering::Relaxed);
                if plan.measured {
                    tally.ready_measured.fetch_add(1, Ordering::Relaxed);
                }
            }
            continue;
        }
        if !plan.measured || !tally.measuring.load(Ordering::Relaxed) {
            continue;
        }
        // Not an event: no delivery, no latency sample. Notices are rare (one per
        // overflow at most), so shared atomics cost nothing here.
        if let Some(dropped) = notice::announced(text) {
            tally.notices.fetch_add(1, Ordering::Relaxed);
            tally
                .evicted_announced
                .fetch_add(dropped, Ordering::Relaxed);
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
        let clock = tally.flush_clock.load(Ordering::Relaxed);
        if samples.len() >= SAMPLE_BATCH || clock != flushed_at {
            flushed_at = clock;
            tally.record(&mut samples, &mut delivered);
        }
    };
    tally.record(&mut samples, &mut delivered);
    match ending {
        // Our own stop: close politely, but never wait long for the answer.
        None => {
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close()).await;
        }
        Some(why) if !answered => {
            tracing::debug!(close = %why, "load client closed before its filter was answered");
            tally.failed(SetupFailure::ClosedBeforeAnswer);
        }
        Some(why) => {
            if !stop.is_cancelled() {
                tally.disconnected(plan.measured, why);
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

    /// A websocket text frame from a server (unmasked), any length below 64 KiB.
    fn text_frame(text: &str) -> Vec<u8> {
        let mut frame = vec![0x81];
        match u16::try_from(text.len()) {
            Ok(n) if n < 126 => frame.push(n as u8),
            Ok(n) => {
                frame.push(126);
                frame.extend_from_slice(&n.to_be_bytes());
            }
            Err(_) => panic!("test frames stay below 64 KiB"),
        }
        frame.extend_from_slice(text.as_bytes());
        frame
    }

    #[tokio::test]
    async fn a_notice_is_counted_apart_and_never_as_an_event() {
        let event = |seq: u64, extra: &str| {
            format!(
                r#"{{"type":"userLogin","time":1700000000000{extra},"simSentUs":1700000000000000,"simSeq":{seq}}}"#
            )
        };
        let mut frames = text_frame(r#"{"type":"filterResponse","success":true}"#);
        for text in [
            event(1, ""),
            event(2, r#","note":"{\"type\":\"simNotice\",\"dropped\":50}""#),
            r#"{"type":"simNotice","dropped":5,"reason":"slow consumer"}"#.to_string(),
            event(8, ""),
        ] {
            frames.extend(text_frame(&text));
        }
        frames.extend_from_slice(&[0x88, 2, 0x03, 0xe8]);
        let (address, server) = crate::load::raw::serve_once(frames).await;
        let tally = Arc::new(Tally::default());
        tally.measuring.store(true, Ordering::Relaxed);
        let plan = ClientPlan {
            url: format!("ws://{}{}", address.authority, address.path),
            authorization: None,
            filters: "[]".into(),
            measured: true,
            count_gaps: true,
            latency: LatencySource::Stamp,
        };

        run_client(
            plan,
            Arc::clone(&tally),
            Arc::new(Semaphore::new(1)),
            CancellationToken::new(),
        )
        .await;
        server.await.expect("fake server");

        let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
        assert_eq!(
            load(&tally.delivered),
            3,
            "three events; the notice is not one"
        );
        assert_eq!(
            load(&tally.untimed),
            0,
            "the notice is not an untimed event"
        );
        assert_eq!(tally.latency.lock().map(|h| h.len()).ok(), Some(3));
        assert_eq!(
            (load(&tally.notices), load(&tally.evicted_announced)),
            (1, 5),
            "only the real notice counts, not the event quoting one"
        );
        assert_eq!(load(&tally.drops), 5, "the gap from 2 to 8 is still a gap");
        assert_eq!(tally.disconnect_total(), 1, "the server closed it (1000)");
    }
}
