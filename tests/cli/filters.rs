//! `play --filter` warns about a filter that can never match with the very words
//! `serve` puts in its filter reply: one lint, shared by both.

use std::process::Command;

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::server::Credentials;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::{BIN, PATIENCE, serve};

/// A type no catalogue event has, a type the standard profile does not send, and a
/// property no event has.
const NEVER_MATCHES: &str = r#"{"type":"filter","filters":[{"property":"type","value":"login"},{"property":"type","value":"dial"},{"property":"colour","value":"red"}]}"#;

/// The warnings of `serve`'s reply to `filter`.
async fn served_warnings(filter: &str) -> Vec<String> {
    let served = serve(&["--paused"]);
    let mut request = served.url.as_str().into_client_request().expect("request");
    let header = Credentials::default()
        .basic_header()
        .parse()
        .expect("header");
    request.headers_mut().insert("authorization", header);
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    ws.send(Message::text(filter)).await.expect("send");
    let frame = tokio::time::timeout(PATIENCE, ws.next())
        .await
        .expect("a reply in time");
    let Some(Ok(Message::Text(text))) = frame else {
        panic!("expected the filter reply, got {frame:?}");
    };
    let reply: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    reply["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| w.as_str().expect("a string").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_prints_the_warnings_serve_replies_with() {
    let served = served_warnings(NEVER_MATCHES).await;
    let out = Command::new(BIN)
        .args([
            "play",
            "--seed",
            "1",
            "--until",
            "10m",
            "--filter",
            NEVER_MATCHES,
        ])
        .output()
        .expect("run play");
    let stderr = String::from_utf8_lossy(&out.stderr);

    assert!(out.status.success(), "{stderr}");
    assert_eq!(served.len(), 3, "{served:?}");
    let printed: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("--filter: warning: "))
        .collect();
    assert_eq!(printed, served, "play's stderr:\n{stderr}");
}

#[test]
fn play_warns_about_nothing_for_a_filter_that_matches() {
    let out = Command::new(BIN)
        .args([
            "play",
            "--seed",
            "1",
            "--until",
            "10m",
            "--filter",
            r#"{"type":"filter","filters":[{"property":"type","value":"userLogin"}]}"#,
        ])
        .output()
        .expect("run play");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}
