//! Issue #17 §5: shutdown always finishes. A half-sent request head, a request
//! whose body never comes and a websocket that never answers the close frame
//! used to hold a server open for ever; at the shutdown deadline they are
//! dropped and `run` returns.

use std::time::Duration;

use isymphony_sim::server::{Credentials, ServerConfig, TransportLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{TestServer, within};
use crate::pre_auth::{connect_from, until_stats};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_never_finish_are_dropped_at_the_shutdown_deadline() {
    // Only the deadline can end these connections: every other timeout is long.
    let limits = TransportLimits {
        header_timeout: Duration::from_secs(600),
        body_timeout: Duration::from_secs(600),
        shutdown_timeout: Duration::from_millis(300),
        ..TransportLimits::default()
    };
    let config = ServerConfig::default()
        .with_transport_limits(limits)
        .with_close_timeout(Duration::from_secs(600));
    let server = TestServer::start(config).await;
    let local = [127, 0, 0, 1];

    let mut half_head = connect_from(local, server.addr).await;
    half_head
        .write_all(b"GET /sim/status HTTP/1.1\r\nHost: x\r\nX-")
        .await
        .expect("send");
    let mut no_body = connect_from(local, server.addr).await;
    let request = format!(
        "POST /sim/inject HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Length: 1000\r\n\r\n{{",
        Credentials::default().basic_header()
    );
    no_body.write_all(request.as_bytes()).await.expect("send");
    let deaf = server.connect().await.into_inner();
    until_stats(&server, "three connections in play", |s| {
        s.transport_connections_current + s.connections_current == 3
    })
    .await;

    server.trigger_shutdown();
    let stats = server.stats.clone();
    server.stopped().await;

    let stats = stats.snapshot();
    assert_eq!(stats.connections_current, 0, "{stats:?}");
    assert_eq!(stats.transport_connections_current, 0, "{stats:?}");
    let mut rest = Vec::new();
    let ended = within("the dropped request to end", no_body.read_to_end(&mut rest)).await;
    assert!(
        ended.is_err() || rest.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&rest)
    );
    drop((half_head, deaf));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_that_answers_the_close_lets_shutdown_finish_before_the_deadline() {
    let limits = TransportLimits {
        shutdown_timeout: Duration::from_secs(600),
        ..TransportLimits::default()
    };
    let server = TestServer::start(ServerConfig::default().with_transport_limits(limits)).await;
    let mut client = server.connect().await;
    client
        .send(Message::text("{\"type\":\"filter\",\"filters\":[]}"))
        .await;

    // Answering the close frame is what lets this finish well inside PATIENCE.
    server.shut_down([client]).await;
}
