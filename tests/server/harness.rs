//! A server on a free port and websocket clients that speak to it the way an
//! integration developer's client would (tokio-tungstenite, Basic auth header).
//!
//! Nothing here sleeps to synchronise: a client knows it is attached when a ping
//! it sent comes back (the session answers pings only once it is on the bus), and
//! it knows it has seen everything published so far when the reply to a filter
//! message arrives (replies travel through the bus, in order with the events).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::server::session::PING_PAYLOAD;
use isymphony_sim::server::{
    Credentials, EVENT_PATH, EmptyFeed, EventFeed, Publisher, Server, ServerConfig, Stats,
};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

/// The safety net for every wait; tests never rely on it for timing.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Awaits `future`, failing the test with `what` if it takes longer than [`PATIENCE`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {PATIENCE:?} waiting for {what}"),
    }
}

/// A running server on 127.0.0.1 with a free port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub publisher: Publisher,
    pub stats: Arc<Stats>,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Starts a server with `config` and no feed.
    pub async fn start(config: ServerConfig) -> TestServer {
        TestServer::start_with_feed(config, EmptyFeed).await
    }

    /// Starts a server with `config` playing `feed`.
    pub async fn start_with_feed(config: ServerConfig, feed: impl EventFeed) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let addr = listener.local_addr().expect("bound address");
        let server = Server::new(config).expect("valid config");
        let publisher = server.publisher();
        let stats = server.stats();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server.run(listener, feed, shutdown.clone().cancelled_owned()));
        TestServer {
            addr,
            publisher,
            stats,
            shutdown,
            task,
        }
    }

    /// The Event API URL.
    pub fn url(&self) -> String {
        format!("ws://{}{EVENT_PATH}", self.addr)
    }

    /// Connects with the default credentials and waits until the session is on the bus.
    pub async fn connect(&self) -> Client {
        let mut client = self
            .try_connect(Some(&Credentials::default()))
            .await
            .expect("websocket upgrade accepted");
        client.ready().await;
        client
    }

    /// Connects with `credentials` (none: no Authorization header).
    pub async fn try_connect(&self, credentials: Option<&Credentials>) -> Result<Client, WsError> {
        let request = self.request(credentials);
        let (ws, _response) = within(
            "the websocket handshake",
            tokio_tungstenite::connect_async(request),
        )
        .await?;
        Ok(Client::new(ws))
    }

    /// Connects over a socket with a tiny receive buffer, so that a client that
    /// stops reading backs the server up after little data.
    pub async fn connect_with_small_buffer(&self) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("set SO_RCVBUF");
        let stream = socket.connect(self.addr).await.expect("connect");
        let request = self.request(Some(&Credentials::default()));
        let (ws, _) = within(
            "the websocket handshake",
            tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)),
        )
        .await
        .expect("websocket upgrade accepted");
        let mut client = Client::new(ws);
        client.ready().await;
        client
    }

    fn request(
        &self,
        credentials: Option<&Credentials>,
    ) -> tokio_tungstenite::tungstenite::handshake::client::Request {
        let mut request = self.url().into_client_request().expect("valid URL");
        if let Some(credentials) = credentials {
            let value = credentials.basic_header().parse().expect("header value");
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        request
    }

    /// Publishes `events` and waits until the bus has taken them.
    pub async fn publish(&self, events: Vec<isymphony_sim::protocol::Event>) {
        within("the bus to take events", self.publisher.publish(events))
            .await
            .expect("server running");
    }

    /// Shuts down with `clients` still connected: each must get a 1001 close frame
    /// (answering it lets its session finish at once), then `run` must return.
    pub async fn shut_down(self, clients: impl IntoIterator<Item = Client>) {
        self.trigger_shutdown();
        for mut client in clients {
            let (code, reason, _) =
                within("a close frame at shutdown", client.expect_close()).await;
            assert_eq!((code, reason.as_str()), (1001, "server shutting down"));
        }
        self.stopped().await;
    }

    /// Fires the shutdown future without waiting.
    pub fn trigger_shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Waits for `run` to return.
    pub async fn stopped(self) {
        within("the server to stop", self.task)
            .await
            .expect("server task");
    }
}

/// One websocket client.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The filters list last sent (JSON text), re-sent to mark the end of a window.
    filters: String,
}

impl Client {
    fn new(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Client {
        Client {
            ws,
            filters: "[]".to_string(),
        }
    }

    /// The websocket itself, for tests that read and write concurrently.
    pub fn into_inner(self) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
        self.ws
    }

    /// Sends a ping and waits for its pong: the session is then on the bus.
    /// Events that a running feed delivers before the pong are passed over.
    pub async fn ready(&mut self) {
        self.send(Message::Ping(b"ready".to_vec().into())).await;
        loop {
            match self.recv().await {
                Message::Pong(payload) if payload.as_ref() == b"ready" => return,
                Message::Text(_) => {}
                other => panic!("expected the pong, got {other:?}"),
            }
        }
    }

    /// Sends one frame.
    pub async fn send(&mut self, message: Message) {
        within("a send", self.ws.send(message))
            .await
            .expect("send to server");
    }

    /// Sends one text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.send(Message::text(text)).await;
    }

    /// The next frame but the server's keep-alive pings (tungstenite answers them).
    pub async fn recv(&mut self) -> Message {
        loop {
            match self.recv_any().await {
                Message::Ping(payload) if payload.as_ref() == PING_PAYLOAD => {}
                message => return message,
            }
        }
    }

    /// The next frame, whatever it is.
    pub async fn recv_any(&mut self) -> Message {
        match within("a frame from the server", self.ws.next()).await {
            Some(Ok(message)) => message,
            Some(Err(err)) => panic!("websocket error while waiting for a frame: {err}"),
            None => panic!("connection ended while waiting for a frame"),
        }
    }

    /// The next text frame, decoded; panics on anything else.
    pub async fn recv_json(&mut self) -> Value {
        match self.recv().await {
            Message::Text(text) => {
                serde_json::from_str(text.as_str()).expect("server frames are JSON")
            }
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Events received until the next `filterResponse`, and that reply.
    pub async fn events_until_reply(&mut self) -> (Vec<Value>, Value) {
        let mut events = Vec::new();
        loop {
            let frame = self.recv_json().await;
            if frame["type"] == "filterResponse" {
                return (events, frame);
            }
            events.push(frame);
        }
    }

    /// Sends a filter message with `filters` (a JSON list) and returns the events
    /// that arrived before its reply, and the reply.
    pub async fn set_filters(&mut self, filters: &str) -> (Vec<Value>, Value) {
        self.send_text(&format!(r#"{{"type":"filter","filters":{filters}}}"#))
            .await;
        let (events, reply) = self.events_until_reply().await;
        if reply["success"] == true {
            self.filters = filters.to_string();
        }
        (events, reply)
    }

    /// Every event published since the last reply: re-sends the filters in force
    /// (which changes nothing) and collects what arrives before the reply.
    pub async fn window(&mut self) -> Vec<Value> {
        let filters = self.filters.clone();
        let (events, reply) = self.set_filters(&filters).await;
        assert_eq!(
            reply["success"], true,
            "re-sending the filters failed: {reply}"
        );
        events
    }

    /// Reads until the server drops the connection (cleanly or not), failing if a
    /// close frame or event arrives instead.
    pub async fn expect_end(&mut self) {
        match within("the server to drop the connection", self.ws.next()).await {
            None | Some(Err(_)) => {}
            Some(Ok(message)) => panic!("expected the connection to end, got {message:?}"),
        }
    }

    /// Starts the closing handshake from the client side.
    pub async fn close(&mut self, code: u16, reason: &str) {
        let frame = CloseFrame {
            code: code.into(),
            reason: reason.into(),
        };
        within("sending a close frame", self.ws.close(Some(frame)))
            .await
            .expect("close sent");
    }

    /// Reads until a close frame and returns its code and reason, plus how many
    /// frames came before it; what happens to the connection afterwards is not
    /// looked at (a server may end it without waiting for the answer).
    pub async fn expect_close_frame(&mut self) -> (u16, String, usize) {
        let mut skipped = 0;
        loop {
            match self.recv().await {
                Message::Close(Some(frame)) => {
                    return (frame.code.into(), frame.reason.to_string(), skipped);
                }
                Message::Close(None) => panic!("close frame without a code"),
                _ => skipped += 1,
            }
        }
    }

    /// Reads until a close frame and returns its code and reason, plus how many
    /// frames came before it. Then reads on, which sends the close answer, until
    /// the server ends the connection: the server's session is over on return.
    pub async fn expect_close(&mut self) -> (u16, String, usize) {
        let mut skipped = 0;
        let (code, reason) = loop {
            match self.recv().await {
                Message::Close(Some(frame)) => break (frame.code.into(), frame.reason.to_string()),
                Message::Close(None) => panic!("close frame without a code"),
                _ => skipped += 1,
            }
        };
        while let Some(next) = within("the server to end the connection", self.ws.next()).await {
            if let Err(err) = next {
                panic!("the connection failed instead of closing cleanly: {err}");
            }
        }
        (code, reason, skipped)
    }
}
