//! Issue #17 §2 and §4: connections are bounded before anyone is authenticated,
//! and only HTTP/1.1 (and websocket) is served. 127.0.0.2 plays the hostile
//! source; the well-behaved client connects from 127.0.0.1. Every bound is shown
//! by the counters of `/sim/status`, which account for each hostile connection;
//! waits are on those counters, never on the clock.

use std::net::SocketAddr;
use std::time::Duration;

use isymphony_sim::server::{
    Cidr, Credentials, MAX_REQUEST_HEAD_BYTES, ServerConfig, StatsSnapshot, TransportLimits,
    descriptor_limit,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::events::login;
use crate::harness::{TestServer, within};

const HOSTILE: [u8; 4] = [127, 0, 0, 2];

/// A TCP connection to `addr` from the loopback address `from`.
pub async fn connect_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from((from, 0)))
        .expect("bind a loopback source address");
    within("a TCP connection", socket.connect(addr))
        .await
        .expect("connect")
}

/// Waits until the server's counters satisfy `done`.
pub async fn until_stats(server: &TestServer, what: &str, done: impl Fn(&StatsSnapshot) -> bool) {
    within(what, async {
        while !done(&server.stats.snapshot()) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// Everything the server sends on `socket` until it closes it.
async fn read_until_closed(socket: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    // A reset also ends the connection; what came before it is kept.
    let _ = within("the server to close", socket.read_to_end(&mut bytes)).await;
    String::from_utf8_lossy(&bytes).into_owned()
}

fn transport(change: impl FnOnce(&mut TransportLimits)) -> ServerConfig {
    let mut limits = TransportLimits::default();
    change(&mut limits);
    ServerConfig::default().with_transport_limits(limits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holding_idle_sockets_cannot_lock_others_out() {
    let server = TestServer::start(transport(|t| {
        t.max_pending_per_address = 16;
        t.header_timeout = Duration::from_secs(60);
    }))
    .await;
    const IDLE: u64 = 300;

    let mut hostile = Vec::new();
    for _ in 0..IDLE {
        hostile.push(connect_from(HOSTILE, server.addr).await);
    }
    until_stats(&server, "every idle socket to be decided", |s| {
        s.pending_connections + s.refused_pending_per_address == IDLE
    })
    .await;
    let mut client = server.connect().await;
    let (_, reply) = client.set_filters("[]").await;
    server.publish(vec![login("sam", 1)]).await;
    let received = client.window().await;

    let stats = server.stats.snapshot();
    assert_eq!(reply["success"], true);
    assert_eq!(received.len(), 1, "the well-behaved client is served");
    assert_eq!(stats.pending_connections, 16, "{stats:?}");
    assert_eq!(stats.refused_pending_per_address, IDLE - 16, "{stats:?}");
    drop(hostile);
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_connections_are_bounded_in_all() {
    let server = TestServer::start(transport(|t| {
        t.max_pending = 3;
        t.header_timeout = Duration::from_secs(60);
    }))
    .await;

    let mut held = Vec::new();
    for last in 2..=4 {
        held.push(connect_from([127, 0, 0, last], server.addr).await);
    }
    until_stats(&server, "three pending", |s| s.pending_connections == 3).await;
    let mut over = connect_from([127, 0, 0, 5], server.addr).await;
    let refused = read_until_closed(&mut over).await;
    drop(held);
    until_stats(&server, "the held ones to go", |s| {
        s.pending_connections == 0
    })
    .await;
    let client = server.connect().await;

    assert!(refused.starts_with("HTTP/1.1 503"), "{refused:?}");
    assert_eq!(server.stats.snapshot().refused_pending_limit, 1);
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptors_are_kept_free_by_closing_what_is_over_the_limit() {
    let Some(fds) = descriptor_limit() else {
        return; // no descriptor limit on this platform: nothing to keep free
    };
    // Room for three connections open at once, whatever `ulimit -n` is.
    let server = TestServer::start(transport(|t| {
        t.fd_reserve = usize::try_from(fds - 3).expect("fits");
        t.header_timeout = Duration::from_secs(60);
    }))
    .await;

    let mut held = Vec::new();
    for last in 2..=4 {
        held.push(connect_from([127, 0, 0, last], server.addr).await);
    }
    until_stats(&server, "three open", |s| {
        s.transport_connections_current == 3
    })
    .await;
    let mut over = connect_from([127, 0, 0, 5], server.addr).await;
    let refused = read_until_closed(&mut over).await;
    drop(held);
    until_stats(&server, "the held ones to go", |s| {
        s.transport_connections_current == 0
    })
    .await;
    let client = server.connect().await;

    assert!(refused.starts_with("HTTP/1.1 503"), "{refused:?}");
    assert_eq!(server.stats.snapshot().refused_descriptor_limit, 1);
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_address_is_closed_at_accept_without_being_read() {
    let only_one: Cidr = "127.0.0.1/32".parse().expect("cidr");
    let server = TestServer::start(ServerConfig::default().with_allow(vec![only_one])).await;
    // Unfinished 363 KiB request heads, as in the report.
    let head = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Filler: {}",
        "a".repeat(363 * 1024)
    );
    const TRIES: u64 = 50;

    for _ in 0..TRIES {
        let mut socket = connect_from(HOSTILE, server.addr).await;
        // The server may close before the head is written; that is the point.
        let _ = socket.write_all(head.as_bytes()).await;
        let answer = read_until_closed(&mut socket).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 403"),
            "{answer:?}"
        );
    }
    until_stats(&server, "every refusal", |s| s.refused_address == TRIES).await;
    until_stats(&server, "nothing held", |s| {
        s.transport_connections_current == 0
    })
    .await;

    let stats = server.stats.snapshot();
    assert_eq!(stats.pending_connections, 0, "{stats:?}");
    assert_eq!(stats.refused_no_credentials, 0, "no request was ever read");
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_slow_request_heads_are_closed_at_the_header_timeout() {
    let server =
        TestServer::start(transport(|t| t.header_timeout = Duration::from_millis(300))).await;
    const SILENT: u64 = 5;

    let mut silent = Vec::new();
    for _ in 0..SILENT {
        silent.push(connect_from(HOSTILE, server.addr).await);
    }
    // Slowloris: one byte at a time, never a whole head (at most 2,000 bytes).
    let mut slow = connect_from(HOSTILE, server.addr).await;
    let trickle = async {
        for byte in b"GET / HTTP/1.1\r\nX-Slow: "
            .iter()
            .chain(&[b'a'; 2000])
            .take(2000)
        {
            if slow.write_all(&[*byte]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    };
    let cut_off = within("the slow head to be cut off", trickle).await;
    until_stats(&server, "every silent or slow head to time out", |s| {
        s.header_timeouts == SILENT + 1
    })
    .await;
    for socket in &mut silent {
        assert_eq!(read_until_closed(socket).await, "", "closed without a word");
    }

    assert!(cut_off, "the server closed the slow connection");
    assert_eq!(server.stats.snapshot().pending_connections, 0);
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_finishes_gets_408_at_the_body_timeout() {
    let server =
        TestServer::start(transport(|t| t.body_timeout = Duration::from_millis(300))).await;
    let mut socket = connect_from([127, 0, 0, 1], server.addr).await;
    let request = format!(
        "POST /sim/inject HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Length: 100\r\n\r\n{{\"type\":",
        Credentials::default().basic_header()
    );

    socket.write_all(request.as_bytes()).await.expect("send");
    let answer = read_until_closed(&mut socket).await;

    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("--body-timeout"), "{answer:?}");
    let stats = server.stats.snapshot();
    assert_eq!(
        (stats.body_timeouts, stats.events_injected),
        (1, 0),
        "{stats:?}"
    );
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticated_connection_stops_being_pending_and_a_refused_one_is_closed() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut anonymous = connect_from([127, 0, 0, 1], server.addr).await;

    let client = server.connect().await;
    until_stats(&server, "the websocket to leave the pending count", |s| {
        s.pending_connections == 1
    })
    .await;
    let wrong = Credentials::new("manager", "guess").basic_header();
    anonymous
        .write_all(
            format!("GET /sim/status HTTP/1.1\r\nHost: x\r\nAuthorization: {wrong}\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("send");
    let refused = read_until_closed(&mut anonymous).await;

    assert!(refused.starts_with("HTTP/1.1 403"), "{refused:?}");
    assert!(
        refused.to_ascii_lowercase().contains("connection: close"),
        "{refused:?}"
    );
    until_stats(&server, "the refused connection to go", |s| {
        s.pending_connections == 0
    })
    .await;
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_over_the_limit_is_431() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut socket = connect_from([127, 0, 0, 1], server.addr).await;
    let head = format!(
        "GET /sim/status HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(MAX_REQUEST_HEAD_BYTES + 1024)
    );

    let _ = socket.write_all(head.as_bytes()).await;
    let answer = read_until_closed(&mut socket).await;

    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer:?}"
    );
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_is_not_served_on_the_plain_port() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut socket = connect_from([127, 0, 0, 1], server.addr).await;
    // The HTTP/2 connection preface and an empty SETTINGS frame (prior knowledge).
    let mut preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    preface.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);

    socket.write_all(&preface).await.expect("send");
    let answer = read_until_closed(&mut socket).await;

    // An HTTP/2 server would answer with its own SETTINGS frame (type 4).
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 "),
        "{:?}",
        answer.as_bytes()
    );
    server.shut_down([]).await;
}

/// Sends one raw upgrade request and returns the status line and the body.
async fn raw_upgrade(server: &TestServer, version: &str, key: &str) -> String {
    let mut socket = connect_from([127, 0, 0, 1], server.addr).await;
    let request = format!(
        "GET /communication_manager/ws/event {version}\r\nHost: x\r\nAuthorization: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n",
        Credentials::default().basic_header()
    );
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut answer = vec![0_u8; 4096];
    let n = within("an answer", socket.read(&mut answer))
        .await
        .expect("read");
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_with_a_bad_key_or_over_http_1_0_are_400() {
    let server = TestServer::start(ServerConfig::default()).await;

    let empty = raw_upgrade(&server, "HTTP/1.1", "").await;
    let short = raw_upgrade(&server, "HTTP/1.1", "c2hvcnQ=").await;
    let garbage = raw_upgrade(&server, "HTTP/1.1", "not base64 at all!").await;
    let old = raw_upgrade(&server, "HTTP/1.0", "dGhlIHNhbXBsZSBub25jZQ==").await;
    let good = raw_upgrade(&server, "HTTP/1.1", "dGhlIHNhbXBsZSBub25jZQ==").await;

    for answer in [&empty, &short, &garbage] {
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
        assert!(answer.contains("Sec-WebSocket-Key"), "{answer:?}");
    }
    assert!(
        old.starts_with("HTTP/1.0 400") || old.starts_with("HTTP/1.1 400"),
        "{old:?}"
    );
    assert!(old.contains("HTTP/1.1 (RFC 6455"), "{old:?}");
    assert!(good.starts_with("HTTP/1.1 101"), "{good:?}");
    assert_eq!(server.stats.snapshot().refused_not_websocket, 4);
    server.shut_down([]).await;
}
