//! What the browser tests run against: our server on a free port of 127.0.0.1,
//! a second server on another port that serves a test page (so the page has
//! another origin, as a widget on `http://localhost:3000` does), a plain HTTP
//! client for `/sim/` and a websocket client for the Event API.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, Scenario, shipped};
use isymphony_sim::server::{Credentials, EVENT_PATH, Server, ServerConfig, Stats};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use crate::cdp::Page;

/// The safety net for every wait on our side.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Virtual time zero of every run here.
pub const EPOCH: i64 = 1_700_000_000_000;

/// The dashboard scenario (see its comment).
pub const WALLBOARD: &str = include_str!("wallboard.toml");

/// Awaits `future`, failing with `what` after [`PATIENCE`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {PATIENCE:?} waiting for {what}"),
    }
}

/// The wallboard, not looping.
pub fn wallboard() -> Player {
    let scenario =
        Scenario::from_toml(WALLBOARD, "wallboard.toml").expect("wallboard.toml is valid");
    Player::new(scenario, 11, EPOCH, Profile::Standard, false).expect("the model takes it")
}

/// A shipped scenario with `seed`, not looping.
pub fn shipped_player(name: &str, seed: u64) -> Player {
    let scenario = shipped::find(name)
        .expect("a shipped scenario")
        .scenario()
        .expect("valid");
    Player::new(scenario, seed, EPOCH, Profile::Standard, false).expect("the model takes it")
}

/// Our server, running.
pub struct Sim {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl Sim {
    /// Starts a server with `config` (paused, whatever it says) playing `feed`.
    pub async fn start(config: ServerConfig, feed: Player) -> Sim {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        Sim::serve(listener, config, feed)
    }

    /// As [`Sim::start`], on the port a stopped server had: a server coming back.
    pub async fn restart_on(addr: SocketAddr, config: ServerConfig, feed: Player) -> Sim {
        let listener = TcpListener::bind(addr)
            .await
            .expect("the old port, free again");
        Sim::serve(listener, config, feed)
    }

    fn serve(listener: TcpListener, config: ServerConfig, feed: Player) -> Sim {
        let addr = listener.local_addr().expect("address");
        let server = Server::new(config.with_paused(true)).expect("valid config");
        let stats = server.stats();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server.run(listener, feed, shutdown.clone().cancelled_owned()));
        Sim {
            addr,
            stats,
            shutdown,
            task,
        }
    }

    /// `METHOD path` with `body` and the default credentials: status and body.
    pub async fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        within(
            &format!("{method} {path}"),
            exchange(self.addr, method, path, body),
        )
        .await
    }

    /// `POST /sim/step[?to=batch]`: the answer's JSON, `None` when the run is over (409).
    pub async fn step(&self, query: &str) -> Option<Value> {
        let (status, body) = self.request("POST", &format!("/sim/step{query}"), "").await;
        match status {
            200 => Some(serde_json::from_str(&body).expect("JSON")),
            409 => None,
            other => panic!("POST /sim/step{query}: {other} {body}"),
        }
    }

    /// Steps one batch at a time until virtual time reaches `ms`.
    pub async fn step_to(&self, ms: u64) {
        loop {
            let stepped = self.step("?to=batch").await.expect("the run goes on");
            if stepped["virtualMs"].as_u64().expect("virtualMs") >= ms {
                return;
            }
        }
    }

    /// An Event API client with the default credentials whose `filters` are in force.
    pub async fn client(&self, filters: &str) -> EventClient {
        let mut request = format!("ws://{}{EVENT_PATH}", self.addr)
            .into_client_request()
            .expect("URL");
        let value = Credentials::default()
            .basic_header()
            .parse()
            .expect("header");
        request.headers_mut().insert(AUTHORIZATION, value);
        let (ws, _) = within(
            "the websocket handshake",
            tokio_tungstenite::connect_async(request),
        )
        .await
        .expect("upgrade accepted");
        let mut client = EventClient { ws };
        client
            .send(&format!(r#"{{"type":"filter","filters":{filters}}}"#))
            .await;
        let (_, reply) = client.until_reply().await;
        assert_eq!(reply["success"], true, "{reply}");
        client
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        within("the server to stop", self.task)
            .await
            .expect("server task");
    }
}

async fn exchange(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        Credentials::default().basic_header(),
        body.len()
    );
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    socket.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("a response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    (status, body.to_string())
}

/// An Event API connection of ours, for reference streams.
pub struct EventClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl EventClient {
    pub async fn send(&mut self, text: &str) {
        within("a send", self.ws.send(Message::text(text)))
            .await
            .expect("sent");
    }

    /// The events until the next `filterResponse`, and that reply.
    pub async fn until_reply(&mut self) -> (Vec<Value>, Value) {
        let mut events = Vec::new();
        loop {
            let message = within("a frame", self.ws.next())
                .await
                .expect("open")
                .expect("a frame");
            let Message::Text(text) = message else {
                continue;
            };
            let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if value["type"] == "filterResponse" {
                return (events, value);
            }
            events.push(value);
        }
    }

    /// Reads until the server closes the connection (answering its close frame).
    pub async fn until_close(&mut self) {
        while let Some(Ok(message)) = within("the close", self.ws.next()).await {
            if message.is_close() {
                return;
            }
        }
    }

    /// Everything published since the last reply: re-sends `filters` (changing
    /// nothing) and collects what comes before the reply.
    pub async fn window(&mut self, filters: &str) -> Vec<Value> {
        self.send(&format!(r#"{{"type":"filter","filters":{filters}}}"#))
            .await;
        self.until_reply().await.0
    }
}

/// A listener for the test page, bound first so its origin is known before the
/// server under test is configured.
pub struct PageHost {
    listener: TcpListener,
}

impl PageHost {
    pub async fn bind() -> PageHost {
        PageHost {
            listener: TcpListener::bind("127.0.0.1:0").await.expect("bind port 0"),
        }
    }

    /// `http://127.0.0.1:PORT`, as the browser sends it in `Origin`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.listener.local_addr().expect("address"))
    }

    /// Serves `html` for every request until dropped; returns the page's URL.
    pub fn serve(self, html: String) -> (String, JoinHandle<()>) {
        let url = format!("{}/widget.html", self.origin());
        let html = Arc::new(html);
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = self.listener.accept().await {
                let html = Arc::clone(&html);
                tokio::spawn(async move {
                    // One request per connection; the request itself is not looked at.
                    let mut head = [0_u8; 4096];
                    let _ = socket.read(&mut head).await;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                        html.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        (url, task)
    }
}

/// Where a failing test's screenshot goes: under `target/`.
pub fn failure_shot(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser-failures")
        .join(format!("{name}.png"))
}

/// Ends a test whose checks ran under `catch_unwind`: if they panicked, saves
/// a screenshot of the page under `target/` first, says where, and panics on.
pub async fn finish(name: &str, page: &mut Page<'_>, outcome: std::thread::Result<()>) {
    if let Err(panic) = outcome {
        let path = failure_shot(name);
        page.screenshot(&path).await;
        eprintln!(
            "screenshot of the page when {name} failed: {}",
            path.display()
        );
        std::panic::resume_unwind(panic);
    }
}
