//! `--slow-consumer drop-oldest`: a client that stops reading is not closed; its
//! oldest queued events make room for newer ones, each one counted for it in
//! `/sim/status`, and it is told how many in a `simNotice` that its filters
//! cannot hide (docs/protocol.md §10.6). The `disconnect` policy's 1008 close is
//! checked in `fanout` and `limits`.

use std::time::Duration;

use isymphony_sim::server::{ServerConfig, SlowConsumer};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::events::login;
use crate::harness::TestServer;
use crate::http_client::send;

const QUEUE: usize = 64;
const BURST: i64 = 50;
const EVENTS: i64 = 3000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_under_drop_oldest_stays_and_every_event_is_accounted_for() {
    let config = ServerConfig::default()
        .with_client_queue(QUEUE)
        .with_slow_consumer(SlowConsumer::DropOldest)
        .with_close_timeout(Duration::from_secs(30));
    let server = TestServer::start(config).await;
    let mut stalled = server.connect_with_small_buffer().await;
    // A filter that admits only logins: the notice is not an event and still arrives.
    let (_, reply) = stalled
        .set_filters(r#"[{"property":"type","value":"userLogin"}]"#)
        .await;
    assert_eq!(reply["success"], true);
    let mut healthy = server.connect().await;
    let padding = "x".repeat(8192);

    for start in (0..EVENTS).step_by(BURST as usize) {
        let burst = (start..start + BURST).map(|n| login(&padding, n)).collect();
        server.publish(burst).await;
        for n in start..start + BURST {
            let event = healthy.recv_json().await;
            assert_eq!(
                event["time"],
                1_700_000_000_000_i64 + n,
                "healthy: in order"
            );
        }
    }

    let status = send(server.addr, "GET", "/sim/status", "").await.json();
    let clients = status["clients"].as_array().cloned().unwrap_or_default();
    assert_eq!(clients.len(), 2, "nobody left the fan-out: {status}");
    let (behind, kept): (Vec<Value>, Vec<Value>) = clients
        .into_iter()
        .partition(|c| c["droppedOldest"].as_u64() > Some(0));
    assert_eq!(
        (behind.len(), kept.len()),
        (1, 1),
        "the stalled client overflowed its queue of {QUEUE}, the healthy one did not: {status}"
    );
    let behind = &behind[0];
    let evicted = behind["droppedOldest"].as_u64().unwrap_or(0);
    assert_eq!(behind["delivered"], EVENTS, "{behind}");
    assert_eq!(behind["dropped"], 0, "{behind}");
    assert_eq!(kept[0]["delivered"], EVENTS);
    assert_eq!(status["slowConsumerDisconnects"], 0);
    assert_eq!(status["framesDroppedOldest"], evicted);

    // The stalled client reads again: events, in order, and notices that add up.
    let (mut events, mut noticed, mut notices) = (Vec::new(), 0u64, 0u64);
    while events.len() as u64 + noticed < EVENTS as u64 {
        let frame = match stalled.recv().await {
            Message::Text(text) => serde_json::from_str::<Value>(text.as_str()).expect("JSON"),
            other => panic!("the stalled client was sent {other:?}"),
        };
        if frame["type"] == "simNotice" {
            assert_eq!(frame["reason"], "slow consumer", "{frame}");
            let dropped = frame["dropped"].as_u64().unwrap_or(0);
            assert!(dropped > 0, "a notice names what was dropped: {frame}");
            assert_eq!(frame.as_object().map(|o| o.len()), Some(3), "{frame}");
            noticed += dropped;
            notices += 1;
        } else {
            events.push(frame["time"].as_i64().unwrap_or(-1) - 1_700_000_000_000);
        }
    }

    assert_eq!(noticed, evicted, "the notices name every evicted event");
    assert_eq!(events.len() as u64, EVENTS as u64 - evicted);
    assert!(
        events.windows(2).all(|w| w[0] < w[1]),
        "what is left comes in order"
    );
    assert_eq!(
        events.last(),
        Some(&(EVENTS - 1)),
        "the newest event is kept"
    );
    let stats = server.stats.clone();
    server.shut_down([healthy, stalled]).await;
    let stats = stats.snapshot();
    assert_eq!(stats.notices_sent, notices);
    assert_eq!(
        stats.events_admitted,
        stats.frames_delivered + stats.frames_dropped,
        "every admitted event was queued or counted as dropped: {stats:?}"
    );
    assert_eq!(
        stats.frames_delivered + stats.replies_sent + stats.notices_sent,
        stats.frames_written + stats.frames_discarded + stats.frames_dropped_oldest,
        "every queued frame was written, discarded or evicted: {stats:?}"
    );
}
