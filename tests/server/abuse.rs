//! Bad input in bulk: 10,000 malformed messages in a row, each answered with a
//! failure reply, leave the server healthy and the same connection usable.

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::server::ServerConfig;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::events::login;
use crate::harness::{TestServer, within};

const MALFORMED: usize = 10_000;

/// The `n`th bad message: every kind of mistake a client makes, in turn.
fn malformed(n: usize) -> Message {
    match n % 10 {
        0 => Message::text(format!("not json {n}")),
        1 => Message::text(format!("{{\"type\":\"filter\",\"filters\":[{n}")),
        2 => Message::text("[]"),
        3 => Message::text(format!("{{\"type\":\"subscribe{n}\"}}")),
        4 => Message::text("{\"type\":\"filter\"}"),
        5 => Message::text("{\"type\":\"filter\",\"filters\":{}}"),
        6 => Message::text("{\"type\":\"filter\",\"filters\":[{\"property\":\"type\"}]}"),
        7 => Message::text(
            "{\"type\":\"filter\",\"filters\":[{\"property\" : \"x\" : \"value\" : \"y\"}]}",
        ),
        8 => Message::binary(vec![0xff_u8; n % 64]),
        _ => Message::text("\u{0}\u{feff}{\"type\":null}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_malformed_messages_leave_the_connection_usable() {
    let server = TestServer::start(ServerConfig::default()).await;
    let (mut sink, mut stream) = server.connect().await.into_inner().split();
    let stats_handle = server.stats.clone();
    let server_stats = move || stats_handle.snapshot();

    // Written back to back while the replies are read concurrently, as a fast
    // broken client would: the server must neither stall nor drop the connection.
    let writer = tokio::spawn(async move {
        for n in 0..MALFORMED {
            sink.feed(malformed(n)).await.expect("send a bad message");
        }
        sink.send(Message::text(
            r#"{"type":"filter","filters":[{"property":"username","value":"survivor"}]}"#,
        ))
        .await
        .expect("send the good filter");
        sink
    });
    let mut failures = 0;
    let accepted = loop {
        let frame = match within("a reply", stream.next()).await {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            other => panic!(
                "the connection failed after {failures} replies: {other:?} {:?}",
                server_stats()
            ),
        };
        let reply: Value = serde_json::from_str(frame.as_str()).expect("replies are JSON");
        if reply["success"] == true {
            break reply;
        }
        assert!(
            reply["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{reply}"
        );
        failures += 1;
    };
    let sink = within("the writer", writer).await.expect("writer task");
    server
        .publish(vec![login("someone", 1), login("survivor", 2)])
        .await;
    let event = loop {
        if let Some(Ok(Message::Text(text))) = within("the event", stream.next()).await {
            break serde_json::from_str::<Value>(text.as_str()).expect("JSON");
        }
    };

    assert_eq!(
        failures, MALFORMED,
        "every bad message got its failure reply"
    );
    assert_eq!(accepted["type"], "filterResponse");
    assert_eq!(
        event["username"], "survivor",
        "the same connection still filters and delivers"
    );
    let stats = server.stats.snapshot();
    assert_eq!(stats.bad_client_messages, MALFORMED as u64);
    assert_eq!(
        (stats.connections_current, stats.slow_consumer_disconnects),
        (1, 0)
    );
    let mut fresh = server.connect().await;
    let (_, reply) = fresh.set_filters("[]").await;
    assert_eq!(reply["success"], true, "the server still takes new clients");
    drop(sink.reunite(stream));
    server.shut_down([fresh]).await;
}
