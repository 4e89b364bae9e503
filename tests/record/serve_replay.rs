//! `serve --replay`: frames byte for byte and in order, the original timing on the
//! virtual clock (and scaled by --speed), per-connection filters as the
//! specification reads them (checked by this test's own filter), the Live API
//! from the snapshot, 409 for actions unless --replay-live, faults, loops, damage.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use isymphony_sim::record::capture::{Phase, Resource, Snapshot};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::{PATIENCE, capture_with, read, run, within};
use crate::fake::Step;
use crate::recording::{fake_live, odd_frames, record_fake};
use crate::served::{Client, Served};

const EPOCH: i64 = 1_700_000_000_000;

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write the capture");
    path
}

/// The odd frames plus one with spaces around it, 10 ms apart.
fn exact_frames() -> Vec<String> {
    let mut frames = odd_frames();
    frames.push("  {\"type\":\"spaced\",\"time\":7}\t".to_string());
    frames
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfiltered_client_gets_every_frame_of_a_recorded_fake_byte_for_byte_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let frames = exact_frames();
    let capture = record_fake(frames.iter().cloned().map(Step::Send).collect(), "1s", &dir).await;
    let offsets: Vec<u64> = {
        let recorded = read(&capture);
        let first = recorded.frames().next().map_or(0, |f| f.ms);
        recorded.frames().map(|f| f.ms - first).collect()
    };
    let served = Served::start(&capture, &["--paused"]).await;
    let mut client = served.connect().await;

    let mut received = Vec::new();
    let mut due = Vec::new();
    while received.len() < frames.len() {
        due.push(served.step().await);
        // Frames received in the same millisecond come in one batch.
        let batch = offsets
            .iter()
            .filter(|o| **o == *due.last().unwrap_or(&0))
            .count();
        received.extend(client.texts(batch).await);
    }

    assert_eq!(received, frames, "offsets {offsets:?}, due {due:?}");
    let mut distinct = offsets.clone();
    distinct.dedup();
    assert_eq!(
        due, distinct,
        "each batch at its captured offset from the first frame"
    );
    // One pass is over: the replay loops, as scenarios do, and /sim/reset starts over.
    let again = served.step().await;
    assert!(
        again > *due.last().unwrap_or(&0),
        "the next pass comes after the first: {again} {due:?}"
    );
    let first_batch = offsets.iter().filter(|o| **o == 0).count();
    assert_eq!(
        client.texts(first_batch).await,
        frames[..first_batch].to_vec()
    );
    let (code, body) = served.http("POST", "/sim/reset", "").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(served.step().await, 0);
    assert_eq!(
        client.texts(first_batch).await,
        frames[..first_batch].to_vec()
    );
}

/// This test's own reading of the filter rule (docs/protocol.md §5.2): OR among the
/// values of one property, AND across properties, a missing property fails, `*`
/// takes any present value, numbers and booleans compare by their JSON text, and
/// null matches only `*`.
fn admits(rules: &[(&str, &str)], frame: &str) -> bool {
    let event = match serde_json::from_str::<Value>(frame) {
        Ok(Value::Object(event)) => event,
        _ => return rules.is_empty(),
    };
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (property, value) in rules {
        groups.entry(property).or_default().push(value);
    }
    groups.iter().all(|(property, values)| {
        let Some(actual) = event.get(*property) else {
            return false;
        };
        if values.contains(&"*") {
            return true;
        }
        let text = match actual {
            Value::Null => return false,
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        values.contains(&text.as_str())
    })
}

fn filter_message(rules: &[(&str, &str)]) -> String {
    let entries: Vec<Value> = rules
        .iter()
        .map(|(p, v)| json!({"property": p, "value": v}))
        .collect();
    json!({"type": "filter", "filters": entries}).to_string()
}

/// Frames until the reply to a fresh filter message: everything published before.
async fn drain(client: &mut Client, rules: &[(&str, &str)]) -> Vec<String> {
    client.send_text(&filter_message(rules)).await;
    let mut out = Vec::new();
    loop {
        match client.next().await {
            Message::Text(text) if text.as_str().contains("\"filterResponse\"") => return out,
            Message::Text(text) => out.push(text.as_str().to_string()),
            other => panic!("expected text, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_filtered_client_gets_exactly_the_matching_subsequence() {
    let dir = tempfile::tempdir().expect("temp dir");
    let played = within(
        "play",
        run(
            ["play", "--scenario", "tests/record/fixtures/roundtrip.toml"]
                .map(String::from)
                .to_vec(),
        ),
    )
    .await;
    let mut frames: Vec<String> = String::from_utf8_lossy(&played.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(frames.len(), 12);
    frames.extend(odd_frames());
    frames.push(r#"{"type":"queueStats","time":5,"waiting":3,"ok":true,"who":null}"#.to_string());
    let capture = record_fake(frames.iter().cloned().map(Step::Send).collect(), "1s", &dir).await;
    let served = Served::start(&capture, &["--paused"]).await;
    let rule_sets: Vec<Vec<(&str, &str)>> = vec![
        vec![("type", "hangup"), ("type", "userLogin")],
        vec![("username", "alice")],
        vec![("type", "userStatus"), ("username", "bob")],
        vec![("slot", "701")],
        vec![("parker", "*")],
        vec![("waiting", "3"), ("ok", "true")],
        vec![("who", "*")],
        vec![("who", "null")],
        vec![("callerName", "Front Desk")],
    ];
    let mut clients = Vec::new();
    for rules in &rule_sets {
        let mut client = served.connect().await;
        let reply = client.filter(&filter_message(rules)).await;
        // A replay may send any type and property, so no rule is one that never matches.
        assert!(!reply.contains("warnings"), "{rules:?}: {reply}");
        clients.push(client);
    }

    // Steps until every frame went out: batches hold the frames of one millisecond.
    let total = read(&capture).frames().count();
    assert_eq!(total, frames.len());
    let mut published = 0;
    while published < total {
        let (code, body) = served.http("POST", "/sim/step", "").await;
        assert_eq!(code, 200, "{body}");
        let stepped: Value = serde_json::from_str(&body).expect("JSON");
        published += stepped["events"].as_u64().unwrap_or(0) as usize;
    }

    for (rules, client) in rule_sets.iter().zip(clients.iter_mut()) {
        let expected: Vec<String> = frames
            .iter()
            .filter(|f| admits(rules, f))
            .cloned()
            .collect();
        assert!(
            !expected.is_empty() || rules == &vec![("who", "null")],
            "{rules:?} selects something"
        );
        assert_eq!(drain(client, rules).await, expected, "filter {rules:?}");
    }
}

fn snapshot() -> Snapshot {
    let ok = |body: Value| Resource {
        status: Some(200),
        body: Some(body),
        error: None,
    };
    Snapshot {
        ms: 1,
        phase: Phase::Start,
        resources: [
            (String::new(), ok(json!({"id":"cs-1","slug":"default","name":"Default"}))),
            ("users".into(), ok(json!([{"id":"u-1","configurationId":"c-1","userName":"1001","displayedName":"Dana Q","permissionId":"c-1"}]))),
            ("extensions".into(), ok(json!([{"id":"e-1","extensionNumber":"1001","displayName":"Dana Q","configurationId":"c-2","permissionId":"c-2"}]))),
            ("queues".into(), ok(json!([{"id":"q-1","displayName":"Support","identifier":"support","configurationId":"c-3","permissionId":"c-3"}]))),
            ("queues/q-1/agents".into(), ok(json!([]))),
            ("callSegments".into(), ok(json!([]))),
            ("conferences".into(), Resource { status: Some(404), body: None, error: None }),
        ]
        .into_iter()
        .collect(),
    }
}

const HANGUP: &str = r#"{"type":"hangup","time":1700000000000,"coreServerId":"cs-1","callSegmentId":"s-1","callerIdName":"Dana Q","callerIdNumber":"1001","did":null,"extensionId":"e-1","extensionNumber":"1001","userId":"u-1","username":"1001"}"#;
const CS: &str = "/communication_manager/rest/live/coreServers/getByName/default";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_api_answers_from_the_recorded_snapshot_and_refuses_actions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = record_fake(vec![Step::Send(HANGUP.to_string())], "1s", &dir).await;
    let served = Served::start(&capture, &["--paused"]).await;
    let get = |path: String| {
        let served = &served;
        async move {
            let (code, body) = served.http("GET", &path, "").await;
            (
                code,
                serde_json::from_str::<Value>(&body).unwrap_or(Value::String(body)),
            )
        }
    };

    for relative in [
        "",
        "users",
        "extensions",
        "queues",
        "queues/q-1/agents",
        "callSegments",
    ] {
        let path = if relative.is_empty() {
            CS.to_string()
        } else {
            format!("{CS}/{relative}")
        };
        assert_eq!(get(path).await, (200, fake_live(relative)), "{relative}");
    }
    let (code, one) = get(format!("{CS}/extensions/getByName/1001")).await;
    assert_eq!((code, one["id"].clone()), (200, json!("e-1")));
    let (code, agents) = get(format!("{CS}/queues/getByName/support/agents")).await;
    assert_eq!((code, agents), (200, fake_live("queues/q-1/agents")));
    let (code, why) = get(format!("{CS}/conferences")).await;
    assert_eq!(code, 404);
    assert!(
        why.as_str().unwrap_or_default().contains("answered 404"),
        "{why}"
    );
    let (code, why) = served
        .http(
            "POST",
            &format!("{CS}/queues/getByName/support/login"),
            r#"{"extension":"1001"}"#,
        )
        .await;
    assert_eq!(code, 409);
    assert!(why.contains("--replay-live"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_live_applies_actions_on_top_of_the_replay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = write(
        &dir,
        "live.jsonl",
        &capture_with(&[(0, HANGUP)], Some(snapshot())),
    );
    let served = Served::start(&capture, &["--paused", "--replay-live"]).await;
    let mut client = served.connect().await;

    let (code, why) = served
        .http(
            "POST",
            &format!("{CS}/queues/getByName/support/login"),
            r#"{"extension":"1001"}"#,
        )
        .await;
    assert_eq!(code, 204, "{why}");
    served.step().await;

    let frames = client.texts(2).await;
    let login: Value = serde_json::from_str(&frames[0]).expect("JSON");
    assert_eq!(
        (login["type"].as_str(), login["queue"].as_str()),
        (Some("agentLogin"), Some("Support"))
    );
    assert_eq!(frames[1], HANGUP, "the replay goes on as captured");
    let (code, users) = served.http("GET", &format!("{CS}/users"), "").await;
    assert_eq!(
        (code, serde_json::from_str::<Value>(&users).ok()),
        (200, snapshot().resources["users"].body.clone())
    );
}

fn ticks(offsets: &[u64]) -> Vec<u8> {
    let frames: Vec<String> = offsets
        .iter()
        .enumerate()
        .map(|(i, _)| format!(r#"{{"type":"tick","time":1,"n":{i}}}"#))
        .collect();
    let timed: Vec<(u64, &str)> = offsets
        .iter()
        .zip(&frames)
        .map(|(ms, f)| (*ms, f.as_str()))
        .collect();
    capture_with(&timed, None)
}

/// Resumes the paused server and reads `n` frames: each frame's retimed `time`
/// minus the epoch (its virtual ms), and its wall arrival after the first.
async fn timed_arrivals(
    served: &Served,
    client: &mut Client,
    n: usize,
) -> (Vec<i64>, Vec<Duration>) {
    let (code, body) = served.http("POST", "/sim/resume", "").await;
    assert_eq!(code, 200, "{body}");
    let mut virtual_ms = Vec::new();
    let mut arrivals = Vec::new();
    let mut first = None;
    for _ in 0..n {
        let frame = client.texts(1).await.remove(0);
        let now = Instant::now();
        let start = *first.get_or_insert(now);
        arrivals.push(now - start);
        let value: Value = serde_json::from_str(&frame).expect("JSON");
        virtual_ms.push(value["time"].as_i64().unwrap_or_default() - EPOCH);
    }
    (virtual_ms, arrivals)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_speed_1_frames_keep_the_timing_the_recorder_measured() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut steps = Vec::new();
    for i in 0..4 {
        steps.push(Step::Send(format!(r#"{{"type":"tick","time":1,"n":{i}}}"#)));
        steps.push(Step::Wait(Duration::from_millis(300)));
    }
    let capture = record_fake(steps, "2s", &dir).await;
    let offsets: Vec<u64> = {
        let recorded = read(&capture);
        let first = recorded.frames().next().map_or(0, |f| f.ms);
        recorded.frames().map(|f| f.ms - first).collect()
    };
    assert_eq!(offsets.len(), 4);
    let epoch = EPOCH.to_string();
    let served = Served::start(
        &capture,
        &["--paused", "--retime", "--epoch", &epoch, "--speed", "1"],
    )
    .await;
    let mut client = served.connect().await;

    let (virtual_ms, arrivals) = timed_arrivals(&served, &mut client, offsets.len()).await;

    assert_eq!(
        virtual_ms,
        offsets.iter().map(|o| *o as i64).collect::<Vec<_>>(),
        "retimed to the virtual clock"
    );
    for (arrival, offset) in arrivals.iter().zip(&offsets) {
        let offset = Duration::from_millis(*offset);
        // Never early; late only by scheduling, with a generous allowance.
        assert!(
            *arrival + Duration::from_millis(20) >= offset,
            "{arrival:?} before {offset:?}"
        );
        assert!(
            *arrival <= offset + Duration::from_secs(5),
            "{arrival:?} long after {offset:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_speed_100_the_same_virtual_times_come_a_hundred_times_sooner() {
    let dir = tempfile::tempdir().expect("temp dir");
    let offsets = [0u64, 10_000, 20_000, 30_000];
    let capture = write(&dir, "slow.jsonl", &ticks(&offsets));
    let epoch = EPOCH.to_string();
    let served = Served::start(
        &capture,
        &["--paused", "--retime", "--epoch", &epoch, "--speed", "100"],
    )
    .await;
    let mut client = served.connect().await;

    let started = Instant::now();
    let (virtual_ms, arrivals) = timed_arrivals(&served, &mut client, offsets.len()).await;

    assert_eq!(virtual_ms, offsets.map(|o| o as i64).to_vec());
    // 30 virtual seconds: at speed 1 they would take 30 s, past the patience.
    assert!(started.elapsed() < PATIENCE, "{:?}", started.elapsed());
    for (arrival, offset) in arrivals.iter().zip(offsets) {
        assert!(
            *arrival + Duration::from_millis(20) >= Duration::from_millis(offset / 100),
            "{arrival:?}"
        );
    }
    let (_, status) = served.http("GET", "/sim/status", "").await;
    let status: Value = serde_json::from_str(&status).expect("JSON");
    assert_eq!(status["epoch"], json!(EPOCH));
    assert!(
        status["scenario"]
            .as_str()
            .unwrap_or_default()
            .starts_with("replay of "),
        "{status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_work_during_a_replay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let frames = exact_frames();
    let timed: Vec<(u64, &str)> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| (i as u64, f.as_str()))
        .collect();
    let capture = write(&dir, "faults.jsonl", &capture_with(&timed, None));
    let served = Served::start(&capture, &["--paused"]).await;
    let mut client = served.connect().await;

    let (code, body) = served
        .http("POST", "/sim/fault", r#"{"kind":"duplicate","count":1}"#)
        .await;
    assert_eq!(code, 200, "{body}");
    served.step().await;
    assert_eq!(
        client.texts(2).await,
        vec![frames[0].clone(), frames[0].clone()]
    );
    let (code, body) = served
        .http(
            "POST",
            "/sim/fault",
            r#"{"kind":"close","code":4000,"reason":"test"}"#,
        )
        .await;
    assert_eq!(code, 200, "{body}");
    match client.next().await {
        Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 4000),
        other => panic!("expected the close, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_capture_is_served_up_to_the_damage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let frames = exact_frames();
    let timed: Vec<(u64, &str)> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| (i as u64, f.as_str()))
        .collect();
    let whole = capture_with(&timed, None);
    let capture = write(&dir, "cut.jsonl", &whole[..whole.len() - 9]);
    let served = Served::start(&capture, &["--paused"]).await;
    let mut client = served.connect().await;

    for _ in 0..frames.len() - 1 {
        served.step().await;
    }

    assert_eq!(
        client.texts(frames.len() - 1).await,
        frames[..frames.len() - 1].to_vec()
    );
}
