//! One load-generating websocket client: connect, send its filter, wait for the
//! answer, then count and time every event until told to stop.
//!
//! The hot path never parses JSON: it finds the latency stamp by searching the
//! frame text, because at millions of frames per second a parse per frame would
//! cost more CPU than the server under test.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;

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
    let connected = {
        let _permit = handshakes.acquire().await;
        tokio::time::timeout(SETUP_TIMEOUT, connect(&plan)).await
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
    if ws.send(Message::text(message)).await.is_err() {
        tally.failed();
        return;
    }
    let mut answered = false;
    let mut samples = Vec::with_capacity(SAMPLE_BATCH);
    let mut delivered = 0u64;
    let mut last_seq: Option<u64> = None;
    let setup_deadline = tokio::time::Instant::now() + SETUP_TIMEOUT;
    let ending = loop {
        let frame = tokio::select! {
            biased;
            () = stop.cancelled() => break None,
            () = tokio::time::sleep_until(setup_deadline), if !answered => {
                tally.failed();
                break Some("no filter answer".to_string());
            }
            frame = ws.next() => frame,
        };
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(close))) => {
                break Some(
                    close.map_or_else(|| "close".into(), |c| u16::from(c.code).to_string()),
                );
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break Some("error".to_string()),
        };
        let text = text.as_str();
        if !answered {
            if text.contains("\"filterResponse\"") {
                answered = true;
                if text.contains("\"success\":false") {
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
        if let Some(seq) = number_after(text, "\"simSeq\":") {
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
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
        }
        Some(why) => {
            if answered && !stop.is_cancelled() {
                tally.disconnected(why);
            }
        }
    }
}

async fn connect(
    plan: &ClientPlan,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    let mut request = plan.url.as_str().into_client_request()?;
    if let Some(value) = &plan.authorization
        && let Ok(value) = value.parse()
    {
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    // A small read buffer keeps thousands of idle clients cheap; 32 KiB still
    // takes about a hundred frames per read.
    let config = WebSocketConfig::default().read_buffer_size(32 * 1024);
    let (ws, _response) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true).await?;
    Ok(ws)
}

/// Wall clock, Unix microseconds.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// When the event in `text` was sent, Unix microseconds, per `source`.
pub fn sent_us(text: &str, source: LatencySource) -> Option<u64> {
    let stamp = || number_after(text, "\"simSentUs\":");
    let time = || number_after(text, "\"time\":").map(|ms| ms.saturating_mul(1000));
    match source {
        LatencySource::Auto => stamp().or_else(time),
        LatencySource::Stamp => stamp(),
        LatencySource::Time => time(),
    }
}

/// The unsigned integer right after the last `key` in `text`. Our stamp sits at
/// the end of the frame, so searching from the end finds it fastest.
pub fn number_after(text: &str, key: &str) -> Option<u64> {
    let start = text.rfind(key)? + key.len();
    let digits = text.as_bytes()[start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    text.get(start..start + digits)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_found_without_parsing_and_time_is_the_fallback() {
        let stamped = r#"{"type":"hangup","time":1700000000123,"x":"a","simSentUs":1700000000123456,"simSeq":7}"#;
        let plain = r#"{"type":"hangup","time":1700000000123,"x":"a"}"#;
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
        assert_eq!(number_after(stamped, "\"simSeq\":"), Some(7));
        assert_eq!(number_after(r#"{"time":-5}"#, "\"time\":"), None);
    }
}
