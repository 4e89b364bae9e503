//! The first minute of `serve` through a real socket: a client connected right
//! after the banner gets its first event within the promised 5 s of virtual time,
//! the banner says when it is due, and the activity line comes now and then unless
//! `--quiet`. The seed is `serve`'s own random one, printed on failure.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};

use futures_util::StreamExt;
use isymphony_sim::server::Credentials;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{BIN, PATIENCE};

/// What the banner promises at the default speed (proved for every seed in virtual
/// time by the scenario tests).
const FIRST_EVENT_WITHIN_MS: i64 = 5_000;

struct Started {
    child: Child,
    stdout: BufReader<ChildStdout>,
    banner: Vec<String>,
    host: String,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Started {
    fn line(&self, prefix: &str) -> &str {
        self.banner
            .iter()
            .map(|l| l.trim_start())
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| {
                panic!(
                    "no `{prefix}` line in the banner:\n{}",
                    self.banner.join("\n")
                )
            })
    }

    /// Stops the server and returns the rest of what it printed.
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let mut rest = String::new();
        let _ = self.stdout.read_to_string(&mut rest);
        rest
    }

    async fn connect(
        &self,
    ) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>
    {
        let url = format!("ws://{}/communication_manager/ws/event", self.host);
        let mut request = url.into_client_request().expect("request");
        let header = Credentials::default()
            .basic_header()
            .parse()
            .expect("header");
        request.headers_mut().insert("authorization", header);
        tokio_tungstenite::connect_async(request)
            .await
            .expect("connect")
            .0
    }
}

/// `serve` with `args` on a free port; returns once the banner is read.
fn start(args: &[&str]) -> Started {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--log", "warn"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut banner = Vec::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("banner") == 0 {
            panic!("serve ended during its banner:\n{}", banner.join(""));
        }
        let last = line.trim_start().starts_with("next event:");
        banner.push(line.trim_end().to_string());
        if last {
            break;
        }
    }
    let host = banner[0]
        .split("ws://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("host:port in the first banner line")
        .to_string();
    Started {
        child,
        stdout,
        banner,
        host,
    }
}

/// `GET /sim/status` over a plain socket of our own.
async fn status(host: &str) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!(
        "GET /sim/status HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        Credentials::default().basic_header()
    );
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut raw = String::new();
    tokio::time::timeout(PATIENCE, socket.read_to_string(&mut raw))
        .await
        .expect("an answer in time")
        .expect("read");
    let body = raw.split_once("\r\n\r\n").expect("a whole response").1;
    serde_json::from_str(body).expect("status is JSON")
}

/// The next event's `time` on `ws`, within the safety net.
async fn next_event_time(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> i64 {
    loop {
        let frame = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("an event before the safety net");
        match frame {
            Some(Ok(Message::Text(text))) => {
                let event: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                return event["time"].as_i64().expect("an event with a time");
            }
            Some(Ok(_)) => {}
            other => panic!("the connection ended: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_connected_after_the_banner_gets_events_within_seconds() {
    let served = start(&[]);
    let seed = served.line("seed:").to_string();
    let mut ws = served.connect().await;
    // Read after connecting, so the connection came no later than this moment.
    let at = status(&served.host).await;

    let time = next_event_time(&mut ws).await;

    let epoch = at["epoch"].as_i64().expect("epoch");
    let connected_by = at["virtualMs"].as_i64().expect("virtualMs");
    let waited = time - epoch - connected_by;
    assert!(
        waited <= FIRST_EVENT_WITHIN_MS,
        "{seed}: the first event came {waited} ms of virtual time after the connection"
    );
    assert!(
        served
            .line("next event:")
            .starts_with("next event: in 1s (09:00:01"),
        "{}",
        served.line("next event:")
    );
    assert!(served.line("next event:").contains("--speed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_activity_line_comes_now_and_then_and_quiet_turns_it_off() {
    for (quiet, expect_lines) in [(false, true), (true, false)] {
        let mut args = vec!["--speed", "10", "--activity-every", "50ms", "--seed", "3"];
        if quiet {
            args.push("--quiet");
        }
        let served = start(&args);
        let mut ws = served.connect().await;
        let epoch = status(&served.host).await["epoch"].as_i64().expect("epoch");
        // Wait on events, not on a clock: 5 s of virtual time at 10x is at least
        // 500 ms of wall time, ten periods of the activity line.
        while next_event_time(&mut ws).await - epoch < 5_000 {}
        drop(ws);

        let printed = served.stop();

        let lines: Vec<&str> = printed
            .lines()
            .filter(|l| l.starts_with("activity: "))
            .collect();
        assert_eq!(
            !lines.is_empty(),
            expect_lines,
            "--quiet {quiet}:\n{printed}"
        );
        if let Some(line) = lines.first() {
            assert!(
                line.contains("on the scenario's clock") && line.contains("connected"),
                "{line}"
            );
        }
    }
}

#[test]
fn sigterm_right_after_the_banner_stops_the_server_gracefully() {
    // The handlers must be in place before the banner is printed: a signal then used
    // to kill the process instead (exit by signal 15).
    for _ in 0..5 {
        let mut served = start(&["--quiet"]);
        let _ = Command::new("kill")
            .args(["-TERM", &served.child.id().to_string()])
            .status();
        let status = served.child.wait().expect("wait");
        assert!(status.success(), "serve exits 0 on SIGTERM, got {status:?}");
    }
}
