//! The request journal (`GET` / `DELETE /sim/requests`): every Live API request,
//! answered or refused, with its virtual time, method, path, status and body
//! sizes; the control API's own requests are not in it.

use isymphony_sim::server::ServerConfig;
use serde_json::Value;

use crate::desk::{self, CS, get_json, send};

#[tokio::test]
async fn live_api_requests_are_journaled_with_status_and_sizes_and_can_be_cleared() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let read = send(
        &server,
        "GET",
        &format!("{CS}/extensions/getByName/1001"),
        "",
    )
    .await;
    assert_eq!(read.status(), 200);
    let missing = send(
        &server,
        "GET",
        &format!("{CS}/extensions/getByName/9999?x=1"),
        "",
    )
    .await;
    assert_eq!(missing.status(), 404);
    let refused = warp::test::request()
        .method("GET")
        .path(&format!("{CS}/users"))
        .remote_addr(desk::loopback())
        .reply(&server.routes())
        .await;
    assert_eq!(refused.status(), 401);
    let action = send(
        &server,
        "POST",
        &format!("{CS}/extensions/getByName/1001/dnd"),
        r#"{"enabled":true}"#,
    )
    .await;
    assert_eq!(action.status(), 204);
    // The control API's own requests are not journaled.
    let _ = get_json(&server, "/sim/status").await;

    let journal = get_json(&server, "/sim/requests").await;
    let requests = journal["requests"].as_array().expect("a list");
    let seen: Vec<(String, String, u64)> = requests
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap_or("").to_string(),
                r["path"].as_str().unwrap_or("").to_string(),
                r["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("GET".into(), format!("{CS}/extensions/getByName/1001"), 200),
            (
                "GET".into(),
                format!("{CS}/extensions/getByName/9999?x=1"),
                404
            ),
            ("GET".into(), format!("{CS}/users"), 401),
            (
                "POST".into(),
                format!("{CS}/extensions/getByName/1001/dnd"),
                204
            ),
        ]
    );
    assert_eq!(
        requests[0]["responseBytes"].as_u64(),
        Some(read.body().len() as u64)
    );
    assert_eq!(
        requests[1]["responseBytes"].as_u64(),
        Some(missing.body().len() as u64)
    );
    assert_eq!(requests[3]["requestBytes"].as_u64(), Some(16));
    assert_eq!(requests[3]["responseBytes"].as_u64(), Some(0));
    let seqs: Vec<u64> = requests.iter().filter_map(|r| r["seq"].as_u64()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert!(requests.iter().all(
        |r| r["virtualMs"].as_u64() == Some(0) && r["unixUs"].as_u64().is_some_and(|us| us > 0)
    ));
    assert_eq!(
        (journal["total"].as_u64(), journal["dropped"].as_u64()),
        (Some(4), Some(0))
    );

    let cleared = send(&server, "DELETE", "/sim/requests", "").await;
    assert_eq!(cleared.status(), 200);
    let cleared: Value = serde_json::from_slice(cleared.body()).expect("JSON");
    assert_eq!(cleared["cleared"].as_u64(), Some(4));
    let empty = get_json(&server, "/sim/requests").await;
    assert_eq!(empty["requests"].as_array().map(Vec::len), Some(0));
    let wrong = send(&server, "POST", "/sim/requests", "").await;
    assert_eq!(wrong.status(), 405);
}
