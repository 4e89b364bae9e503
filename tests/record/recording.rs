//! `record` against the fake: frames byte for byte, catalogue flags, Live API
//! snapshots (404s noted), reconnects with the gap marked, credentials kept out.

use std::time::Duration;

use base64::Engine as _;
use isymphony_sim::record::capture::{Entry, Phase};
use isymphony_sim::record::snapshot::DEFAULT_CORE_SERVER_PATH;
use serde_json::Value;

use crate::common::{arg, read, run, stderr, within};
use crate::fake::{Fake, Script, Step};

const USER: &str = "recorder";
const SECRET: &str = "S3cret-pa55-xyz";

/// Frames as a real server might send them: a catalogue event, one with odd
/// spacing and escapes, a renamed property, an unknown type, and no JSON at all.
pub fn odd_frames() -> Vec<String> {
    vec![
        r#"{"type":"userLogin","time":1700000000123,"coreServerId":"cs-1","userId":"u-1","username":"1001","userLoginId":"l-1","ip":"10.0.0.25","port":51234}"#.to_string(),
        "{ \"type\" : \"userLogout\",\n \"time\": 1700000000500, \"coreServerId\":\"cs-1\",\"userId\":\"u-1\",\"username\":\"caf\\u00e9 \u{2603}\",\"userLoginId\":\"l-1\",\"ip\":\"\",\"port\":51234 }".to_string(),
        r#"{"type":"hangup","time":1700000001000,"coreServerId":"cs-1","callSegmentId":"s-1","callerName":"Front Desk","callerIdNumber":"1002","did":null,"extensionId":null,"extensionNumber":null,"userId":null,"username":null}"#.to_string(),
        r#"{"type":"parkedCall","time":1700000002000,"coreServerId":"cs-1","slot":"701","parker":"1001"}"#.to_string(),
        "hello? not json".to_string(),
    ]
}

fn live_answers() -> std::collections::BTreeMap<String, (u16, String)> {
    let cs = DEFAULT_CORE_SERVER_PATH;
    [
        (cs.to_string(), r#"{"id":"cs-1","slug":"default","name":"Default"}"#),
        (format!("{cs}/users"), r#"[{"id":"u-1","configurationId":"c-1","userName":"1001","displayedName":"Dana Q","permissionId":"c-1"}]"#),
        (format!("{cs}/extensions"), r#"[{"id":"e-1","extensionNumber":"1001","displayName":"Dana Q","configurationId":"c-2","permissionId":"c-2"}]"#),
        (format!("{cs}/queues"), r#"[{"id":"q-1","displayName":"Support","identifier":"support","configurationId":"c-3","permissionId":"c-3"}]"#),
        (format!("{cs}/queues/q-1/agents"), r#"[{"id":"a-1","paused":false,"state":"NOT_INUSE","name":"Dana Q","dynamic":true}]"#),
        (format!("{cs}/callSegments"), "[]"),
    ]
    .into_iter()
    .map(|(path, body)| (path, (200, body.to_string())))
    .collect()
}

/// Records a fake that sends `steps` on its one connection, with the Live API
/// answers above, for `duration`; returns the capture's path in `dir`.
pub async fn record_fake(
    steps: Vec<Step>,
    duration: &str,
    dir: &tempfile::TempDir,
) -> std::path::PathBuf {
    let fake = Fake::start(script(vec![steps])).await;
    let out = dir.path().join("recorded.jsonl");
    let output = within("record", run(record_args(&fake.url(), &out, duration))).await;
    assert!(
        output.status.success(),
        "record failed: {}",
        stderr(&output)
    );
    out
}

/// The Live API answers the fake gives, by path relative to the core server.
pub fn fake_live(relative: &str) -> Value {
    let path = if relative.is_empty() {
        DEFAULT_CORE_SERVER_PATH.to_string()
    } else {
        format!("{DEFAULT_CORE_SERVER_PATH}/{relative}")
    };
    live_answers()
        .get(&path)
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null)
}

fn script(connections: Vec<Vec<Step>>) -> Script {
    Script {
        connections,
        live: live_answers(),
        username: USER.into(),
        password: SECRET.into(),
    }
}

fn record_args(url: &str, out: &std::path::Path, duration: &str) -> Vec<String> {
    [
        "record",
        "--target",
        url,
        "--username",
        USER,
        "--password",
        SECRET,
        "--duration",
        duration,
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([arg(out)])
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_frame_is_kept_byte_for_byte_with_its_catalogue_flag() {
    let frames = odd_frames();
    let fake = Fake::start(script(vec![
        frames.iter().cloned().map(Step::Send).collect(),
    ]))
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("fake.jsonl");

    let output = within("record", run(record_args(&fake.url(), &out, "2s"))).await;

    assert!(
        output.status.success(),
        "record failed: {}",
        stderr(&output)
    );
    let capture = read(&out);
    assert_eq!(capture.damage, None);
    let texts: Vec<&str> = capture.frames().filter_map(|f| f.text.as_deref()).collect();
    assert_eq!(texts, frames.iter().map(String::as_str).collect::<Vec<_>>());
    let flags: Vec<bool> = capture.frames().map(|f| f.catalogue).collect();
    assert_eq!(flags, vec![true, true, false, false, false]);
    let times: Vec<u64> = capture.frames().map(|f| f.ms).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "receive times go forward: {times:?}"
    );
    let summary = capture.summary().expect("a summary line");
    assert_eq!(summary.frames, 5);
    assert_eq!(summary.reason, "duration reached");
    assert_eq!(summary.types.get("parkedCall"), Some(&1));
    assert!(
        stderr(&output).contains("recorded 5 frames"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_api_snapshots_come_at_the_start_and_the_end_with_404s_noted() {
    let fake = Fake::start(script(vec![vec![Step::Send(odd_frames()[0].clone())]])).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("live.jsonl");

    let output = within("record", run(record_args(&fake.url(), &out, "1s"))).await;

    assert!(
        output.status.success(),
        "record failed: {}",
        stderr(&output)
    );
    let capture = read(&out);
    assert_eq!(capture.header.recorded, vec!["events", "live"]);
    let snapshots: Vec<_> = capture
        .entries
        .iter()
        .filter_map(|(_, e)| match e {
            Entry::Live(s) => Some(s),
            _ => None,
        })
        .collect();
    assert_eq!(
        snapshots.iter().map(|s| s.phase).collect::<Vec<_>>(),
        vec![Phase::Start, Phase::End]
    );
    let start = snapshots[0];
    let users = start.resources.get("users").expect("users");
    assert_eq!(users.status, Some(200));
    assert_eq!(
        users
            .body
            .as_ref()
            .and_then(|b| b[0]["displayedName"].as_str()),
        Some("Dana Q")
    );
    assert_eq!(
        start
            .resources
            .get("queues/q-1/agents")
            .and_then(|r| r.status),
        Some(200)
    );
    assert_eq!(
        start.resources.get("conferences").and_then(|r| r.status),
        Some(404),
        "noted, not fatal"
    );
    assert!(
        stderr(&output).contains("conferences 404"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_sent_but_never_written_or_printed() {
    let fake = Fake::start(script(vec![vec![Step::Send(odd_frames()[0].clone())]])).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("secret.jsonl");
    let url = fake
        .url()
        .replace("ws://", &format!("ws://{USER}:{SECRET}@"));
    let mut args = record_args(&url, &out, "1s");
    // Only the URL carries the credentials here; the flags say something else.
    args[4] = "someone-else".into();
    args[6] = "wrong".into();

    let output = within("record", run(args)).await;

    assert!(
        output.status.success(),
        "the URL's credentials work: {}",
        stderr(&output)
    );
    let text = std::fs::read_to_string(&out).expect("the capture");
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{SECRET}"));
    for secret in [SECRET, basic.as_str()] {
        assert!(!text.contains(secret), "the capture holds {secret}");
        assert!(!stderr(&output).contains(secret), "stderr shows {secret}");
    }
    assert_eq!(read(&out).header.target, fake.url());
    assert_eq!(read(&out).frames().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_fail_at_once_with_a_fix_and_no_secret() {
    let fake = Fake::start(script(vec![vec![]])).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("refused.jsonl");
    let mut args = record_args(&fake.url(), &out, "30s");
    args[6] = "not-the-password-42".into();

    let output = within("record", run(args)).await;

    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("401") && message.contains("--username/--password"),
        "{message}"
    );
    assert!(!message.contains("not-the-password-42"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_reconnected_and_the_gap_marked() {
    let frames = odd_frames();
    let fake = Fake::start(script(vec![
        vec![
            Step::Send(frames[0].clone()),
            Step::Send(frames[1].clone()),
            Step::Close,
        ],
        vec![
            Step::Wait(Duration::from_millis(50)),
            Step::Send(frames[3].clone()),
        ],
    ]))
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("gap.jsonl");

    let output = within("record", run(record_args(&fake.url(), &out, "3s"))).await;

    assert!(
        output.status.success(),
        "record failed: {}",
        stderr(&output)
    );
    let capture = read(&out);
    let kinds: Vec<&str> = capture
        .entries
        .iter()
        .filter_map(|(_, e)| match e {
            Entry::Frame(_) => Some("frame"),
            Entry::Gap(_) => Some("gap"),
            Entry::Resume(_) => Some("resume"),
            Entry::Live(_) | Entry::End(_) => None,
        })
        .collect();
    assert_eq!(kinds, vec!["frame", "frame", "gap", "resume", "frame"]);
    let gap = capture
        .entries
        .iter()
        .find_map(|(_, e)| match e {
            Entry::Gap(g) => Some(g.reason.clone()),
            _ => None,
        })
        .expect("a gap");
    assert!(
        gap.contains("1001") && gap.contains("fake restarting"),
        "{gap}"
    );
    assert_eq!(capture.summary().map(|s| s.gaps), Some(1));
    assert_eq!(
        fake.connections.load(std::sync::atomic::Ordering::SeqCst),
        2
    );
}

/// A login event of our catalogue, as our server publishes it.
fn login_event() -> isymphony_sim::protocol::Event {
    use isymphony_sim::protocol::event::{EventBody, UserSession};
    isymphony_sim::protocol::Event {
        time: 1_700_000_000_123,
        core_server_id: "cs-1".into(),
        body: EventBody::UserLogin(UserSession {
            user_id: "u-1".into(),
            username: "1001".into(),
            user_login_id: "l-1".into(),
            ip: "10.0.0.25".into(),
            port: 51234,
        }),
    }
}

/// Records our own server serving TLS only, with a self-signed certificate for
/// 127.0.0.1, trusting it as `trust` says (`{ca}` is its PEM file); one event is
/// published once the recorder is attached.
async fn record_over_tls(
    trust: &[&str],
) -> (std::process::Output, std::path::PathBuf, tempfile::TempDir) {
    use isymphony_sim::server::{EmptyFeed, Listeners, Server, ServerConfig, TlsIdentity};
    let dir = tempfile::tempdir().expect("temp dir");
    let identity = TlsIdentity::self_signed(&["127.0.0.1".to_string()]).expect("a certificate");
    let ca = dir.path().join("server.pem");
    std::fs::write(&ca, identity.certificate_pem()).expect("write the certificate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = Server::new(ServerConfig::default()).expect("config");
    let publisher = server.publisher();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let listeners = Listeners::default().with_tls(listener, identity.acceptor().expect("acceptor"));
    let serving =
        tokio::spawn(server.run_on(listeners, EmptyFeed, shutdown.clone().cancelled_owned()));
    let out = dir.path().join("tls.jsonl");
    let target = format!(
        "wss://127.0.0.1:{}/communication_manager/ws/event",
        addr.port()
    );
    let mut args: Vec<String> = [
        "record",
        "--target",
        &target,
        "--no-live",
        "--duration",
        "2s",
        "--out",
        &arg(&out),
    ]
    .map(String::from)
    .to_vec();
    args.extend(trust.iter().map(|t| t.replace("{ca}", &arg(&ca))));
    let recording = tokio::spawn(run(args));
    // Attached means on the bus: the dispatcher lists it, so nothing published after is missed.
    let attached = within("the recorder over TLS, or its failure", async {
        loop {
            if publisher.clients().await.map(|c| c.len()).unwrap_or(0) > 0 {
                return true;
            }
            if recording.is_finished() {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    if attached {
        within("the bus", publisher.publish(vec![login_event()]))
            .await
            .expect("server running");
    }
    let output = within("record", recording).await.expect("record task");
    shutdown.cancel();
    let _ = within("the server", serving).await;
    (output, out, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_over_wss_trusting_a_ca_file_or_anything() {
    for trust in [&["--ca", "{ca}"][..], &["--insecure"][..]] {
        let (output, out, _dir) = record_over_tls(trust).await;

        assert!(output.status.success(), "{trust:?}: {}", stderr(&output));
        let capture = read(&out);
        assert_eq!(
            capture
                .frames()
                .filter_map(|f| f.text.clone())
                .collect::<Vec<_>>(),
            vec![login_event().to_json()]
        );
        assert!(capture.header.target.starts_with("wss://"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_fails_at_once_with_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = dir.path().join("other-ca.pem");
    let other = isymphony_sim::server::TlsIdentity::self_signed(&["localhost".to_string()])
        .expect("a certificate");
    std::fs::write(&bundle, other.certificate_pem()).expect("write");
    let (output, _, _dir) = record_over_tls(&["--ca", &arg(&bundle)]).await;

    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("TLS handshake"),
        "{}",
        stderr(&output)
    );
}
