//! Filter messages over a real websocket (docs/protocol.md §5): replace semantics,
//! replies, and what happens to the previous filters when a message is refused.

use isymphony_sim::server::ServerConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::events::{hangup, login, mixed, wire};
use crate::harness::TestServer;

const ONLY_HANGUPS: &str = r#"[{"property":"type","value":"hangup"}]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_filter_message_every_event_arrives() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;
    let events = mixed(24);

    server.publish(events.clone()).await;
    let received = client.window().await;

    assert_eq!(received, wire(&events));
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_filter_list_admits_every_event() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;
    let events = mixed(24);

    let (_, reply) = client.set_filters("[]").await;
    server.publish(events.clone()).await;
    let received = client.window().await;

    assert_eq!(
        reply,
        serde_json::json!({"type":"filterResponse","success":true})
    );
    assert_eq!(received, wire(&events));
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_filter_message_replaces_the_previous_set() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;
    let (a_login, a_hangup) = (login("mikey", 1), hangup(Some("mikey"), 2));

    client
        .set_filters(r#"[{"property":"type","value":"userLogin"}]"#)
        .await;
    server
        .publish(vec![a_login.clone(), a_hangup.clone()])
        .await;
    let under_first = client.window().await;
    client.set_filters(ONLY_HANGUPS).await;
    server
        .publish(vec![a_login.clone(), a_hangup.clone()])
        .await;
    let under_second = client.window().await;

    assert_eq!(under_first, wire(&[a_login]));
    // Replaced, not merged: logins no longer pass.
    assert_eq!(under_second, wire(&[a_hangup]));
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_messages_get_a_failure_reply_and_keep_the_previous_filters() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;
    client.set_filters(ONLY_HANGUPS).await;
    let bad: Vec<(Message, &str)> = vec![
        (Message::text("{"), "malformed JSON"),
        (
            Message::text(r#"{"type":"filter","filters":[}"#),
            "malformed JSON",
        ),
        (Message::text("[1]"), "expected a JSON object"),
        (Message::text(r#"{"type":"filter"}"#), "no \"filters\""),
        (
            Message::text(r#"{"type":"filter","filters":{}}"#),
            "must be a list",
        ),
        (
            Message::text(r#"{"type":"filter","filters":[{"value":"x"}]}"#),
            "no \"property\"",
        ),
        (
            Message::text(r#"{"type":"subscribe"}"#),
            "unknown message type",
        ),
        (
            Message::text(
                r#"{ "type" : "filter", "filters" : [ {"property" : "type" : "value" : "userLogin"} ] }"#,
            ),
            "--lenient-filters",
        ),
        (
            Message::binary(ONLY_HANGUPS.as_bytes().to_vec()),
            "binary frames are not accepted",
        ),
    ];
    let count = bad.len() as u64;

    let mut replies = Vec::new();
    for (message, _) in &bad {
        client.send(message.clone()).await;
        let (events, reply) = client.events_until_reply().await;
        assert!(events.is_empty(), "nothing was published: {events:?}");
        replies.push(reply);
    }
    server
        .publish(vec![login("mikey", 1), hangup(Some("mikey"), 2)])
        .await;
    let after = client.window().await;

    for ((message, expected), reply) in bad.iter().zip(&replies) {
        assert_eq!(reply["type"], "filterResponse", "{message:?}");
        assert_eq!(reply["success"], false, "{message:?}: {reply}");
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(expected),
            "{message:?}: expected {expected:?} in {error:?}"
        );
    }
    assert_eq!(
        after,
        wire(&[hangup(Some("mikey"), 2)]),
        "the hangup-only filter is still in force"
    );
    assert_eq!(server.stats.snapshot().bad_client_messages, count);
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lenient_mode_accepts_the_documented_invalid_form() {
    let server = TestServer::start(ServerConfig::default().with_lenient_filters(true)).await;
    let mut client = server.connect().await;

    client
        .send_text(
            r#"{ "type" : "filter", "filters" : [ {"property" : "type" : "value" : "hangup"} ] }"#,
        )
        .await;
    let (_, reply) = client.events_until_reply().await;
    server
        .publish(vec![login("mikey", 1), hangup(None, 2)])
        .await;
    // The client's own record of its filters is "[]"; re-sending it would widen the
    // filter, so mark the window with a refused message instead (it changes nothing).
    client.send_text(r#"{"type":"windowMarker"}"#).await;
    let (after, marker) = client.events_until_reply().await;

    assert_eq!(reply["success"], true, "{reply}");
    assert_eq!(marker["success"], false);
    assert_eq!(after, wire(&[hangup(None, 2)]));
    server.shut_down([client]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_filters_that_can_never_match_carry_warnings() {
    let server = TestServer::start(ServerConfig::default()).await;
    let mut client = server.connect().await;

    let (_, reply) = client
        .set_filters(r#"[{"property":"type","value":"dial"}]"#)
        .await;
    let (_, clean) = client.set_filters(ONLY_HANGUPS).await;

    assert_eq!(reply["success"], true);
    let warnings = reply["warnings"].as_array().cloned().unwrap_or_default();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap_or_default().contains("--profile")),
        "dial is not emitted in the standard profile: {reply}"
    );
    assert!(clean.get("warnings").is_none(), "{clean}");
    server.shut_down([client]).await;
}
