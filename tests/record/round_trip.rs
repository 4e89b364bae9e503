//! `--to-scenario` round trip: record our own serve playing a scenario, convert
//! the capture, play the converted scenario with the `play` command, and compare
//! its output with the capture's catalogue events (object ids renamed by an
//! independent rule here, since the converted scenario draws its own).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use isymphony_sim::protocol::Profile;
use isymphony_sim::record::capture::Header;
use isymphony_sim::record::connect::Endpoint;
use isymphony_sim::record::convert::to_scenario;
use isymphony_sim::record::snapshot::derived_live;
use isymphony_sim::record::writer::CaptureWriter;
use isymphony_sim::record::{Capture, RecordOptions, record};
use isymphony_sim::scenario::{Player, Scenario};
use isymphony_sim::server::{Credentials, EVENT_PATH, Server, ServerConfig};
use serde_json::{Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::common::{arg, run, stderr, within};

const EPOCH: i64 = 1_700_000_000_000;

/// A capture being written to memory, readable while it grows.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn bytes(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// `POST path` on our server; the status code and body.
async fn post(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        Credentials::default().basic_header()
    );
    socket.write_all(head.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    socket.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

/// Records our own server playing `scenario` paused, stepped to its end.
pub async fn capture_of_our_serve(scenario: Scenario, seed: u64) -> Capture {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = Server::new(ServerConfig::default().with_paused(true)).expect("config");
    let publisher = server.publisher();
    let player = Player::new(scenario, seed, EPOCH, Profile::Standard, false).expect("player");
    let shutdown = CancellationToken::new();
    let serving = tokio::spawn(server.run(listener, player, shutdown.clone().cancelled_owned()));

    let target = Endpoint::parse(&format!("ws://{addr}{EVENT_PATH}"), ("ws", "wss")).expect("url");
    let options = RecordOptions {
        live: Some(derived_live(&target)),
        target: target.clone(),
        credentials: Credentials::default(),
        tls: None,
        duration: None,
    };
    let buffer = Shared::default();
    let header = Header::new(target.shown("ws"), None, EPOCH, String::new());
    let writer = CaptureWriter::start(buffer.clone(), &header).expect("header");
    let stop = CancellationToken::new();
    let stop_recording = stop.clone();
    let recording = tokio::spawn(async move {
        record(&options, writer, stop_recording.cancelled_owned(), |_| {}).await
    });
    // Attached means on the bus: the dispatcher lists it, so no step is missed.
    within("the recorder to attach", async {
        while publisher.clients().await.map(|c| c.len()).unwrap_or(0) == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;

    let mut published = 0u64;
    loop {
        let (code, body) = within("a step", post(addr, "/sim/step")).await;
        if code == 409 {
            break;
        }
        assert_eq!(code, 200, "{body}");
        let stepped: Value = serde_json::from_str(&body).expect("JSON");
        published += stepped["events"].as_u64().unwrap_or(0);
    }
    within("the recorder to have every frame", async {
        loop {
            let frames = Capture::parse(&buffer.bytes(), "mem").map(|c| c.frames().count() as u64);
            if frames.unwrap_or(0) >= published {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
    stop.cancel();
    within("the recorder", recording)
        .await
        .expect("task")
        .expect("recorded");
    shutdown.cancel();
    within("the server", serving).await.expect("server task");
    Capture::parse(&buffer.bytes(), "our-serve.jsonl").expect("a capture")
}

/// Each event with its ids renamed by first appearance (this test's own rule:
/// values of keys ending in `Id`, `Id1`, `Id2`).
fn renamed(events: &[Map<String, Value>]) -> Vec<Value> {
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    events
        .iter()
        .map(|event| {
            let mut out = event.clone();
            for (key, value) in out.iter_mut() {
                let id_key = ["Id", "Id1", "Id2"].iter().any(|s| key.ends_with(s));
                if let (true, Value::String(id)) = (id_key, &value) {
                    let next = names.len();
                    let n = *names.entry(id.clone()).or_insert(next);
                    *value = Value::String(format!("id{n}"));
                }
            }
            Value::Object(out)
        })
        .collect()
}

fn objects(lines: impl Iterator<Item = String>) -> Vec<Map<String, Value>> {
    lines
        .filter_map(|line| serde_json::from_str::<Value>(&line).ok())
        .filter_map(|v| v.as_object().cloned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_of_our_serve_converts_into_a_scenario_whose_play_equals_it() {
    let scenario =
        Scenario::from_file(std::path::Path::new("tests/record/fixtures/roundtrip.toml"))
            .expect("the fixture");
    let capture = capture_of_our_serve(scenario, 11).await;
    let captured = objects(
        capture
            .frames()
            .filter(|f| f.catalogue)
            .filter_map(|f| f.text.clone()),
    );
    assert_eq!(
        captured.len(),
        12,
        "every event of the fixture was captured"
    );
    assert!(capture.first_snapshot().is_some());

    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("converted.toml");
    let conversion = to_scenario(&capture, &arg(&out)).expect("converts");
    assert!(
        conversion.raw.is_empty(),
        "nothing left raw: {:?}",
        conversion.raw
    );
    assert!(
        conversion.differences.is_empty(),
        "{:?}",
        conversion.differences
    );
    std::fs::write(&out, &conversion.toml).expect("write");

    let epoch = conversion.epoch_ms.to_string();
    let played = within(
        "play",
        run(["play", "--scenario", &arg(&out), "--epoch", &epoch]
            .map(String::from)
            .to_vec()),
    )
    .await;
    assert!(played.status.success(), "{}", stderr(&played));
    let played = objects(
        String::from_utf8_lossy(&played.stdout)
            .lines()
            .map(str::to_string),
    );

    assert_eq!(renamed(&played), renamed(&captured));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_reports_raw_events_and_differences() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("odd.jsonl");
    let frames = crate::recording::odd_frames();
    let all: Vec<&str> = frames.iter().map(String::as_str).collect();
    std::fs::write(&capture, crate::damage::capture_bytes(&all)).expect("write");
    let out = dir.path().join("odd.toml");

    let output = within(
        "to-scenario",
        run([
            "record",
            "--to-scenario",
            &arg(&capture),
            "--out",
            &arg(&out),
        ]
        .map(String::from)
        .to_vec()),
    )
    .await;

    let message = stderr(&output);
    // The logout names a user who never logged in: the model refuses it, so it stays raw too.
    assert!(
        message.contains("4 frame(s) kept as raw events"),
        "{message}"
    );
    assert!(message.contains("not reproduced: userLogout"), "{message}");
    assert!(
        message.contains("`parkedCall` is not a catalogue event type"),
        "{message}"
    );
    let toml = std::fs::read_to_string(&out).expect("the scenario");
    assert!(toml.contains("# raw at = "), "{toml}");
    assert!(
        Scenario::from_toml(&toml, "odd.toml").is_ok(),
        "the output is a valid scenario"
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "differences are failures found: {message}"
    );
}
