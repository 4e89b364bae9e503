//! `serve --replay` as a user runs it: the binary on a free port, a websocket
//! client with Basic auth, and a small HTTP client for `/sim/` and the Live API.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::server::Credentials;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::{sim, within};

/// A `serve --replay` process; killed when dropped.
pub struct Served {
    pub addr: SocketAddr,
    child: Child,
}

impl Drop for Served {
    fn drop(&mut self) {
        // Our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// Starts `serve --listen 127.0.0.1:0 --replay CAPTURE` with `extra` flags
    /// and reads the bound address from the banner.
    pub async fn start(capture: &std::path::Path, extra: &[&str]) -> Served {
        let capture = capture.display().to_string();
        let mut args = vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--replay",
            &capture,
            "--log",
            "warn",
        ];
        args.extend_from_slice(extra);
        let mut child = sim(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let first = within(
            "the banner",
            tokio::task::spawn_blocking(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                line
            }),
        )
        .await
        .expect("banner task");
        let addr = first
            .split("ws://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("no address in the banner: {first:?}"));
        Served { addr, child }
    }

    /// Connects a client and waits until it is on the bus (a ping comes back
    /// only then), so it misses nothing published after.
    pub async fn connect(&self) -> Client {
        let mut request = format!("ws://{}/communication_manager/ws/event", self.addr)
            .into_client_request()
            .expect("URL");
        let value = Credentials::default()
            .basic_header()
            .parse()
            .expect("header");
        request.headers_mut().insert(AUTHORIZATION, value);
        let (ws, _) = within("the upgrade", tokio_tungstenite::connect_async(request))
            .await
            .expect("upgrade accepted");
        let mut client = Client { ws };
        within(
            "the ping",
            client.ws.send(Message::Ping(b"ready".to_vec().into())),
        )
        .await
        .expect("send");
        match client.next().await {
            Message::Pong(payload) if payload.as_ref() == b"ready" => client,
            other => panic!("expected the pong first, got {other:?}"),
        }
    }

    /// One HTTP request with the default credentials: status and body.
    pub async fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        within("an HTTP answer", async {
            let mut socket = TcpStream::connect(self.addr).await.expect("connect");
            let head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                self.addr,
                Credentials::default().basic_header(),
                body.len()
            );
            socket.write_all(head.as_bytes()).await.expect("send");
            let mut raw = Vec::new();
            socket.read_to_end(&mut raw).await.expect("read");
            let text = String::from_utf8_lossy(&raw).into_owned();
            let code = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
            let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
            (code, body)
        })
        .await
    }

    /// `POST /sim/step`: the virtual ms of the batch it published.
    pub async fn step(&self) -> u64 {
        let (code, body) = self.http("POST", "/sim/step", "").await;
        assert_eq!(code, 200, "step: {body}");
        let stepped: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        stepped["virtualMs"].as_u64().expect("virtualMs")
    }
}

/// A websocket client of the replaying server.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// The next frame, pings aside.
    pub async fn next(&mut self) -> Message {
        loop {
            match within("a frame", self.ws.next()).await {
                Some(Ok(Message::Ping(_))) => {}
                Some(Ok(message)) => return message,
                other => panic!("the connection ended: {other:?}"),
            }
        }
    }

    /// The next `n` text frames, exactly as sent.
    pub async fn texts(&mut self, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.next().await {
                Message::Text(text) => out.push(text.as_str().to_string()),
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
        out
    }

    /// Sends one text frame.
    pub async fn send_text(&mut self, text: &str) {
        within("a send", self.ws.send(Message::text(text)))
            .await
            .expect("send");
    }

    /// Sends a filter message and waits for its reply, which it returns.
    pub async fn filter(&mut self, message: &str) -> String {
        within("a send", self.ws.send(Message::text(message)))
            .await
            .expect("send");
        match self.next().await {
            Message::Text(reply) if reply.as_str().contains("\"success\":true") => {
                reply.as_str().to_string()
            }
            other => panic!("expected a success reply, got {other:?}"),
        }
    }
}
