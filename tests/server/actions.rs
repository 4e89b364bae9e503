//! The Live REST API's actions in-process (`warp::test`): each one changes the
//! model (seen through the reads) and publishes its events (counted by type)
//! before its 204; refusals are 409, bad bodies 412, big bodies 413.

use isymphony_sim::server::{MAX_REQUEST_BODY, Server, ServerConfig};
use serde_json::{Value, json};

use crate::desk::{self, CS, act, assert_error, get_json, send, text};

/// Steps the server's run `n` batches through the control API.
async fn step(server: &Server, n: usize) {
    for _ in 0..n {
        let response = send(server, "POST", "/sim/step?to=batch", "").await;
        assert_eq!(response.status(), 200, "{}", text(&response));
    }
}

#[tokio::test]
async fn queue_login_and_logout_change_the_model_and_publish_agent_events() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let agents = format!("{CS}/queues/getByName/support/agents");

    act(
        &server,
        &format!("{CS}/queues/getByName/support/login"),
        r#"{"extension":"1002"}"#,
    )
    .await;
    let after_login = get_json(&server, &agents).await;
    act(
        &server,
        &format!("{CS}/queues/getByName/support/logout"),
        r#"{"extension":"1002"}"#,
    )
    .await;
    let after_logout = get_json(&server, &agents).await;

    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|a| a["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(names(&after_login), ["Alice Archer", "Bob Brown"]);
    assert_eq!(after_login[1]["dynamic"], true);
    assert_eq!(names(&after_logout), ["Alice Archer"]);
    let published = server.stats().snapshot().events_by_type;
    assert_eq!(
        (published.get("agentLogin"), published.get("agentLogout")),
        (Some(&1), Some(&1))
    );
}

#[tokio::test]
async fn agent_actions_pause_unpause_set_the_penalty_and_log_out() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let agent = format!("{CS}/queues/getByName/support/agents/getByName/1001");

    act(&server, &format!("{agent}/pause"), "").await;
    let paused = get_json(&server, &agent).await["paused"].clone();
    act(&server, &format!("{agent}/unpause"), "").await;
    let unpaused = get_json(&server, &agent).await["paused"].clone();
    act(&server, &format!("{agent}/penalty"), r#"{"penalty": 3}"#).await;
    let penalty = get_json(&server, &format!("{agent}/statistics")).await["penalty"].clone();
    act(&server, &format!("{agent}/logout"), "").await;
    let gone = send(&server, "GET", &agent, "").await;

    assert_eq!(
        (paused, unpaused, penalty),
        (json!(true), json!(false), json!(3))
    );
    assert_error(&gone, 404, "agent");
    assert_eq!(
        server.stats().snapshot().events_by_type.get("agentLogout"),
        Some(&1)
    );
}

#[tokio::test]
async fn extension_actions_originate_and_toggle_dnd() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let ext = format!("{CS}/extensions/getByName/1002");

    act(
        &server,
        &format!("{ext}/originate"),
        r#"{"destination":"1001"}"#,
    )
    .await;
    let segments = get_json(&server, &format!("{CS}/callSegments")).await;
    act(&server, &format!("{ext}/dnd"), r#"{"enabled":true}"#).await;
    act(&server, &format!("{ext}/dndOff"), "").await;
    let refused = send(
        &server,
        "POST",
        &format!("{ext}/originate"),
        r#"{"destination":"1002"}"#,
    )
    .await;

    let types: Vec<&str> = segments
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        ["INTERNAL", "INTERNAL"],
        "caller and callee, both extensions"
    );
    assert_eq!(refused.status(), 409, "1002 is busy: {}", text(&refused));
}

#[tokio::test]
async fn a_call_segment_transfer_moves_the_call_and_publishes_its_events() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    step(&server, 4).await; // to 15 s: Alice has answered the caller
    let segments = get_json(&server, &format!("{CS}/callSegments")).await;
    let caller = segments
        .as_array()
        .and_then(|list| list.iter().find(|s| s["type"] == "EXTERNAL"))
        .expect("the outside caller's segment");
    let caller_id = caller["id"].as_str().expect("an id");

    act(
        &server,
        &format!("{CS}/callSegments/{caller_id}/transfer"),
        r#"{"destination":"1002"}"#,
    )
    .await;

    let bobs = get_json(
        &server,
        &format!("{CS}/extensions/getByName/1002/callSegments"),
    )
    .await;
    let alices = get_json(
        &server,
        &format!("{CS}/extensions/getByName/1001/callSegments"),
    )
    .await;
    assert_eq!(
        (bobs.as_array().map(Vec::len), alices),
        (Some(1), json!([]))
    );
    let published = server.stats().snapshot().events_by_type;
    assert_eq!(
        (published.get("linkEnd"), published.get("hangup")),
        (Some(&1), Some(&1))
    );
}

/// The id of the first segment of extension `number`.
async fn segment_of(server: &Server, number: &str) -> String {
    let list = get_json(
        server,
        &format!("{CS}/extensions/getByName/{number}/callSegments"),
    )
    .await;
    list[0]["id"].as_str().expect("a segment id").to_string()
}

#[tokio::test]
async fn an_originated_call_is_answered_by_the_answer_action_then_transfers() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    act(
        &server,
        &format!("{CS}/extensions/getByName/1002/originate"),
        r#"{"destination":"5550199"}"#,
    )
    .await;
    let segment = segment_of(&server, "1002").await;
    let transfer = format!("{CS}/callSegments/{segment}/transfer");
    let answer = format!("{CS}/callSegments/{segment}/answer");

    let ringing = send(&server, "POST", &transfer, r#"{"destination":"1001"}"#).await;
    act(&server, &answer, "").await;
    act(&server, &answer, "{}").await; // already connected: nothing to do, still 204
    let elsewhere = send(&server, "POST", &answer, r#"{"extension":"1001"}"#).await;
    let bad_body = send(&server, "POST", &answer, r#"{"who":"me"}"#).await;
    let unknown = send(
        &server,
        "POST",
        &format!("{CS}/callSegments/nope/answer"),
        "",
    )
    .await;
    act(&server, &transfer, r#"{"destination":"1001"}"#).await;

    assert_error(&ringing, 409, "it is ringing, not connected");
    assert_error(&elsewhere, 409, "answer");
    assert_error(&bad_body, 412, "extension");
    assert_error(&unknown, 404, "call segment");
    let alices = get_json(
        &server,
        &format!("{CS}/extensions/getByName/1001/callSegments"),
    )
    .await;
    assert_eq!(
        alices.as_array().map(Vec::len),
        Some(1),
        "1001 rings: {alices}"
    );
    let published = server.stats().snapshot().events_by_type;
    assert_eq!(
        (published.get("linkEnd"), published.get("hangup")),
        (Some(&1), Some(&1)),
        "the transfer ended the answered link"
    );
}

#[tokio::test]
async fn a_queued_call_is_answered_by_the_agent_the_body_names() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    step(&server, 3).await; // to 10 s: the caller waits in the support queue
    let waiting = get_json(
        &server,
        &format!("{CS}/queues/getByName/support/callSegments"),
    )
    .await;
    let caller = waiting[0]["id"]
        .as_str()
        .expect("the waiting caller")
        .to_string();
    let answer = format!("{CS}/callSegments/{caller}/answer");

    let nobody = send(&server, "POST", &answer, "").await;
    act(&server, &answer, r#"{"extension":"1001"}"#).await;

    assert_error(&nobody, 409, "name the answering agent");
    let alices = get_json(
        &server,
        &format!("{CS}/extensions/getByName/1001/callSegments"),
    )
    .await;
    assert_eq!(alices.as_array().map(Vec::len), Some(1), "{alices}");
}

#[tokio::test]
async fn refused_actions_are_409_with_the_models_reason() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let login = format!("{CS}/queues/getByName/support/login");

    let twice = send(&server, "POST", &login, r#"{"extension":"1001"}"#).await;
    let nobody = send(&server, "POST", &login, r#"{"extension":"4224"}"#).await;

    assert_error(&twice, 409, "already an agent");
    assert_error(&nobody, 409, "unknown extension `4224`");
    assert_eq!(
        server.stats().snapshot().events_published,
        0,
        "nothing changed"
    );
}

#[tokio::test]
async fn invalid_json_bodies_are_412() {
    let server = desk::server(ServerConfig::default());
    let cases = [
        ("queues/getByName/support/login", "{", "not valid JSON"),
        (
            "queues/getByName/support/login",
            r#"{"extension": true}"#,
            "expected a body like",
        ),
        (
            "extensions/getByName/1001/originate",
            "[]",
            "expected a body like",
        ),
        (
            "extensions/getByName/1001/dnd",
            r#"{"enabled":"yes"}"#,
            "expected a body like",
        ),
        (
            "queues/getByName/support/agents/getByName/1001/penalty",
            r#"{"penalty":-1}"#,
            "expected a body like",
        ),
    ];
    for (action, body, needle) in cases {
        let response = send(&server, "POST", &format!("{CS}/{action}"), body).await;
        assert_error(&response, 412, needle);
    }
    assert_eq!(server.stats().snapshot().events_published, 0);
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let server = desk::server(ServerConfig::default());
    let huge = format!(r#"{{"extension":"{}"}}"#, "1".repeat(MAX_REQUEST_BODY));

    let response = send(
        &server,
        "POST",
        &format!("{CS}/queues/getByName/support/login"),
        &huge,
    )
    .await;

    assert_error(&response, 413, "over 1048576 bytes");
}
