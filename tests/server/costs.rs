//! Issue #17 §1 through the control API: what `/sim/` accepts has bounded cost.
//! A posted flood is refused or stopped at a limit (and counted), the clock's
//! speed and epoch stay in documented ranges, and a huge broken file gets a
//! bounded answer.

use isymphony_sim::server::ServerConfig;
use serde_json::Value;

use crate::desk::{self, assert_error, get_json, send, text};

const FLOOD: &str = "[scenario]
name = \"flood\"
length = \"8h\"

[[queues]]
identifier = \"q\"

[[generators]]
kind = \"inbound_calls\"
queue = \"q\"
per_hour = RATE
";

#[tokio::test]
async fn a_posted_flood_is_refused_or_stopped_at_a_limit_and_counted() {
    let server = desk::server(ServerConfig::default().with_paused(true));

    let refused = send(
        &server,
        "POST",
        "/sim/scenario",
        &FLOOD.replace("RATE", "1e12"),
    )
    .await;
    let loaded = send(
        &server,
        "POST",
        "/sim/scenario",
        &FLOOD.replace("RATE", "100000"),
    )
    .await;
    // Each step applies at most 10,000 silent batches; the limit comes within two.
    let mut steps = 0;
    let status = loop {
        let status = get_json(&server, "/sim/status").await;
        if status["stopped"].is_string() || steps == 10 {
            break status;
        }
        send(&server, "POST", "/sim/step", "").await;
        steps += 1;
    };
    let waiting = get_json(
        &server,
        "/communication_manager/rest/live/coreServers/getByName/default/queues/getByName/q/callSegments",
    )
    .await;
    let after = send(&server, "POST", "/sim/step", "").await;

    assert_eq!(refused.status(), 422, "{}", text(&refused));
    assert!(
        text(&refused).contains("max-generator-rate"),
        "{}",
        text(&refused)
    );
    assert_eq!(loaded.status(), 200, "{}", text(&loaded));
    let stopped = status["stopped"].as_str().unwrap_or_default();
    assert!(
        stopped.starts_with("request body:8: the run stopped at ")
            && stopped.contains("max-queue-callers"),
        "{status}"
    );
    assert_eq!(status["runsStopped"], 1, "{status}");
    assert_eq!(
        status["nextDueMs"],
        Value::Null,
        "nothing more is scheduled"
    );
    assert_eq!(
        waiting.as_array().map(Vec::len),
        Some(1000),
        "the queue holds the limit"
    );
    assert_error(&after, 409, "the run is over");
}

#[tokio::test]
async fn a_restart_at_zero_is_refused_by_the_loader() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let file = "[scenario]\nname = \"r\"\nlength = \"1h\"\n[[steps]]\nat = \"0s\"\naction = \"fault\"\nkind = \"restart\"\n";

    let response = send(&server, "POST", "/sim/scenario", file).await;

    assert_eq!(response.status(), 422);
    assert!(
        text(&response).starts_with("request body:5:6: a \"restart\" fault"),
        "{}",
        text(&response)
    );
}

#[tokio::test]
async fn an_epoch_at_the_ends_of_an_i64_is_refused() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let file = FLOOD.replace("RATE", "10");

    for epoch in [
        i64::MAX.to_string(),
        i64::MIN.to_string(),
        "253402300800000".to_string(),
    ] {
        let response = send(
            &server,
            "POST",
            &format!("/sim/scenario?epoch={epoch}"),
            &file,
        )
        .await;
        assert_error(&response, 400, "out of range");
    }
    let last = send(
        &server,
        "POST",
        "/sim/scenario?epoch=253402300799999",
        &file,
    )
    .await;
    assert_eq!(last.status(), 200, "{}", text(&last));
}

#[tokio::test]
async fn a_huge_broken_file_gets_a_bounded_answer() {
    let server = desk::server(ServerConfig::default());
    // One bad line after another: 40,000 problems in about 600 KiB.
    let mut file = String::from("[scenario]\nname = \"x\"\nlength = \"1h\"\n");
    while file.len() < 600 * 1024 {
        file.push_str("[[steps]]\nat = \"1m\"\naction = \"jump\"\n");
    }

    let response = send(&server, "POST", "/sim/scenario", &file).await;

    let body = text(&response);
    assert_eq!(response.status(), 422);
    assert!(body.len() <= 64 * 1024 + 100, "{} bytes", body.len());
    assert_eq!(
        body.lines().count(),
        101,
        "100 problems and the count of the rest"
    );
    assert!(
        body.contains("more problem(s) not shown"),
        "{}",
        &body[body.len().saturating_sub(300)..]
    );
}
