//! The dashboard (`/sim/ui`) without a browser: the page and its assets behind
//! the credentials, and its status-delta stream over a real socket, read with
//! tokio-tungstenite. The browser tests (`tests/browser`) drive the page itself.

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::server::{Credentials, MAX_EVENTS_PER_SAMPLE, Server, ServerConfig};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::desk;
use crate::harness::{TestServer, within};
use crate::http_client::send;

#[tokio::test]
async fn the_page_and_its_assets_are_served_from_the_binary_behind_the_credentials() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let page = desk::request("GET", "/sim/ui")
        .reply(&server.routes())
        .await;
    let script = desk::request("GET", "/sim/ui/app.js")
        .reply(&server.routes())
        .await;
    let style = desk::request("GET", "/sim/ui/style.css")
        .reply(&server.routes())
        .await;
    let anonymous = warp::test::request()
        .path("/sim/ui")
        .remote_addr(desk::loopback())
        .reply(&server.routes())
        .await;

    for (response, kind) in [
        (&page, "text/html"),
        (&script, "text/javascript"),
        (&style, "text/css"),
    ] {
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().expect("text");
        assert!(content_type.starts_with(kind), "{content_type}");
        let body = desk::text(response);
        // Nothing comes from elsewhere: no CDN, no fonts, no network.
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{kind} names an outside URL"
        );
    }
    assert!(desk::text(&page).contains(r#"<script src="/sim/ui/app.js">"#));
    assert!(desk::text(&script).contains("/sim/ui/stream"));
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn other_paths_and_methods_under_the_dashboard_are_refused_plainly() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let unknown = desk::send(&server, "GET", "/sim/ui/nothing", "").await;
    let post = desk::send(&server, "POST", "/sim/ui", "").await;
    let not_upgraded = desk::send(&server, "GET", "/sim/ui/stream", "").await;
    let control = desk::send(&server, "GET", "/sim/status", "").await;

    desk::assert_error(&unknown, 404, "/sim/ui");
    desk::assert_error(&post, 405, "GET");
    desk::assert_error(&not_upgraded, 426, "websocket");
    assert_eq!(control.status(), 200, "the control API is still behind it");
    assert_eq!(
        server.stats().snapshot().challenges_held,
        0,
        "each request was admitted once"
    );
}

/// The dashboard's websocket, read as JSON messages.
struct Dashboard {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Dashboard {
    async fn open(server: &TestServer) -> Dashboard {
        let mut request = format!("ws://{}/sim/ui/stream", server.addr)
            .into_client_request()
            .expect("URL");
        let value = Credentials::default()
            .basic_header()
            .parse()
            .expect("header");
        request.headers_mut().insert(AUTHORIZATION, value);
        let (ws, _) = within(
            "the dashboard handshake",
            tokio_tungstenite::connect_async(request),
        )
        .await
        .expect("upgrade accepted");
        Dashboard { ws }
    }

    /// The next message of type `kind` for which `wanted` holds; the others are
    /// passed over (a sample repeats nothing that did not change).
    async fn next(&mut self, kind: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        within(&format!("a {kind} message as wanted"), async {
            loop {
                let message = self.ws.next().await.expect("open").expect("a frame");
                let Message::Text(text) = message else {
                    continue;
                };
                let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
                if value["type"] == kind && wanted(&value) {
                    return value;
                }
            }
        })
        .await
    }

    async fn send(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("sent");
    }
}

/// The row with `key` = `id` among a section's upserts.
fn upserted<'a>(message: &'a Value, section: &str, key: &str, id: &Value) -> Option<&'a Value> {
    message[section]["upsert"]
        .as_array()?
        .iter()
        .find(|row| &row[key] == id)
}

async fn step_batch(server: &TestServer) {
    let reply = send(server.addr, "POST", "/sim/step?to=batch", "").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_sends_the_whole_panel_then_only_what_changed() {
    let server =
        TestServer::start_with_feed(ServerConfig::default().with_paused(true), desk::player())
            .await;
    let mut dashboard = Dashboard::open(&server).await;

    let full = dashboard.next("uiState", |m| m["full"] == true).await;
    let mut client = server.connect().await;
    let (_, reply) = client
        .set_filters(
            r#"[{"property":"username","value":"alice"},{"property":"type","value":"userLogin"}]"#,
        )
        .await;
    assert_eq!(reply["success"], true);
    let filtered = dashboard
        .next("uiState", |m| {
            upserted(m, "clients", "id", &json!(1)).is_some_and(|c| c["filterEntries"] == 2)
        })
        .await;
    step_batch(&server).await; // the loop starts
    step_batch(&server).await; // Alice logs in
    let logged_in = dashboard
        .next("uiState", |m| {
            upserted(m, "users", "username", &json!("alice")).is_some_and(|u| u["loggedIn"] == true)
        })
        .await;
    step_batch(&server).await; // the caller dials the queue
    let waiting = dashboard
        .next("uiState", |m| {
            upserted(m, "queues", "identifier", &json!("support"))
                .is_some_and(|q| q["waiting"].as_array().is_some_and(|w| w.len() == 1))
        })
        .await;

    assert_eq!(full["run"]["paused"], true);
    let users: Vec<&Value> = full["users"]["upsert"]
        .as_array()
        .expect("users")
        .iter()
        .collect();
    assert_eq!(users.len(), 2);
    assert_eq!(
        (users[0]["username"].clone(), users[0]["loggedIn"].clone()),
        (json!("alice"), json!(false))
    );
    let client_row = upserted(&filtered, "clients", "id", &json!(1)).expect("client 1");
    assert_eq!(
        client_row["filter"],
        json!([
            {"property": "type", "values": ["userLogin"], "more": 0},
            {"property": "username", "values": ["alice"], "more": 0}
        ])
    );
    assert!(
        filtered.get("users").is_none(),
        "unchanged users are not sent again"
    );
    let queue = upserted(&waiting, "queues", "identifier", &json!("support")).expect("support");
    let caller = &queue["waiting"][0];
    assert_eq!(caller["caller"]["name"], "ACME Corp");
    assert_eq!(caller["since"], json!(desk::EPOCH + 10_000));
    assert_eq!(queue["longestSince"], json!(desk::EPOCH + 10_000));
    let alice = upserted(&logged_in, "users", "username", &json!("alice")).expect("alice");
    assert!(alice["loginFrom"].is_string());
    assert!(
        upserted(&logged_in, "users", "username", &json!("bob")).is_none(),
        "only the row that changed is sent"
    );
    client.close(1000, "done").await;
    let departed = dashboard
        .next("uiState", |m| {
            m["departed"].as_array().is_some_and(|d| !d.is_empty())
        })
        .await;
    assert_eq!(departed["departed"][0]["id"], 1);
    assert_eq!(
        departed["departed"][0]["ending"],
        "client closed the connection"
    );
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filter_box_is_judged_and_answered_as_a_session_judges_a_filter() {
    let server =
        TestServer::start_with_feed(ServerConfig::default().with_paused(true), desk::player())
            .await;
    let mut dashboard = Dashboard::open(&server).await;
    let mut session = server.connect().await;
    dashboard.next("uiState", |m| m["full"] == true).await;

    for text in [
        r#"{"type":"filter","filters":[{"property":"type","value":"hangup"}]}"#,
        r#"{"type":"filter","filters":[{"property":"type","value":"hangupp"},{"property":"nope","value":1}]}"#,
        r#"{ "type" : "filter", "filters" : [ {"property" : "type" : "value" : "dial"} ] }"#,
        r#"{"type":"subscribe"}"#,
        "not json",
    ] {
        dashboard.send(text).await;
        let from_dashboard = dashboard.next("filterResponse", |_| true).await;
        session.send_text(text).await;
        let (_, from_session) = session.events_until_reply().await;

        assert_eq!(from_dashboard, from_session, "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_view_shows_what_a_connection_with_the_same_filter_gets() {
    let server =
        TestServer::start_with_feed(ServerConfig::default().with_paused(true), desk::player())
            .await;
    let mut dashboard = Dashboard::open(&server).await;
    let filter =
        r#"[{"property":"type","value":"hangup"},{"property":"type","value":"userLogin"}]"#;
    let mut session = server.connect().await;
    session.set_filters(filter).await;
    dashboard
        .send(&format!(r#"{{"type":"filter","filters":{filter}}}"#))
        .await;
    dashboard
        .next("filterResponse", |m| m["success"] == true)
        .await;

    for _ in 0..desk::BATCHES.len() {
        step_batch(&server).await;
    }
    let expected: Vec<String> = session
        .window()
        .await
        .into_iter()
        .map(|event| event.to_string())
        .collect();
    let mut shown = Vec::new();
    while shown.len() < expected.len() {
        let batch = dashboard
            .next("uiEvents", |m| {
                m["events"].as_array().is_some_and(|e| !e.is_empty())
            })
            .await;
        assert_eq!(batch["notShown"], 0, "{batch}");
        assert_eq!(batch["maxPerSample"], MAX_EVENTS_PER_SAMPLE);
        for event in batch["events"].as_array().expect("events") {
            let text = event["text"].as_str().expect("text");
            let reparsed: Value = serde_json::from_str(text).expect("JSON");
            shown.push(reparsed.to_string());
        }
    }

    let types: Vec<&str> = expected
        .iter()
        .filter_map(|e| e.split("\"type\":\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(types, ["userLogin", "hangup", "hangup"], "{expected:#?}");
    assert_eq!(shown, expected);
}
