//! The `isymphony-sim` binary end to end: `serve` plays the same bytes as `play`,
//! stops cleanly on SIGINT, and `events` keeps provenance visible. Also the
//! repository's references: every cited section and rule exists (`docs_refs`).

mod doc_blocks;
mod docs_refs;
mod filters;
mod first_minute;
mod help;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use isymphony_sim::server::Credentials;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

mod kubernetes;
mod load;

const BIN: &str = env!("CARGO_BIN_EXE_isymphony-sim");
/// Safety net only: every wait below ends on a frame or an exit long before this.
const PATIENCE: Duration = Duration::from_secs(20);

/// A `serve` child process that is killed if the test fails before stopping it.
struct Served {
    child: Child,
    url: String,
    /// Kept open for the child's lifetime, as a terminal would be.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--log", "warn"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut stdout = BufReader::new(stdout);
    let mut first = String::new();
    stdout.read_line(&mut first).expect("banner");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("ws://"))
        .unwrap_or_else(|| panic!("no URL in banner line {first:?}"))
        .to_string();
    Served {
        child,
        url,
        _stdout: stdout,
    }
}

fn play(args: &[&str]) -> Vec<String> {
    let out = Command::new(BIN)
        .arg("play")
        .args(args)
        .output()
        .expect("run play");
    assert!(
        out.status.success(),
        "play failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_sends_the_bytes_play_prints_and_exits_0_on_sigint() {
    // Arrange: the same scenario, seed and epoch for both; serve loops the 5-minute
    // smoke scenario at 100x, play prints six loops of it.
    let common = [
        "--scenario",
        "smoke",
        "--seed",
        "11",
        "--epoch",
        "1700000000000",
    ];
    let expected = play(&[&common[..], &["--until", "30m"]].concat());
    let mut served = serve(&[&common[..], &["--speed", "100"]].concat());
    let mut request = served.url.as_str().into_client_request().expect("request");
    let header = Credentials::default()
        .basic_header()
        .parse()
        .expect("header");
    request.headers_mut().insert("authorization", header);
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");

    // Act: take 40 events, then interrupt the server.
    let mut received = Vec::new();
    while received.len() < 40 {
        let frame = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("an event in time");
        match frame {
            Some(Ok(Message::Text(text))) => received.push(text.to_string()),
            Some(Ok(_)) => {}
            other => panic!("connection ended early: {other:?}"),
        }
    }
    let status = Command::new("kill")
        .args(["-INT", &served.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut close_code = None;
    while let Ok(Some(frame)) = tokio::time::timeout(PATIENCE, ws.next()).await {
        if let Ok(Message::Close(Some(frame))) = frame {
            close_code = Some(frame.code);
        }
    }
    let exit = served.child.wait().expect("wait");

    // Assert: what the client got is a contiguous run of play's output, byte for byte.
    let found = expected
        .windows(received.len())
        .any(|w| w == received.as_slice());
    assert!(
        found,
        "serve's stream is not a run of play's output\nreceived first: {}\nplay first: {}",
        received[0], expected[0]
    );
    assert_eq!(
        close_code,
        Some(CloseCode::Away),
        "1001 going away on shutdown"
    );
    assert!(exit.success(), "serve exits 0 after SIGINT, got {exit:?}");
}

/// One HTTP/1.1 request with the default credentials over a fresh connection;
/// returns the status code and the body.
async fn http(served: &Served, method: &str, path: &str) -> (u16, String) {
    http_with(served, method, path, "").await
}

/// [`http`] with a body.
async fn http_with(served: &Served, method: &str, path: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = served
        .url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("host:port in the URL");
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        Credentials::default().basic_header(),
        body.len()
    );
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut raw = String::new();
    tokio::time::timeout(PATIENCE, socket.read_to_string(&mut raw))
        .await
        .expect("an answer in time")
        .expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a whole response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    (status, body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_paused_sends_nothing_until_stepped_then_the_bytes_play_prints() {
    let common = [
        "--scenario",
        "smoke",
        "--seed",
        "11",
        "--epoch",
        "1700000000000",
    ];
    let expected = play(&[&common[..], &["--until", "1m"]].concat());
    let served = serve(&[&common[..], &["--paused"]].concat());
    let mut request = served.url.as_str().into_client_request().expect("request");
    let header = Credentials::default()
        .basic_header()
        .parse()
        .expect("header");
    request.headers_mut().insert("authorization", header);
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");

    let (_, status) = http(&served, "GET", "/sim/status").await;
    let mut stepped = serde_json::Value::Null;
    while stepped["events"].as_u64().unwrap_or(0) == 0 {
        let (code, body) = http(&served, "POST", "/sim/step").await;
        assert_eq!(code, 200, "{body}");
        stepped = serde_json::from_str(&body).expect("step answers JSON");
    }
    let frame = tokio::time::timeout(PATIENCE, ws.next())
        .await
        .expect("an event in time");

    let status: serde_json::Value = serde_json::from_str(&status).expect("status is JSON");
    assert_eq!(
        (status["paused"].clone(), status["virtualMs"].clone()),
        (serde_json::json!(true), serde_json::json!(0))
    );
    let Some(Ok(Message::Text(text))) = frame else {
        panic!("expected the stepped event, got {frame:?}");
    };
    assert_eq!(text.as_str(), expected[0], "the first event play prints");
    let event: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        event["time"].as_u64(),
        stepped["virtualMs"]
            .as_u64()
            .map(|ms| 1_700_000_000_000 + ms)
    );
}

#[test]
fn serve_refuses_a_broken_scenario_naming_the_file_and_line() {
    let dir = std::env::temp_dir().join(format!("isym-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("broken.toml");
    std::fs::write(&path, "[scenario]\nname = \"x\"\nlength = \"5 minutes\"\n").expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--scenario"])
        .arg(&path)
        .output()
        .expect("run serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("broken.toml:3:"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing is served");
}

#[test]
fn events_lists_every_entry_with_its_provenance() {
    let out = Command::new(BIN)
        .args(["events", "--json"])
        .output()
        .expect("run events");
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let entries = doc["events"].as_array().expect("events");
    let marks: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or(""),
                e["provenance"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        marks,
        [
            ("userLogin", "documented"),
            ("userLogout", "documented"),
            ("userStatus", "documented"),
            ("agentLogin", "documented"),
            ("agentLogout", "documented"),
            ("linkEnd", "documented"),
            ("hangup", "documented"),
            ("confRoomCallLeave", "documented"),
            ("dial", "inferred"),
        ]
    );
    assert_eq!(doc["baseProperties"][1]["name"], "time");
}

#[test]
fn serve_never_echoes_a_password_the_user_chose() {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--log", "warn"])
        .env("ISYM_PASSWORD", "s3cret-Pa55")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut banner = String::new();
    while !banner.contains("press Ctrl-C") {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("banner") == 0 {
            break;
        }
        banner.push_str(&line);
    }
    let _ = child.kill();
    let _ = child.wait();

    assert!(
        banner.contains("credentials: manager / (as set by"),
        "{banner}"
    );
    assert!(!banner.contains("s3cret-Pa55"), "{banner}");
}

/// Sends SIGINT and waits for a clean exit.
fn interrupt(mut served: Served) {
    let status = Command::new("kill")
        .args(["-INT", &served.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = served.child.wait().expect("wait");
    assert!(exit.success(), "serve exits 0 after SIGINT, got {exit:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_state_keeps_what_a_client_provisioned_across_restarts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.jsonl");
    let state_arg = state.to_str().expect("a UTF-8 path");
    let base = "/communication_manager/api/resource";

    let served = serve(&["--empty", "--state", state_arg]);
    let (code, _) = http(
        &served,
        "GET",
        &format!("{base}/server/coreServers/getBySlug/default"),
    )
    .await;
    assert_eq!(code, 404, "--empty has no core server");
    let body = r#"{"slug":"default","id":"0c5e7e52-1111-4e6a-9a51-000000000001"}"#;
    let (code, answer) = http_with(
        &served,
        "POST",
        &format!("{base}/server/coreServers/"),
        body,
    )
    .await;
    assert_eq!(code, 201, "{answer}");
    interrupt(served);
    let saved = std::fs::read_to_string(&state).expect("saved at exit");
    assert!(
        saved.contains("0c5e7e52-1111-4e6a-9a51-000000000001"),
        "{saved}"
    );

    let served = serve(&["--empty", "--state", state_arg]);
    let (code, answer) = http(
        &served,
        "GET",
        &format!("{base}/server/coreServers/getBySlug/default"),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    assert!(
        answer.contains("0c5e7e52-1111-4e6a-9a51-000000000001"),
        "{answer}"
    );
    let (code, _) = http(
        &served,
        "GET",
        "/communication_manager/rest/live/coreServers/getByName/default",
    )
    .await;
    assert_eq!(code, 200, "the Live API sees the loaded core server");
    interrupt(served);
}

#[test]
fn serve_refuses_a_damaged_state_file_naming_the_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("damaged.jsonl");
    std::fs::write(
        &state,
        "{\"isymphony-sim state\":1}\n{\"coreServer\": nope}\n",
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--state"])
        .arg(&state)
        .output()
        .expect("run serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("damaged.jsonl:2: not JSON"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing is served");
}

/// Issue #17 §5: the child's exit, or a failure after [`PATIENCE`].
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "serve did not exit within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` (such as `-TERM`) to the child.
fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// A request whose body never comes: it holds a graceful shutdown until the deadline.
async fn hold_a_request(served: &Served) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let host = served
        .url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("host");
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!(
        "POST /sim/inject HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\nContent-Length: 1000\r\n\r\n{{",
        Credentials::default().basic_header()
    );
    socket.write_all(request.as_bytes()).await.expect("send");
    socket
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_exits_0_at_its_shutdown_deadline() {
    let mut served = serve(&["--shutdown-timeout", "500ms", "--body-timeout", "1h"]);
    let held = hold_a_request(&served).await;

    signal(&served.child, "-TERM");
    let exit = wait_exit(&mut served.child);

    assert!(exit.success(), "{exit:?}");
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_makes_serve_exit_at_once() {
    // Without the second signal this would wait an hour.
    let mut served = serve(&["--shutdown-timeout", "1h", "--body-timeout", "1h"]);
    let held = hold_a_request(&served).await;
    let host = served
        .url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("host")
        .to_string();

    signal(&served.child, "-TERM");
    // The first signal is taken once the listener stops accepting.
    let started = std::time::Instant::now();
    while tokio::net::TcpStream::connect(&host).await.is_ok() {
        assert!(
            started.elapsed() < PATIENCE,
            "the first signal was not taken"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    signal(&served.child, "-INT");
    let exit = wait_exit(&mut served.child);

    assert!(exit.success(), "{exit:?}");
    drop(held);
}

/// Issue #17 §6: numeric flags out of range stop `serve` at once with exit 2
/// and the range, instead of panicking later in every session.
#[test]
fn serve_refuses_numeric_flags_out_of_range() {
    for (flag, value, needle) in [
        ("--client-queue", "2305843009213693952", "--client-queue"),
        ("--max-message-bytes", "1", "--max-message-bytes"),
        ("--ping-interval", "9999999h", "longer than a day"),
        ("--speed", "1e308", "0.001"),
        ("--epoch", "9223372036854775807", "out of range"),
        ("--max-pending", "0", "--max-pending"),
    ] {
        let out = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", flag, value])
            .output()
            .expect("run serve");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(needle), "{flag} {value}: {err}");
    }
}
