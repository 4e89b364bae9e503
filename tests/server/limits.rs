//! Our limits, each a flag of `serve`: connections (503 before the upgrade),
//! filters per message (a failure reply), pings and the idle timeout (1001), and
//! slow consumers under a burst (others unstalled, every event accounted for).

use std::time::Duration;

use isymphony_sim::server::session::PING_PAYLOAD;
use isymphony_sim::server::{Credentials, Limits, ServerConfig, SlowConsumer};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use warp::http::StatusCode;

use crate::events::login;
use crate::harness::{TestServer, within};

fn limits(change: impl FnOnce(&mut Limits)) -> ServerConfig {
    let mut limits = Limits::default();
    change(&mut limits);
    ServerConfig::default().with_limits(limits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limit_get_503_before_the_upgrade() {
    let server = TestServer::start(limits(|l| l.max_connections = Some(2))).await;
    let first = server.connect().await;
    let mut second = server.connect().await;

    let refused = server.try_connect(Some(&Credentials::default())).await;
    second.close(1000, "making room").await;
    let _ = within("the close answer", second.expect_close()).await;
    let again = server.connect().await;

    match refused {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            let body =
                String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).to_string();
            assert!(
                body.contains("at most 2") && body.contains("--max-connections"),
                "{body}"
            );
        }
        Err(other) => panic!("expected an HTTP 503, got {other}"),
        Ok(_) => panic!("expected an HTTP 503, the upgrade was accepted"),
    }
    let stats = server.stats.snapshot();
    assert_eq!(stats.refused_connection_limit, 1);
    assert_eq!(
        stats.connections_total, 3,
        "the third attempt never became a session"
    );
    server.shut_down([first, again]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_message_over_the_limit_is_refused_and_the_old_filters_stay() {
    let server = TestServer::start(limits(|l| l.max_filters = 3)).await;
    let mut client = server.connect().await;
    let (_, accepted) = client
        .set_filters(r#"[{"property":"username","value":"a"},{"property":"username","value":"b"},{"property":"username","value":"c"}]"#)
        .await;

    let (_, refused) = client
        .set_filters(r#"[{"property":"username","value":"a"},{"property":"username","value":"b"},{"property":"username","value":"c"},{"property":"username","value":"d"}]"#)
        .await;
    server.publish(vec![login("d", 1), login("a", 2)]).await;
    let received = client.window().await;

    assert_eq!(accepted["success"], true, "{accepted}");
    assert_eq!(refused["success"], false, "{refused}");
    let error = refused["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("4 entries") && error.contains("at most 3"),
        "{error}"
    );
    let names: Vec<&str> = received
        .iter()
        .filter_map(|e| e["username"].as_str())
        .collect();
    assert_eq!(names, ["a"], "the three-entry filter is still in force");
    let stats = server.stats.snapshot();
    assert_eq!(
        (stats.filters_over_limit, stats.bad_client_messages),
        (1, 1)
    );
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_client_is_closed_with_1001_after_the_idle_timeout() {
    let config = limits(|l| {
        l.ping_interval = None;
        l.idle_timeout = Some(Duration::from_millis(300));
    });
    let server = TestServer::start(config).await;
    let mut silent = server.connect().await;

    let (code, reason, before) = within("the idle close", silent.expect_close()).await;

    assert_eq!((code, before), (1001, 0));
    assert_eq!(reason, "idle timeout: nothing received for 300ms");
    assert_eq!(server.stats.snapshot().idle_timeouts, 1);
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_answered_by_the_client_library_and_keep_it_alive() {
    let config = limits(|l| {
        l.ping_interval = Some(Duration::from_millis(40));
        l.idle_timeout = Some(Duration::from_millis(200));
    });
    let server = TestServer::start(config).await;
    let mut client = server.connect().await;

    // Eight pings take longer than the idle timeout: only the pongs keep it open.
    let mut pings = 0;
    while pings < 8 {
        match client.recv_any().await {
            Message::Ping(payload) => {
                assert_eq!(payload.as_ref(), PING_PAYLOAD);
                pings += 1;
            }
            other => panic!("expected pings only, got {other:?}"),
        }
    }
    let (_, reply) = client.set_filters("[]").await;

    assert_eq!(reply["success"], true);
    assert_eq!(server.stats.snapshot().idle_timeouts, 0);
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bursts_never_stall_a_healthy_client_and_a_stalled_one_is_accounted_for() {
    const QUEUE: usize = 64;
    const BURST: i64 = 50;
    const EVENTS: i64 = 3000;
    let config = ServerConfig::default()
        .with_client_queue(QUEUE)
        .with_slow_consumer(SlowConsumer::Disconnect)
        .with_close_timeout(Duration::from_secs(30));
    let server = TestServer::start(config).await;
    let mut stalled = server.connect_with_small_buffer().await;
    let mut healthy = server.connect().await;
    let padding = "x".repeat(8192);

    // Bursts of 50 events: the healthy client takes each whole burst while the
    // stalled one, which never reads, backs up and is cut off.
    let mut times = Vec::new();
    for start in (0..EVENTS).step_by(BURST as usize) {
        let burst = (start..start + BURST).map(|n| login(&padding, n)).collect();
        server.publish(burst).await;
        for _ in 0..BURST {
            let event = healthy.recv_json().await;
            times.push(event["time"].as_i64().unwrap_or(-1) - 1_700_000_000_000);
        }
    }
    let (code, _, _) = within("the stalled client's close", stalled.expect_close()).await;

    assert_eq!(
        times,
        (0..EVENTS).collect::<Vec<_>>(),
        "all, in order, none lost"
    );
    assert_eq!(code, 1008);
    let clients = within("the client list", server.publisher.clients())
        .await
        .expect("running");
    assert_eq!(
        clients.len(),
        1,
        "the stalled client left the fan-out: {clients:?}"
    );
    assert_eq!(clients[0].delivered, EVENTS as u64);
    let stats = server.stats.clone();
    server.shut_down([healthy]).await;
    let stats = stats.snapshot();
    assert_eq!(
        stats.events_admitted,
        stats.frames_delivered + stats.frames_dropped,
        "every admitted event was queued or counted as dropped: {stats:?}"
    );
    assert_eq!(
        stats.frames_delivered,
        stats.frames_written + stats.frames_discarded,
        "every queued frame was written or counted as discarded: {stats:?}"
    );
    let to_stalled = stats.frames_delivered - EVENTS as u64;
    assert!(
        stats.frames_dropped > 0 && to_stalled < EVENTS as u64 / 2,
        "the stalled client was cut off early, its backlog dropped, not buffered: {stats:?}"
    );
}
