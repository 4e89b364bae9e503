//! Soak: many clients connect, filter, change filters and disconnect, over and
//! over, while a shipped scenario plays fast. Afterwards no session, connection,
//! subscriber or task is left, and every event is accounted for.
//!
//! Bounded: 5 s by default; `ISYM_SOAK_SECS=60` lengthens it (capped at 60). The
//! duration only decides when clients stop starting new rounds; nothing is timed
//! or compared with the clock.
//!
//! What "accounted for" means, checked at the end, at rest:
//! - every (event, client) pair a filter admitted was queued or counted dropped:
//!   `events_admitted == frames_delivered + frames_dropped`;
//! - every queued frame was written to its socket or counted discarded:
//!   `frames_delivered + replies_sent == frames_written + frames_discarded`;
//! - each unfiltered window (between two filter replies) holds consecutive
//!   `simSeq` numbers: no event went missing inside a connection's stream;
//! - each filtered window holds only events the reference filter admits.

use std::time::Duration;

use isymphony_sim::protocol::Profile;
use isymphony_sim::protocol::filter::reference;
use isymphony_sim::scenario::{Player, shipped};
use isymphony_sim::server::ServerConfig;
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::harness::{TestServer, within};

const CLIENTS: usize = 50;
const DEFAULT_SECS: u64 = 5;
const MAX_SECS: u64 = 60;

/// The filters clients take turns with: everything, and three narrower ones.
const FILTERS: [&str; 4] = [
    "[]",
    r#"[{"property":"type","value":"userStatus"},{"property":"type","value":"agentLogin"}]"#,
    r#"[{"property":"type","value":"hangup"}]"#,
    r#"[{"property":"username","value":"*"}]"#,
];

fn soak_duration() -> Duration {
    let secs = std::env::var("ISYM_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECS);
    Duration::from_secs(secs.clamp(1, MAX_SECS))
}

fn rules(filters: &str) -> Vec<(String, Value)> {
    let entries: Vec<Map<String, Value>> = serde_json::from_str(filters).expect("JSON");
    entries
        .into_iter()
        .map(|e| {
            (
                e["property"].as_str().unwrap_or_default().to_string(),
                e["value"].clone(),
            )
        })
        .collect()
}

/// Checks one window received under `filters`; returns how many events it held.
fn check_window(filters: &str, events: &[Value]) -> usize {
    if filters == "[]" {
        let seqs: Vec<u64> = events.iter().filter_map(|e| e["simSeq"].as_u64()).collect();
        assert_eq!(seqs.len(), events.len(), "every event is stamped");
        for pair in seqs.windows(2) {
            assert_eq!(
                pair[1],
                pair[0] + 1,
                "a gap in an unfiltered stream: {seqs:?}"
            );
        }
    } else {
        let rules = rules(filters);
        for event in events {
            let object = event.as_object().expect("events are objects");
            assert!(
                reference::admits(&rules, object),
                "{filters} let through {event}"
            );
        }
    }
    events.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_churning_under_a_fast_scenario_leave_nothing_behind() {
    let baseline = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let scenario = shipped::find("callcentre-peak")
        .expect("shipped")
        .scenario()
        .expect("valid");
    let player =
        Player::new(scenario, 11, 1_700_000_000_000, Profile::Standard, true).expect("model");
    let config = ServerConfig::default()
        .with_speed(2000.0)
        .with_send_stamp(true)
        // Clients here read as fast as they can; a slow-consumer cut would only
        // mean a loaded machine, so the queues are deep.
        .with_client_queue(1 << 16);
    let server = std::sync::Arc::new(TestServer::start_with_feed(config, player).await);
    let until = Instant::now() + soak_duration();

    let mut tasks = Vec::new();
    for n in 0..CLIENTS {
        let server = std::sync::Arc::clone(&server);
        tasks.push(tokio::spawn(async move {
            let (mut rounds, mut events) = (0u64, 0usize);
            while Instant::now() < until {
                let mut client = server.connect().await;
                let first = FILTERS[(n + rounds as usize) % FILTERS.len()];
                let second = FILTERS[(n + rounds as usize + 1) % FILTERS.len()];
                let (_, reply) = client.set_filters(first).await;
                assert_eq!(reply["success"], true, "{reply}");
                events += check_window(first, &client.window().await);
                let (under_first, reply) = client.set_filters(second).await;
                assert_eq!(reply["success"], true, "{reply}");
                events += check_window(first, &under_first);
                events += check_window(second, &client.window().await);
                client.close(1000, "round over").await;
                let _ = client.expect_close().await;
                rounds += 1;
            }
            (rounds, events)
        }));
    }
    let (mut rounds, mut received) = (0, 0);
    for task in tasks {
        let (r, e) = within("a soak client", task).await.expect("soak client");
        rounds += r;
        received += e;
    }
    // Attached after every client's detach (each was sent before its close
    // answer): the dispatcher must list this client alone.
    let mut last = server.connect().await;
    last.set_filters("[]").await;
    let clients = within("the client list", server.publisher.clients())
        .await
        .expect("running");
    let Ok(server) = std::sync::Arc::try_unwrap(server) else {
        panic!("every soak client has let go of the server");
    };
    let stats = server.stats.clone();
    server.shut_down([last]).await;
    let alive = within("the runtime's tasks to finish", async {
        loop {
            let alive = tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks();
            if alive <= baseline {
                return alive;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;

    let stats = stats.snapshot();
    assert!(
        rounds >= CLIENTS as u64 && received > 0,
        "{rounds} rounds, {received} events"
    );
    assert_eq!(clients.len(), 1, "no subscriber left behind: {clients:?}");
    assert_eq!(alive, baseline, "no task left behind");
    assert_eq!(stats.connections_current, 0, "{stats:?}");
    assert_eq!(stats.transport_connections_current, 0, "{stats:?}");
    assert_eq!(stats.connections_total, rounds + 1);
    assert_eq!(stats.slow_consumer_disconnects, 0, "{stats:?}");
    assert_eq!(
        stats.events_admitted,
        stats.frames_delivered + stats.frames_dropped,
        "admitted = delivered + dropped: {stats:?}"
    );
    assert_eq!(
        stats.frames_delivered + stats.replies_sent,
        stats.frames_written + stats.frames_discarded,
        "queued = written + discarded: {stats:?}"
    );
    assert!(
        stats.frames_written >= received as u64,
        "clients cannot receive more than was written: {stats:?}"
    );
}
