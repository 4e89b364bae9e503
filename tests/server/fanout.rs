//! The fan-out bus seen from clients: encode once, exact filtering against the
//! reference implementation, and the slow-consumer policy.

use std::time::Duration;

use isymphony_sim::protocol::filter::reference;
use isymphony_sim::server::{ServerConfig, SlowConsumer};
use serde_json::{Map, Value};

use crate::events::{login, mixed, wire};
use crate::harness::{TestServer, within};

/// Filters for the differential test, each with its own client: documented
/// examples, a wildcard that null values pass, one that missing properties fail,
/// numbers by JSON text, and an impossible one.
const FILTERS: &[&str] = &[
    r#"[{"property":"type","value":"userLogin"},{"property":"type","value":"userLogout"},{"property":"username","value":"mikey"}]"#,
    r#"[{"property":"username","value":"*"}]"#,
    r#"[{"property":"queue","value":"*"},{"property":"type","value":"agentLogin"}]"#,
    r#"[{"property":"queue","value":"Support"},{"property":"queue","value":"Sales"},{"property":"username","value":"dana"}]"#,
    r#"[{"property":"port","value":51234},{"property":"type","value":"userLogout"}]"#,
    r#"[{"property":"userCreated","value":true}]"#,
    r#"[{"property":"username","value":"nobody"}]"#,
];

/// The rules of a filters list as the reference implementation takes them.
fn rules(filters: &str) -> Vec<(String, Value)> {
    let entries: Vec<Map<String, Value>> =
        serde_json::from_str(filters).expect("test filters are JSON");
    entries
        .into_iter()
        .map(|e| {
            (
                e["property"].as_str().expect("property").to_string(),
                e["value"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_connection_receives_exactly_the_matching_subsequence() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut unfiltered = server.connect().await;
    let mut filtered = Vec::new();
    for filters in FILTERS {
        let mut client = server.connect().await;
        let (_, reply) = client.set_filters(filters).await;
        assert_eq!(reply["success"], true, "{filters}: {reply}");
        filtered.push(client);
    }

    for chunk in mixed(300).chunks(37) {
        server.publish(chunk.to_vec()).await;
    }
    let everything = unfiltered.window().await;
    let mut windows = Vec::new();
    for client in &mut filtered {
        windows.push(client.window().await);
    }

    assert_eq!(
        everything,
        wire(&mixed(300)),
        "the unfiltered client saw the whole stream"
    );
    for (filters, received) in FILTERS.iter().zip(&windows) {
        let rules = rules(filters);
        let expected: Vec<Value> = everything
            .iter()
            .filter(|e| reference::admits(&rules, e.as_object().expect("events are objects")))
            .cloned()
            .collect();
        assert_eq!(
            received,
            &expected,
            "{filters}: expected {} events, received {}",
            expected.len(),
            received.len()
        );
    }
    let admitted: usize = windows.iter().map(Vec::len).sum();
    assert!(
        admitted > 0 && admitted < 300 * FILTERS.len(),
        "filters both admit and reject"
    );
    server
        .shut_down(std::iter::once(unfiltered).chain(filtered))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_is_serialized_once_however_many_clients_receive_it() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut clients = Vec::new();
    for filters in ["[]", "[]", "[]", FILTERS[0], FILTERS[1]] {
        let mut client = server.connect().await;
        client.set_filters(filters).await;
        clients.push(client);
    }
    let events = mixed(60);

    server.publish(events.clone()).await;
    let mut received = 0;
    for client in &mut clients {
        received += client.window().await.len() as u64;
    }

    let stats = server.stats.snapshot();
    assert_eq!(stats.events_published, 60);
    assert_eq!(
        stats.events_encoded, 60,
        "one serialization per event, not per client"
    );
    assert_eq!(stats.frames_delivered, received);
    assert!(
        received > 3 * 60,
        "the unfiltered clients alone received 180 frames"
    );
    assert_eq!(stats.events_by_type.values().sum::<u64>(), 60);
    assert_eq!(stats.events_by_type.get("hangup"), Some(&20));
    server.shut_down(clients).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_closed_with_1008_and_others_carry_on() {
    const QUEUE: usize = 8;
    let config = ServerConfig::default()
        .with_client_queue(QUEUE)
        .with_slow_consumer(SlowConsumer::Disconnect)
        // The stalled client only reads its close frame after the test notices the
        // disconnect; give that plenty of room.
        .with_close_timeout(Duration::from_secs(30));
    let server = TestServer::start(config).await;
    let mut stalled = server.connect_with_small_buffer().await;
    let mut healthy = server.connect().await;
    // 64 KiB per event fills the stalled socket's buffers after a few dozen events.
    let big_name = "x".repeat(64 * 1024);

    let mut published = 0;
    while server.stats.snapshot().slow_consumer_disconnects == 0 {
        assert!(
            published < 10_000,
            "the stalled client was never disconnected"
        );
        server.publish(vec![login(&big_name, published)]).await;
        // One event in flight at a time: the healthy client never has a backlog.
        let frame = healthy.recv_json().await;
        assert_eq!(frame["time"], 1_700_000_000_000_i64 + published);
        published += 1;
    }
    let (code, reason, frames_before_close) =
        within("the stalled client's close frame", stalled.expect_close()).await;
    server.publish(vec![login("mikey", -1)]).await;
    let after = healthy.recv_json().await;

    assert_eq!(code, 1008);
    assert_eq!(reason, format!("slow consumer: {QUEUE} events pending"));
    assert!(
        (frames_before_close as i64) < published,
        "frames still queued were not sent: {frames_before_close} of {published}"
    );
    assert_eq!(
        after["username"], "mikey",
        "the healthy client still receives events"
    );
    let stats = server.stats.snapshot();
    assert_eq!(stats.slow_consumer_disconnects, 1);
    assert_eq!(stats.connections_current, 1);
    server.shut_down([healthy]).await;
}
