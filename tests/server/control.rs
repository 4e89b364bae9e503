//! The control API under `/sim/` in-process (`warp::test`): status, the clock
//! controls, step, loading and resetting scenarios, injection, and every error.

use isymphony_sim::server::{MAX_REQUEST_BODY, Server, ServerConfig};
use serde_json::{Value, json};

use crate::desk::{self, BATCHES, EPOCH, SEED, assert_error, get_json, send, text};

/// `POST /sim/{route}` with `body`, which must answer 200 with JSON.
async fn post_json(server: &Server, route: &str, body: &str) -> Value {
    let response = send(server, "POST", &format!("/sim/{route}"), body).await;
    assert_eq!(
        response.status(),
        200,
        "POST /sim/{route}: {}",
        text(&response)
    );
    serde_json::from_slice(response.body()).expect("a JSON body")
}

/// Steps until the run is over; returns (virtual ms, events) of each batch.
async fn step_to_the_end(server: &Server) -> Vec<(u64, u64)> {
    let mut batches = Vec::new();
    loop {
        let response = send(server, "POST", "/sim/step?to=batch", "").await;
        if response.status() == 409 {
            assert_error(&response, 409, "the run is over");
            return batches;
        }
        let stepped: Value = serde_json::from_slice(response.body()).expect("JSON");
        let pair = (stepped["virtualMs"].as_u64(), stepped["events"].as_u64());
        batches.push((pair.0.expect("virtualMs"), pair.1.expect("events")));
    }
}

#[tokio::test]
async fn status_reports_the_run_and_the_counters() {
    let server = desk::server(ServerConfig::default().with_paused(true).with_speed(60.0));

    let status = get_json(&server, "/sim/status").await;

    let run = json!({
        "scenario": "desk", "seed": SEED, "epoch": EPOCH, "virtualMs": 0,
        "clock": "2023-11-14T22:13:20.000Z", "paused": true, "speed": 60.0, "loop": 0,
        "nextDueMs": 0, "stepFailures": 0, "generatorFaults": 0,
    });
    for (key, expected) in run.as_object().expect("an object") {
        assert_eq!(&status[key], expected, "{key} in {status}");
    }
    for counter in [
        "connectionsCurrent",
        "eventsPublished",
        "slowConsumerDisconnects",
        "eventsInjected",
    ] {
        assert_eq!(status[counter], 0, "{counter} in {status}");
    }
    assert_eq!(status["eventsByType"], json!({}));
}

#[tokio::test]
async fn step_advances_to_the_next_event_applying_silent_batches_on_the_way() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let mut steps = Vec::new();
    loop {
        let response = send(&server, "POST", "/sim/step", "").await;
        if response.status() == 409 {
            break;
        }
        let stepped: Value = serde_json::from_slice(response.body()).expect("JSON");
        steps.push((
            stepped["virtualMs"].clone(),
            stepped["events"].clone(),
            stepped["batches"].clone(),
        ));
    }
    let bad = send(&server, "POST", "/sim/step?to=somewhere", "").await;

    // BATCHES holds one silent batch before the first event and two before the last.
    assert_eq!(
        steps,
        [
            (json!(5000), json!(1), json!(2)),
            (json!(60000), json!(3), json!(3))
        ]
    );
    assert_error(&bad, 400, "to must be `event` (the default) or `batch`");
}

#[tokio::test]
async fn step_to_batch_applies_exactly_one_batch_at_a_time_until_the_run_is_over() {
    let server = desk::server(ServerConfig::default().with_paused(true));

    let batches = step_to_the_end(&server).await;
    let status = get_json(&server, "/sim/status").await;

    assert_eq!(batches, BATCHES);
    assert_eq!(
        status["virtualMs"], 60_000,
        "a paused clock stands at the last step"
    );
    assert_eq!(status["clock"], "2023-11-14T22:14:20.000Z");
    assert_eq!(status["nextDueMs"], Value::Null);
    assert_eq!(
        status["eventsByType"],
        json!({"userLogin": 1, "linkEnd": 1, "hangup": 2})
    );
}

#[tokio::test]
async fn pause_resume_and_speed_change_the_clock() {
    let server = desk::server(ServerConfig::default());

    let paused = post_json(&server, "pause", "").await;
    let faster = post_json(&server, "speed", r#"{"speed": 10}"#).await;
    let resumed = post_json(&server, "resume", "").await;

    assert_eq!(paused["paused"], true);
    assert_eq!(
        (faster["speed"].as_f64(), faster["paused"].clone()),
        (Some(10.0), json!(true))
    );
    assert_eq!(resumed["paused"], false);
}

#[tokio::test]
async fn a_bad_speed_is_400() {
    let server = desk::server(ServerConfig::default());
    let cases = [
        ("{", "not valid JSON"),
        ("NaN", "not valid JSON"),
        (r#"{"speed":NaN}"#, "not valid JSON"),
        (r#"{"speed":"fast"}"#, "expected a body like"),
        (r#"{"speed":0}"#, "from 0.001 to 1000000"),
        (r#"{"speed":-2}"#, "from 0.001 to 1000000"),
        (r#"{"speed":1e308}"#, "from 0.001 to 1000000"),
        (r#"{"speed":1e-9}"#, "from 0.001 to 1000000"),
        (r#"{"speed":1000001}"#, "from 0.001 to 1000000"),
    ];
    for (body, needle) in cases {
        let response = send(&server, "POST", "/sim/speed", body).await;
        assert_error(&response, 400, needle);
    }
    assert_eq!(get_json(&server, "/sim/status").await["speed"], 1.0);
}

#[tokio::test]
async fn reset_replays_the_same_run_from_the_start() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let first = step_to_the_end(&server).await;

    let reset = post_json(&server, "reset", "").await;
    let second = step_to_the_end(&server).await;

    assert_eq!(
        (reset["virtualMs"].clone(), reset["nextDueMs"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(first, second);
}

#[tokio::test]
async fn reset_without_a_scenario_is_409() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let response = send(&server, "POST", "/sim/reset", "").await;

    assert_error(&response, 409, "not a scenario");
}

#[tokio::test]
async fn a_loaded_scenario_replaces_the_run_with_the_seed_asked_for() {
    let server = Server::new(ServerConfig::default().with_paused(true)).expect("config");
    let renamed = desk::DESK.replace("name = \"desk\"", "name = \"lobby\"");

    let status = post_json(&server, "scenario?seed=99", &renamed).await;
    let extensions = get_json(&server, &format!("{}/extensions", desk::CS)).await;
    let default_seed = post_json(&server, "scenario", desk::DESK).await;

    assert_eq!(
        (
            status["scenario"].clone(),
            status["seed"].clone(),
            status["virtualMs"].clone()
        ),
        (json!("lobby"), json!(99), json!(0))
    );
    assert_eq!(
        extensions.as_array().map(Vec::len),
        Some(2),
        "the Live API answers from it"
    );
    assert_eq!(
        default_seed["seed"], SEED,
        "the file's seed when none is asked for"
    );
}

#[tokio::test]
async fn an_invalid_scenario_is_422_with_every_problem_located() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let broken = desk::DESK
        .replace("action = \"login\"", "action = \"logn\"")
        .replace("length = \"10m\"", "length = \"ten minutes\"");

    let response = send(&server, "POST", "/sim/scenario", &broken).await;
    let status = get_json(&server, "/sim/status").await;

    let body = text(&response);
    assert_eq!(response.status(), 422, "{body}");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 2, "{body}");
    for line in lines {
        let mut parts = line.splitn(4, ':');
        let (path, row, column) = (parts.next(), parts.next(), parts.next());
        assert_eq!(path, Some("request body"), "{line}");
        assert!(row.and_then(|r| r.parse::<u32>().ok()).is_some(), "{line}");
        assert!(
            column.and_then(|c| c.parse::<u32>().ok()).is_some(),
            "{line}"
        );
    }
    assert_eq!(status["scenario"], "desk", "the run in place is kept");
}

#[tokio::test]
async fn a_bad_seed_is_400_and_a_scenario_that_is_not_text_422() {
    let server = desk::server(ServerConfig::default());

    let seed = send(&server, "POST", "/sim/scenario?seed=-1", desk::DESK).await;
    let binary = desk::request("POST", "/sim/scenario")
        .body(vec![0xff, 0xfe, 0x00])
        .reply(&server.routes())
        .await;

    assert_error(&seed, 400, "seed must be a whole number");
    assert_error(&binary, 422, "UTF-8");
}

#[tokio::test]
async fn inject_publishes_an_event_object_and_refuses_anything_else() {
    let server = desk::server(ServerConfig::default());

    let accepted = send(
        &server,
        "POST",
        "/sim/inject",
        r#"{"type":"parkedCall","slot":701}"#,
    )
    .await;
    let not_json = send(&server, "POST", "/sim/inject", "{").await;
    let untyped = send(&server, "POST", "/sim/inject", r#"{"slot":701}"#).await;

    assert_eq!(accepted.status(), 204, "{}", text(&accepted));
    assert_error(&not_json, 412, "not valid JSON");
    assert_error(&untyped, 412, "string \"type\"");
    let status = get_json(&server, "/sim/status").await;
    assert_eq!(
        (
            status["eventsInjected"].clone(),
            status["eventsPublished"].clone()
        ),
        (json!(1), json!(1))
    );
}

#[tokio::test]
async fn unknown_routes_are_404_other_methods_405_and_big_bodies_413() {
    let server = desk::server(ServerConfig::default());

    let unknown = send(&server, "GET", "/sim/teleport", "").await;
    let get_step = send(&server, "GET", "/sim/step", "").await;
    let post_status = send(&server, "POST", "/sim/status", "").await;
    let huge = send(
        &server,
        "POST",
        "/sim/inject",
        &" ".repeat(MAX_REQUEST_BODY + 1),
    )
    .await;

    assert_error(&unknown, 404, "/sim/status");
    assert_error(&get_step, 405, "use POST");
    assert_error(&post_status, 405, "use GET");
    assert_eq!(
        get_step.headers().get("allow").map(|v| v.as_bytes()),
        Some(&b"POST"[..])
    );
    assert_error(&huge, 413, "over");
}

#[tokio::test]
async fn rest_actions_apply_while_paused_without_moving_the_clock() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    for _ in 0..2 {
        send(&server, "POST", "/sim/step?to=batch", "").await;
    }

    let login = send(
        &server,
        "POST",
        &format!("{}/queues/getByName/support/login", desk::CS),
        r#"{"extension":"1002"}"#,
    )
    .await;
    let status = get_json(&server, "/sim/status").await;

    assert_eq!(login.status(), 204);
    assert_eq!(status["virtualMs"], 5000);
    assert_eq!(status["eventsByType"]["agentLogin"], 1);
}

#[tokio::test]
async fn a_loaded_scenario_takes_its_epoch_profile_and_looping_from_the_query() {
    // Arrange: no scenario yet, so without `loop=false` the run would loop forever.
    let server = Server::new(ServerConfig::default().with_paused(true)).expect("config");

    // Act
    let status = post_json(
        &server,
        "scenario?seed=7&epoch=1600000000000&profile=extended&loop=false",
        desk::DESK,
    )
    .await;
    let batches = step_to_the_end(&server).await;
    let kept = post_json(&server, "scenario", desk::DESK).await;
    let bad = send(&server, "POST", "/sim/scenario?profile=full", desk::DESK).await;

    // Assert: dial and answer are no longer silent; the run ends after its length.
    assert_eq!(
        (status["epoch"].clone(), status["profile"].clone()),
        (json!(1_600_000_000_000_i64), json!("extended"))
    );
    let times: Vec<u64> = batches.iter().map(|(at, _)| *at).collect();
    let standard_times: Vec<u64> = BATCHES.iter().map(|(at, _)| *at).collect();
    assert_eq!(times, standard_times);
    assert_eq!(batches[3], (15_000, 1), "the answer's dial is emitted");
    assert_eq!(
        (kept["epoch"].clone(), kept["profile"].clone()),
        (json!(1_600_000_000_000_i64), json!("extended")),
        "what the query leaves out carries over"
    );
    assert_error(&bad, 400, "standard");
}
