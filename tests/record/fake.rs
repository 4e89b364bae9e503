//! An Event API server of its own, not our `serve`: plain tokio and tungstenite,
//! a script of frames per connection, canned Live API answers, HTTP Basic. The
//! recorder is tested against it so it meets a server it was not written with.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// What the fake does on one connection, in order.
#[derive(Debug, Clone)]
pub enum Step {
    /// Sends one text frame, exactly these bytes.
    Send(String),
    /// Waits this long (wall time).
    Wait(Duration),
    /// Sends a close frame and ends the connection.
    Close,
}

/// The fake's behaviour.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// One script per connection, in connection order; later connections get
    /// the last one's frames again only if listed.
    pub connections: Vec<Vec<Step>>,
    /// Live API answers by path: status and JSON body.
    pub live: BTreeMap<String, (u16, String)>,
    /// The only credentials accepted.
    pub username: String,
    /// The password.
    pub password: String,
}

/// A running fake.
pub struct Fake {
    pub addr: SocketAddr,
    /// Websocket connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    /// The accept loop, stopped when the fake is dropped.
    task: JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Fake {
    /// Starts the fake on a free port of 127.0.0.1.
    pub async fn start(script: Script) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let connections = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(script);
        let counter = Arc::clone(&connections);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let script = Arc::clone(&script);
                let counter = Arc::clone(&counter);
                tokio::spawn(async move { serve(stream, script, counter).await });
            }
        });
        Fake {
            addr,
            connections,
            task,
        }
    }

    /// The Event API URL.
    pub fn url(&self) -> String {
        format!("ws://{}/communication_manager/ws/event", self.addr)
    }
}

fn authorized(header: Option<&str>, script: &Script) -> bool {
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", script.username, script.password));
    header == Some(format!("Basic {expected}").as_str())
}

async fn serve(stream: TcpStream, script: Arc<Script>, counter: Arc<AtomicUsize>) {
    // Look at the request head without taking it, so the websocket library can read it.
    let mut head = vec![0u8; 8192];
    let seen = loop {
        let Ok(n) = stream.peek(&mut head).await else {
            return;
        };
        if n == 0 {
            return;
        }
        if head[..n].windows(4).any(|w| w == b"\r\n\r\n") || n == head.len() {
            break String::from_utf8_lossy(&head[..n]).to_string();
        }
        tokio::task::yield_now().await;
    };
    let upgrade = seen.to_ascii_lowercase().contains("upgrade: websocket");
    if !upgrade {
        answer_http(stream, &seen, &script).await;
        return;
    }
    // The callback type is the websocket library's; its error is large by design.
    #[allow(clippy::result_large_err)]
    let check = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let header = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if authorized(header, &script) {
            Ok(response)
        } else {
            let mut refusal = ErrorResponse::new(Some("no".into()));
            *refusal.status_mut() = StatusCode::UNAUTHORIZED;
            Err(refusal)
        }
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, check).await else {
        return;
    };
    let index = counter.fetch_add(1, Ordering::SeqCst);
    let steps = script.connections.get(index).cloned().unwrap_or_default();
    for step in steps {
        match step {
            Step::Send(text) => {
                if socket.send(Message::text(text)).await.is_err() {
                    return;
                }
            }
            Step::Wait(pause) => tokio::time::sleep(pause).await,
            Step::Close => {
                let _ = socket
                    .close(Some(CloseFrame {
                        code: CloseCode::Away,
                        reason: "fake restarting".into(),
                    }))
                    .await;
                while let Some(Ok(_)) = socket.next().await {}
                return;
            }
        }
    }
    // Hold the connection until the client leaves.
    while let Some(Ok(_)) = socket.next().await {}
}

async fn answer_http(mut stream: TcpStream, head: &str, script: &Script) {
    let mut discard = vec![0u8; head.len()];
    let _ = stream.read_exact(&mut discard).await;
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let header = head.lines().find_map(|l| {
        l.strip_prefix("Authorization: ")
            .or_else(|| l.strip_prefix("authorization: "))
    });
    let (status, body) = if !authorized(header.map(str::trim), script) {
        (401, "unauthorized".to_string())
    } else {
        script
            .live
            .get(path)
            .cloned()
            .unwrap_or((404, "not found".to_string()))
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
