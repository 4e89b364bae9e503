//! Servers for `isymphony-sim load` to measure side by side (not a criterion bench):
//!
//! - `ours`: isymphony-sim's server playing the synthetic office at `--rate`
//!   events/s, with the load stamp on;
//! - `plain`: a plain tokio-tungstenite broadcast server without filtering, fed the
//!   same events with the same stamp: the websocket stack's ceiling. It answers
//!   every client message with a success filterResponse and ignores it.
//!
//! ```text
//! cargo bench --bench load_targets -- ours  --rate 20000 --seconds 40 [--quiet 10] [--listen 127.0.0.1:58081] [--slow-consumer disconnect|drop-oldest]
//! cargo bench --bench load_targets -- plain --rate 20000 --seconds 40 [--quiet 10]
//! ```
//! `--quiet S` sends no events for the first S seconds, so thousands of clients
//! can connect and set their filters before the traffic starts.
//! Both listen on loopback only, print their URL, report their RSS every 5 s on
//! stderr and stop by themselves after `--seconds`. Under plain `cargo bench` (no
//! mode given) this does nothing.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::ValueEnum as _;
use futures_util::{SinkExt, StreamExt};
use isymphony_sim::load::synthetic::{EventMaker, SyntheticFeed};
use isymphony_sim::protocol::Event;
use isymphony_sim::server::{
    DEFAULT_SLOW_CONSUMER, EVENT_PATH, EventFeed, Server, ServerConfig, SlowConsumer,
};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio_tungstenite::tungstenite::Message;

/// Frames a plain-server client may have waiting, as in our server's default.
const QUEUE: usize = 1024;

struct Options {
    mode: String,
    rate: f64,
    seconds: u64,
    quiet: u64,
    listen: SocketAddr,
    /// `ours` only: what a full client queue does, as `serve --slow-consumer`.
    slow_consumer: SlowConsumer,
}

fn options() -> Option<Options> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args
        .first()
        .filter(|m| *m == "ours" || *m == "plain")?
        .clone();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let listen: SocketAddr = value("--listen")
        .unwrap_or_else(|| "127.0.0.1:0".into())
        .parse()
        .ok()?;
    if !listen.ip().is_loopback() {
        eprintln!("load_targets listens on loopback only");
        return None;
    }
    let slow_consumer = match value("--slow-consumer") {
        None => DEFAULT_SLOW_CONSUMER,
        Some(policy) => match SlowConsumer::from_str(&policy, false) {
            Ok(policy) => policy,
            Err(_) => {
                eprintln!("--slow-consumer: `{policy}` is not disconnect or drop-oldest");
                return None;
            }
        },
    };
    Some(Options {
        mode,
        slow_consumer,
        rate: value("--rate")
            .and_then(|r| r.parse().ok())
            .unwrap_or(1000.0),
        seconds: value("--seconds")
            .and_then(|s| s.parse().ok())
            .unwrap_or(30),
        quiet: value("--quiet").and_then(|s| s.parse().ok()).unwrap_or(0),
        listen,
    })
}

fn main() {
    let Some(options) = options() else {
        println!("load_targets: give `ours` or `plain` (see the file's docs); nothing to do");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind(options.listen).await.expect("bind");
        let addr = listener.local_addr().expect("address");
        println!("{} listening on ws://{addr}{EVENT_PATH}", options.mode);
        let baseline = memory();
        eprintln!("before clients: {baseline}");
        tokio::spawn(report_memory());
        let run_for = Duration::from_secs(options.seconds);
        let quiet = Duration::from_secs(options.quiet);
        if options.mode == "ours" {
            ours(
                listener,
                options.rate,
                quiet,
                run_for,
                options.slow_consumer,
            )
            .await;
        } else {
            plain(listener, options.rate, quiet, run_for).await;
        }
        eprintln!("at the end: {}", memory());
    });
}

/// A feed that starts after a quiet period.
struct Delayed {
    feed: SyntheticFeed,
    delay_ms: u64,
}

impl EventFeed for Delayed {
    fn next_due(&mut self) -> Option<u64> {
        self.feed.next_due().map(|due| due + self.delay_ms)
    }

    fn advance(&mut self) -> Vec<Event> {
        self.feed.advance()
    }
}

async fn ours(
    listener: TcpListener,
    rate: f64,
    quiet: Duration,
    run_for: Duration,
    slow_consumer: SlowConsumer,
) {
    let delay_ms = quiet.as_millis() as u64;
    let playing = run_for.saturating_sub(quiet).as_millis() as u64;
    let feed = Delayed {
        feed: SyntheticFeed::new(7, rate, now_ms() + delay_ms as i64, playing),
        delay_ms,
    };
    let config = ServerConfig::default()
        .with_send_stamp(true)
        .with_slow_consumer(slow_consumer);
    let server = Server::new(config).expect("config");
    let stats = server.stats();
    server
        .run(listener, feed, tokio::time::sleep(run_for))
        .await;
    let snapshot = stats.snapshot();
    eprintln!(
        "ours ({slow_consumer}): published {} encoded {} delivered {} slow-consumer kicks {} dropped-oldest {} notices {} connections {}",
        snapshot.events_published,
        snapshot.events_encoded,
        snapshot.frames_delivered,
        snapshot.slow_consumer_disconnects,
        snapshot.frames_dropped_oldest,
        snapshot.notices_sent,
        snapshot.connections_total
    );
}

type Clients = Arc<Mutex<Vec<mpsc::Sender<Message>>>>;

async fn plain(listener: TcpListener, rate: f64, quiet: Duration, run_for: Duration) {
    let clients: Clients = Arc::default();
    let accepting = tokio::spawn(accept_plain(listener, Arc::clone(&clients)));
    tokio::time::sleep(quiet).await;
    let run_for = run_for.saturating_sub(quiet);
    let mut maker = EventMaker::new(7);
    let start = Instant::now();
    let epoch = now_ms();
    let mut emitted = 0u64;
    let mut left_out = 0u64;
    let mut frames = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    while start.elapsed() < run_for {
        tick.tick().await;
        let due = (rate * start.elapsed().as_secs_f64()) as u64;
        let time = epoch + start.elapsed().as_millis() as i64;
        while emitted < due && frames.len() < 4096 {
            frames.push(stamped(&maker.next_event(time), emitted));
            emitted += 1;
        }
        // Client-major, as our dispatcher does, so each writer wakes to a batch.
        // A client whose queue is full is left out from then on without being
        // told (its socket stays open): what a plain broadcast does, counted here.
        if let Ok(mut clients) = clients.lock() {
            clients.retain(|queue| {
                match frames.iter().try_for_each(|f| queue.try_send(f.clone())) {
                    Ok(()) => true,
                    Err(TrySendError::Full(_)) => {
                        left_out += 1;
                        false
                    }
                    Err(TrySendError::Closed(_)) => false,
                }
            });
        }
        frames.clear();
    }
    accepting.abort();
    let delivered = clients.lock().map(|c| c.len()).unwrap_or(0);
    eprintln!(
        "plain: published {emitted}, {left_out} clients left out silently (queue full), {delivered} clients still connected"
    );
}

async fn accept_plain(listener: TcpListener, clients: Clients) {
    while let Ok((socket, _)) = listener.accept().await {
        let _ = socket.set_nodelay(true);
        let clients = Arc::clone(&clients);
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(socket).await else {
                return;
            };
            let (mut sink, mut stream) = ws.split();
            let (queue, mut frames) = mpsc::channel::<Message>(QUEUE);
            let replies = queue.clone();
            if let Ok(mut clients) = clients.lock() {
                clients.push(queue);
            }
            tokio::spawn(async move {
                while let Some(Ok(message)) = stream.next().await {
                    if message.is_text() {
                        let reply = Message::text(r#"{"type":"filterResponse","success":true}"#);
                        if replies.send(reply).await.is_err() {
                            break;
                        }
                    }
                }
            });
            let mut batch = Vec::with_capacity(256);
            while frames.recv_many(&mut batch, 256).await > 0 {
                for frame in batch.drain(..) {
                    if sink.feed(frame).await.is_err() {
                        return;
                    }
                }
                if sink.flush().await.is_err() {
                    return;
                }
            }
        });
    }
}

/// The event's JSON with the same `simSentUs`/`simSeq` stamp our server adds.
fn stamped(event: &Event, seq: u64) -> Message {
    let mut json = event.to_json();
    json.pop();
    let sent_us = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    json.push_str(&format!(r#","simSentUs":{sent_us},"simSeq":{seq}}}"#));
    Message::text(json)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// RSS and peak RSS of this process, from /proc.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .map_or("?".to_string(), |l| l[name.len()..].trim().to_string())
    };
    // utime and stime, fields 14 and 15 of /proc/self/stat, in clock ticks (100/s).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    format!(
        "rss {} peak {} cpu {:.1}s",
        field("VmRSS:"),
        field("VmHWM:"),
        ticks as f64 / 100.0
    )
}

async fn report_memory() {
    let start = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        eprintln!("t={:>3}s {}", start.elapsed().as_secs(), memory());
    }
}
