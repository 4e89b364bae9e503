//! Issue #17 §3: client input cannot grow server-wide state. Filters full of
//! made-up property names, sent again and again, leave the dispatcher's
//! vocabulary within a bound of what live filters name (`filterWords` in
//! `/sim/status`), and it shrinks when the sender leaves; injected events are
//! bounded in size. Also §6's filter and event checks: a key twice is refused,
//! an empty `type` is refused, a value an integer is never sent as is flagged.

use isymphony_sim::server::ServerConfig;

use crate::events::login;
use crate::harness::{TestServer, within};
use crate::http_client::send;
use crate::pre_auth::until_stats;

/// Entries per hostile filter message (a fifth of the default `--max-filters`,
/// to keep the debug-build test quick).
const ENTRIES: usize = 2_000;
/// Hostile filter messages, each with fresh names (the report's 30): 60,000
/// names sent in all, against a bound of about 12,000 held.
const MESSAGES: usize = 30;
/// The floor below which the vocabulary is never rebuilt.
const FLOOR: usize = 4096;
/// What the vocabulary may hold at most: the floor doubled, and a message.
const SLACK: u64 = 2 * FLOOR as u64 + 2 * (FLOOR as u64 + 1);

fn made_up_filters(round: usize, entries: usize) -> String {
    let entries: Vec<String> = (0..entries)
        .map(|i| format!(r#"{{"property":"m{round}-{i}","value":"*"}}"#))
        .collect();
    format!("[{}]", entries.join(","))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_vocabulary_churn_is_freed_and_does_not_slow_delivery() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut watcher = server.connect().await;
    watcher
        .set_filters(r#"[{"property":"username","value":"watched"}]"#)
        .await;
    let mut hostile = server.connect().await;

    let mut most = 0;
    for round in 0..MESSAGES {
        // The last is above the floor below which nothing is rebuilt, so that
        // leaving frees it all.
        let entries = if round + 1 == MESSAGES {
            FLOOR + 1
        } else {
            ENTRIES
        };
        let (_, reply) = hostile.set_filters(&made_up_filters(round, entries)).await;
        assert_eq!(reply["success"], true, "{reply}");
        most = most.max(server.stats.snapshot().filter_words);
    }
    // 500 events after the churn, as in the report; delivery must not crawl.
    for n in 0..500 {
        let path = "/sim/inject";
        let event = format!(r#"{{"type":"userLogin","username":"watched","n":{n}}}"#);
        let reply = send(server.addr, "POST", path, &event).await;
        assert_eq!(reply.status, 204, "{}", reply.body);
    }
    server.publish(vec![login("watched", 1)]).await;
    let received = within("500 injected events and one more", async {
        let mut received = 0;
        while received < 501 {
            let frame = watcher.recv_json().await;
            if frame["username"] == "watched" {
                received += 1;
            }
        }
        received
    })
    .await;
    let while_there = server.stats.snapshot().filter_words;
    hostile.close(1000, "done").await;
    let _ = hostile.expect_close().await;
    until_stats(&server, "the hostile client's words to be freed", |s| {
        s.connections_current == 1 && s.filter_words <= 1
    })
    .await;

    assert_eq!(received, 501);
    assert!(
        most <= SLACK && while_there <= SLACK,
        "at most {most} words while churning, {while_there} at the end; bound {SLACK}"
    );
    server.shut_down([watcher]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_events_are_bounded_and_well_formed() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;
    client.set_filters("[]").await;
    let props: Vec<String> = (0..50_000).map(|i| format!(r#""p{i}":1"#)).collect();
    let wide = format!(r#"{{"type":"wide",{}}}"#, props.join(","));
    let over: Vec<String> = (0..1000).map(|i| format!(r#""p{i}":1"#)).collect();
    let too_many = format!(r#"{{"type":"many",{}}}"#, over.join(","));
    let widest = format!(r#"{{"type":"widest",{}}}"#, over[1..].join(","));

    let too_wide = send(server.addr, "POST", "/sim/inject", &wide).await;
    let over_count = send(server.addr, "POST", "/sim/inject", &too_many).await;
    let too_big = send(
        server.addr,
        "POST",
        "/sim/inject",
        &format!(r#"{{"type":"big","pad":"{}"}}"#, "a".repeat(70_000)),
    )
    .await;
    let untyped = send(server.addr, "POST", "/sim/inject", r#"{"type":""}"#).await;
    let twice = send(
        server.addr,
        "POST",
        "/sim/inject",
        r#"{"type":"a","type":"b"}"#,
    )
    .await;
    let fine = send(server.addr, "POST", "/sim/inject", &widest).await;
    let delivered = client.recv_json().await;

    assert_eq!(too_wide.status, 413, "{}", too_wide.body);
    assert_eq!(over_count.status, 412, "{}", over_count.body);
    assert!(
        over_count.body.contains("1001 properties") && over_count.body.contains("at most 1000"),
        "{}",
        over_count.body
    );
    assert_eq!(too_big.status, 413, "{}", too_big.body);
    assert_eq!(untyped.status, 412, "{}", untyped.body);
    assert!(
        untyped.body.contains("\"type\" is empty"),
        "{}",
        untyped.body
    );
    assert_eq!(twice.status, 412, "{}", twice.body);
    assert!(twice.body.contains("\"type\" twice"), "{}", twice.body);
    assert_eq!(fine.status, 204, "{}", fine.body);
    assert_eq!(delivered["type"], "widest");
    assert_eq!(server.stats.snapshot().events_injected, 1);
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_with_a_key_twice_is_refused_and_a_never_matching_number_warned() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;

    client
        .send_text(r#"{"type":"filter","filters":[{"property":"type","property":"username","value":"x"}]}"#)
        .await;
    let (_, twice) = client.events_until_reply().await;
    let (_, warned) = client
        .set_filters(r#"[{"property":"port","value":51234.0}]"#)
        .await;
    server.publish(vec![login("sam", 1)]).await;
    let received = client.window().await;

    assert_eq!(twice["success"], false, "{twice}");
    assert!(
        twice["error"]
            .as_str()
            .is_some_and(|e| e.contains("\"property\" twice")),
        "{twice}"
    );
    assert_eq!(warned["success"], true, "{warned}");
    assert!(
        warned["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("write 51234")),
        "{warned}"
    );
    assert!(received.is_empty(), "51234.0 never matches 51234");
    server.shut_down([client]).await;
}
