//! A server's life: a feed playing onto the bus, and a graceful shutdown.

use isymphony_sim::protocol::Event;
use isymphony_sim::server::{EventFeed, MAX_CLIENT_MESSAGE, ServerConfig};

use crate::events::login;
use crate::harness::{TestServer, within};

/// One login every 10 virtual ms for 100 virtual seconds; `time` numbers them.
struct Ticker {
    next: u64,
}

impl EventFeed for Ticker {
    fn next_due(&mut self) -> Option<u64> {
        (self.next < 10_000).then_some(self.next * 10)
    }

    fn advance(&mut self) -> Vec<Event> {
        let event = login("1001", self.next as i64);
        self.next += 1;
        vec![event]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_plays_onto_the_bus_in_order() {
    // Speed 10: a batch every wall millisecond, so a client connecting at any
    // point in the first ten seconds sees a run of consecutive events.
    let server =
        TestServer::start_with_feed(ServerConfig::default().with_speed(10.0), Ticker { next: 0 })
            .await;
    let mut client = server.connect().await;

    let mut times = Vec::new();
    for _ in 0..20 {
        let frame = client.recv_json().await;
        times.push(frame["time"].as_i64().expect("time is a number"));
    }

    let first = times[0];
    let expected: Vec<i64> = (first..first + 20).collect();
    assert_eq!(times, expected, "consecutive events, in order, none lost");
    // The feed is still running: shutdown must stop it too, or `run` never returns.
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_every_client_with_1001_then_stops_accepting() {
    let server = TestServer::start(ServerConfig::default()).await;
    let addr = server.addr;
    let mut first = server.connect().await;
    let mut second = server.connect().await;

    server.trigger_shutdown();
    let (code_1, reason_1, _) = within("the first close frame", first.expect_close()).await;
    let (code_2, _, _) = within("the second close frame", second.expect_close()).await;
    let stats = server.stats.clone();
    server.stopped().await;
    let late = tokio::net::TcpStream::connect(addr).await;

    assert_eq!((code_1, code_2), (1001, 1001));
    assert_eq!(reason_1, "server shutting down");
    assert!(late.is_err(), "the listener is closed after shutdown");
    assert_eq!(stats.snapshot().connections_current, 0);
    assert_eq!(stats.snapshot().connections_total, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_close_is_answered_and_ends_the_session() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;

    client.close(1000, "bye").await;
    let (code, reason, _) = within("the close answer", client.expect_close()).await;

    assert_eq!(
        (code, reason.as_str()),
        (1000, "bye"),
        "the server echoes the client's close"
    );
    assert_eq!(server.stats.snapshot().connections_current, 0);
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_client_message_closes_only_that_connection_with_1009() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut greedy = server.connect().await;
    let mut other = server.connect().await;

    greedy.send_text(&"x".repeat(MAX_CLIENT_MESSAGE + 1)).await;
    let (code, reason, before) = greedy.expect_close_frame().await;
    let (_, reply) = other.set_filters("[]").await;

    assert_eq!((code, before), (1009, 0), "a 1009 close and nothing else");
    assert_eq!(
        reason,
        format!("message too big: the limit is {MAX_CLIENT_MESSAGE} bytes")
    );
    assert_eq!(
        reply["success"], true,
        "the server still answers other clients"
    );
    assert_eq!(server.stats.snapshot().oversize_messages, 1);
    server.shut_down([other]).await;
}
