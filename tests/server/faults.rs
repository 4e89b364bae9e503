//! Misbehaving on purpose (ours, not iSymphony's): every fault kind through
//! `POST /sim/fault` and through a scenario step, over real sockets. Clients are
//! numbered 1, 2, 3 in the order they connect (each connects fully before the next).

use std::time::Duration;

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, Scenario};
use isymphony_sim::server::fanout::{MALFORMED_FRAME, RESTART_REASON};
use isymphony_sim::server::{ServerConfig, SlowConsumer};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::desk::{self, CS, EPOCH};
use crate::events::login;
use crate::harness::{TestServer, within};
use crate::http_client::send;

async fn fault(server: &TestServer, body: &str) -> (u16, String) {
    let reply = send(server.addr, "POST", "/sim/fault", body).await;
    (reply.status, reply.body)
}

fn usernames(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| e["username"].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_and_close_hit_only_their_target_and_are_counted() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut dropped = server.connect().await;
    let mut closed = server.connect().await;
    let mut bystander = server.connect().await;

    let (drop_status, drop_body) = fault(&server, r#"{"kind":"drop","client":1}"#).await;
    dropped.expect_end().await;
    let (close_status, _) = fault(
        &server,
        r#"{"kind":"close","code":4000,"reason":"test","client":2}"#,
    )
    .await;
    let (code, reason, _) = within("the fault's close", closed.expect_close()).await;
    let (missing, missing_body) = fault(&server, r#"{"kind":"drop","client":99}"#).await;
    let (bad, bad_body) = fault(&server, r#"{"kind":"close","code":1005}"#).await;
    let (_, reply) = bystander.set_filters("[]").await;
    let status = send(server.addr, "GET", "/sim/status", "").await.json();

    assert_eq!(
        (drop_status, drop_body.trim()),
        (200, r#"{"kind":"drop","clients":[1]}"#)
    );
    assert_eq!(close_status, 200);
    assert_eq!((code, reason.as_str()), (4000, "test"));
    assert_eq!(missing, 404, "{missing_body}");
    assert!(missing_body.contains("no client 99"), "{missing_body}");
    assert_eq!(bad, 412, "{bad_body}");
    assert!(bad_body.contains("1005 cannot be sent"), "{bad_body}");
    assert_eq!(reply["success"], true, "the third client is untouched");
    assert_eq!(
        status["faultsByKind"],
        serde_json::json!({"close": 1, "drop": 1})
    );
    assert_eq!(status["clients"][0]["id"], 3, "{status}");
    assert_eq!(
        status["clients"].as_array().map(Vec::len),
        Some(1),
        "{status}"
    );
    server.shut_down([bystander]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_sends_the_next_events_twice_and_malformed_sends_one_non_json_frame() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;

    fault(&server, r#"{"kind":"duplicate","count":2}"#).await;
    server
        .publish(vec![login("a", 1), login("b", 2), login("c", 3)])
        .await;
    let doubled = client.window().await;
    fault(&server, r#"{"kind":"malformed"}"#).await;
    server.publish(vec![login("d", 4)]).await;
    let malformed = client.recv().await;
    let after = client.recv_json().await;

    assert_eq!(usernames(&doubled), ["a", "a", "b", "b", "c"]);
    assert_eq!(malformed, Message::text(MALFORMED_FRAME));
    assert!(serde_json::from_str::<Value>(MALFORMED_FRAME).is_err());
    assert_eq!(
        after["username"], "d",
        "events go on after the malformed frame"
    );
    let stats = server.stats.snapshot();
    assert_eq!((stats.frames_duplicated, stats.malformed_sent), (2, 1));
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_holds_what_follows_in_the_queue_then_lets_it_go_in_order() {
    let config = ServerConfig::default()
        .with_client_queue(4)
        .with_slow_consumer(SlowConsumer::Disconnect)
        .with_close_timeout(Duration::from_secs(30));
    let server = TestServer::start(config).await;
    let mut brief = server.connect().await;
    let mut held = server.connect().await;
    let first_three = r#"[{"property":"username","value":"u0"},{"property":"username","value":"u1"},{"property":"username","value":"u2"}]"#;
    brief.set_filters(first_three).await;

    fault(&server, r#"{"kind":"delay","ms":100,"client":1}"#).await;
    fault(&server, r#"{"kind":"delay","ms":3600000,"client":2}"#).await;
    let events: Vec<_> = (0..3).map(|n| login(&format!("u{n}"), n)).collect();
    server.publish(events).await;
    let released = [
        brief.recv_json().await,
        brief.recv_json().await,
        brief.recv_json().await,
    ];
    // An hour's hold cannot end within the test: only a full queue frees the client.
    server
        .publish((3..20).map(|n| login(&format!("u{n}"), n)).collect())
        .await;
    let (code, _, before) = within("the held client's close", held.expect_close()).await;

    assert_eq!(usernames(&released), ["u0", "u1", "u2"]);
    assert_eq!(
        (code, before),
        (1008, 0),
        "nothing was written while held; the full queue made it a slow consumer"
    );
    server.shut_down([brief]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_closes_everyone_with_1001_and_comes_back_with_new_ids() {
    let config = ServerConfig::default().with_paused(true);
    let server = TestServer::start_with_feed(config, desk::player()).await;
    let mut first = server.connect().await;
    let mut second = server.connect().await;
    let before = send(server.addr, "GET", CS, "").await.json();

    let (status, body) = fault(&server, r#"{"kind":"restart","client":2}"#).await;
    let closes = [
        within("a close", first.expect_close()).await,
        within("a close", second.expect_close()).await,
    ];
    let after = send(server.addr, "GET", CS, "").await.json();
    let mut reconnected = server.connect().await;
    send(server.addr, "POST", "/sim/step", "").await;
    let event = reconnected.recv_json().await;
    let run = send(server.addr, "GET", "/sim/status", "").await.json();

    assert_eq!(
        (status, body.trim()),
        (200, r#"{"kind":"restart","clients":[1,2]}"#)
    );
    for (code, reason, _) in closes {
        assert_eq!((code, reason.as_str()), (1001, RESTART_REASON));
    }
    assert_ne!(before["id"], after["id"], "a new coreServerId");
    assert_eq!(before["slug"], after["slug"], "the same configuration");
    assert_eq!(
        event["coreServerId"], after["id"],
        "events carry the new id"
    );
    assert_eq!(run["restarts"], 1);
    assert!(
        event["time"].as_i64().unwrap_or_default() >= EPOCH,
        "event times go on: {event}"
    );
    server.shut_down([reconnected]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_step_acts_at_its_place_among_the_steps_events() {
    let scripted = desk::DESK.replace(
        "[[steps]]\nat = \"5s\"",
        "[[steps]]\nat = \"5s\"\naction = \"fault\"\nkind = \"close\"\ncode = 4001\nreason = \"scripted\"\n\n[[steps]]\nat = \"5s\"",
    );
    assert_ne!(scripted, desk::DESK, "the desk's first step is at 5s");
    let scenario = Scenario::from_toml(&scripted, "scripted.toml").expect("valid");
    let player = Player::new(scenario, desk::SEED, EPOCH, Profile::Standard, false).expect("model");
    let server =
        TestServer::start_with_feed(ServerConfig::default().with_paused(true), player).await;
    let mut client = server.connect().await;

    let stepped = send(server.addr, "POST", "/sim/step", "").await.json();
    let (code, reason, before) = within("the scripted close", client.expect_close()).await;

    assert_eq!(stepped["virtualMs"], 5000, "{stepped}");
    assert_eq!((code, reason.as_str()), (4001, "scripted"));
    assert_eq!(
        before, 0,
        "the fault step comes before the login step at 5s"
    );
    assert_eq!(
        server.stats.snapshot().faults_by_kind.get("close"),
        Some(&1)
    );
    server.shut_down([]).await;
}
