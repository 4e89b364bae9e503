//! End to end over real sockets: REST actions and control steps produce their
//! events on filtered websockets, in order, with the ids the REST API shows.
//!
//! Every server here starts paused, so nothing happens until a test steps or
//! acts: no sleeps, no timing. A client's filter reply marks the point from
//! which its stream is complete (replies travel the bus in order with events),
//! and a REST answer means its events are already on the bus.

use isymphony_sim::server::ServerConfig;
use serde_json::{Value, json};

use crate::desk::{self, CS, EPOCH};
use crate::harness::{Client, TestServer};
use crate::http_client::send;

async fn paused_desk() -> TestServer {
    TestServer::start_with_feed(ServerConfig::default().with_paused(true), desk::player()).await
}

/// A client whose filters are in force.
async fn client_filtered_to(server: &TestServer, filters: Value) -> Client {
    let mut client = server.connect().await;
    let (before, reply) = client.set_filters(&filters.to_string()).await;
    assert_eq!(reply["success"], true, "{reply}");
    assert!(
        before.is_empty(),
        "a paused server sends nothing: {before:?}"
    );
    client
}

/// `POST /sim/step?to=batch`, which must apply one batch; returns (virtual ms, events).
async fn step(server: &TestServer) -> (u64, u64) {
    let reply = send(server.addr, "POST", "/sim/step?to=batch", "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let stepped = reply.json();
    (
        stepped["virtualMs"].as_u64().expect("virtualMs"),
        stepped["events"].as_u64().expect("events"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rest_queue_login_reaches_a_websocket_filtered_to_agent_logins() {
    let server = paused_desk().await;
    let mut client = client_filtered_to(
        &server,
        json!([{"property": "type", "value": "agentLogin"}]),
    )
    .await;
    let mut everything = server.connect().await;

    let login = send(
        server.addr,
        "POST",
        &format!("{CS}/queues/getByName/support/login"),
        r#"{"extension":"1002"}"#,
    )
    .await;
    let event = client.recv_json().await;
    let agents = send(
        server.addr,
        "GET",
        &format!("{CS}/queues/getByName/support/agents"),
        "",
    )
    .await;
    let unfiltered = everything.window().await;

    assert_eq!(login.status, 204, "{}", login.body);
    assert_eq!(agents.header("content-type"), Some("application/json"));
    assert_eq!(
        (
            event["type"].clone(),
            event["queue"].clone(),
            event["extensionNumber"].clone()
        ),
        (json!("agentLogin"), json!("Support"), json!("1002"))
    );
    assert_eq!(
        event["time"], EPOCH,
        "applied at the paused moment, virtual 0"
    );
    let bob = agents
        .json()
        .as_array()
        .and_then(|list| list.iter().find(|a| a["name"] == "Bob Brown").cloned())
        .expect("Bob is an agent now");
    assert_eq!(
        event["agentId"], bob["id"],
        "the REST agent id is the event's agentId"
    );
    assert_eq!(
        unfiltered,
        vec![event],
        "the one event, to the unfiltered client too"
    );
    server.shut_down([client, everything]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_server_plays_step_by_step_with_rest_ids_in_the_events() {
    let server = paused_desk().await;
    let mut client = client_filtered_to(
        &server,
        json!([{"property": "type", "value": "userLogin"}, {"property": "type", "value": "hangup"}]),
    )
    .await;

    assert_eq!(step(&server).await, (0, 0));
    assert_eq!(step(&server).await, (5000, 1));
    let login = client.recv_json().await;
    assert_eq!(
        (step(&server).await, step(&server).await),
        ((10_000, 0), (15_000, 0))
    );
    let segments = send(server.addr, "GET", &format!("{CS}/callSegments"), "")
        .await
        .json();
    let alice = send(
        server.addr,
        "GET",
        &format!("{CS}/users/getByName/alice"),
        "",
    )
    .await
    .json();
    let core = send(server.addr, "GET", CS, "").await.json();
    assert_eq!(step(&server).await, (60_000, 3));
    let hangups = [client.recv_json().await, client.recv_json().await];

    assert_eq!(
        (login["type"].clone(), login["time"].clone()),
        (json!("userLogin"), json!(EPOCH + 5000))
    );
    assert_eq!(login["userId"], alice["id"]);
    assert_eq!(login["coreServerId"], core["id"]);
    let mut rest_ids: Vec<&Value> = segments
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| &s["id"])
        .collect();
    let mut event_ids: Vec<&Value> = hangups.iter().map(|h| &h["callSegmentId"]).collect();
    rest_ids.sort_by_key(|v| v.to_string());
    event_ids.sort_by_key(|v| v.to_string());
    assert_eq!(
        rest_ids, event_ids,
        "the hung-up segments are the ones REST listed"
    );
    assert!(hangups.iter().all(|h| h["time"] == EPOCH + 60_000));
    let rest = client.window().await;
    assert!(rest.is_empty(), "linkEnd was filtered out: {rest:?}");
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_event_goes_out_as_given_through_each_clients_filters() {
    let server = paused_desk().await;
    let mut parked =
        client_filtered_to(&server, json!([{"property": "slot", "value": "701"}])).await;
    let mut logins =
        client_filtered_to(&server, json!([{"property": "type", "value": "userLogin"}])).await;
    let injected = r#"{"type":"parkedCall","slot":701,"by":"1001"}"#;

    let reply = send(server.addr, "POST", "/sim/inject", injected).await;
    let frame = parked.recv().await;

    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(frame.into_text().expect("a text frame").as_str(), injected);
    assert_eq!(
        logins.window().await,
        Vec::<Value>::new(),
        "rejected by type"
    );
    server.shut_down([parked, logins]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_a_scenario_keeps_clients_connected_and_plays_it_from_zero() {
    let server = paused_desk().await;
    let mut client =
        client_filtered_to(&server, json!([{"property": "type", "value": "userLogin"}])).await;
    step(&server).await;
    step(&server).await;
    let first = client.recv_json().await;

    let loaded = send(server.addr, "POST", "/sim/scenario?seed=8", desk::DESK).await;
    step(&server).await;
    step(&server).await;
    let second = client.recv_json().await;

    assert_eq!(loaded.status, 200, "{}", loaded.body);
    assert_eq!(loaded.json()["connectionsCurrent"], 1);
    assert_eq!(second["time"], first["time"], "virtual time started over");
    assert_ne!(second["userId"], first["userId"], "another seed, other ids");
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_lets_the_clock_play_the_rest_on_its_own() {
    let config = ServerConfig::default().with_paused(true).with_speed(1000.0);
    let server = TestServer::start_with_feed(config, desk::player()).await;
    let mut client =
        client_filtered_to(&server, json!([{"property": "type", "value": "hangup"}])).await;

    let resumed = send(server.addr, "POST", "/sim/resume", "").await;
    let hangups = [client.recv_json().await, client.recv_json().await];

    assert_eq!(resumed.json()["paused"], false);
    assert!(
        hangups.iter().all(|h| h["time"] == EPOCH + 60_000),
        "{hangups:?}"
    );
    server.shut_down([client]).await;
}
