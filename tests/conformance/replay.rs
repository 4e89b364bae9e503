//! Replay mode: the reference suite played on our own server through `/sim/`, in
//! process and through the binary. Every transcript equals the in-process one; a
//! server that deviates (started with `--lenient-filters`, so it accepts the
//! documentation's invalid form) fails its case with a diff, and so does a wrong
//! expectation; a target without `/sim/` is a harness error in replay mode and
//! falls back to differential mode in auto mode.
//!
//! Our `Server` cannot be given a broken filter from outside, so the filter bugs
//! themselves (wildcard ignored, ...) are caught by the in-process and differential
//! tests; here the comparison is proven by the lenient server and by a mutated
//! snapshot.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use isymphony_sim::conformance::replay::{ReplayOptions, control_api_status, run_replay};
use isymphony_sim::conformance::run::{SnapshotOptions, SnapshotStore};
use isymphony_sim::conformance::snapshot::normalise;
use isymphony_sim::conformance::verdict::{EXIT_FAILURE, EXIT_HARNESS_ERROR, EXIT_PASS};
use isymphony_sim::conformance::{
    FilterImpl, Rule, RunReport, SpecFilter, Suite, Verdict, load_suite, run_case,
};
use isymphony_sim::scenario::shipped;
use isymphony_sim::server::{Credentials, EVENT_PATH, EmptyFeed, Server, ServerConfig};
use tokio_util::sync::CancellationToken;

use crate::broken_server::BrokenServer;
use crate::in_process::{reference_suite, snapshot_options, suite_dir};

const BIN: &str = env!("CARGO_BIN_EXE_isymphony-sim");

/// A safety net for each answer; nothing waits for it to pass.
const PATIENCE: Duration = Duration::from_secs(10);

/// Our server on a free port of 127.0.0.1, playing nothing; stops when dropped.
struct OurServer {
    url: String,
    stop: CancellationToken,
}

impl Drop for OurServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl OurServer {
    async fn start(config: ServerConfig) -> OurServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let url = format!(
            "ws://{}{EVENT_PATH}",
            listener.local_addr().expect("address")
        );
        let server = Server::new(config).expect("valid config");
        let stop = CancellationToken::new();
        tokio::spawn(server.run(listener, EmptyFeed, stop.clone().cancelled_owned()));
        OurServer { url, stop }
    }

    fn options(&self) -> ReplayOptions {
        options(&self.url)
    }
}

fn options(url: &str) -> ReplayOptions {
    ReplayOptions {
        url: url.to_string(),
        credentials: Credentials::default(),
        patience: PATIENCE,
        tls: Default::default(),
    }
}

/// The reference suite cut down to the cases whose names are given.
fn cases(names: &[&str]) -> Suite {
    let mut suite = reference_suite();
    suite
        .cases
        .retain(|case| names.contains(&case.name.as_str()));
    assert_eq!(suite.cases.len(), names.len(), "{names:?}");
    suite
}

/// A filter that follows the specification, for a server without `/sim/`.
fn spec_filter() -> Box<dyn FilterImpl + Send> {
    Box::new(SpecFilter::default())
}

fn not_passed(report: &RunReport) -> Vec<(&str, &Vec<String>)> {
    report
        .outcomes
        .iter()
        .filter(|o| o.verdict != Verdict::Pass)
        .map(|o| (o.name.as_str(), &o.reasons))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reference_case_replays_on_our_server_exactly_as_in_process() {
    // Arrange: a standard-profile server, paused; one case needs the extended profile.
    let server = OurServer::start(ServerConfig::default().with_paused(true)).await;
    let suite = reference_suite();

    // Act
    let report = run_replay(&suite, &server.options(), &snapshot_options()).await;
    let after = control_api_status(&server.options()).await.expect("status");

    // Assert
    assert_eq!(report.mode, "replay");
    assert!(not_passed(&report).is_empty(), "{:?}", not_passed(&report));
    assert_eq!(report.exit_code(), EXIT_PASS);
    for (case, outcome) in suite.cases.iter().zip(&report.outcomes) {
        let in_process = run_case(case, &SpecFilter::boxed).expect("case plays");
        assert_eq!(
            outcome.actual.as_deref(),
            Some(normalise(&in_process.to_text()).as_str()),
            "{}",
            case.name
        );
    }
    assert_eq!(after["paused"], true, "the pause state is restored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_server_is_paused_for_the_run_and_resumed_afterwards() {
    let server = OurServer::start(ServerConfig::default()).await;

    let report = run_replay(
        &cases(&["reconnect"]),
        &server.options(),
        &snapshot_options(),
    )
    .await;
    let after = control_api_status(&server.options()).await.expect("status");

    assert!(not_passed(&report).is_empty(), "{:?}", not_passed(&report));
    assert_eq!(after["paused"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_with_its_own_scenario_file_sends_that_file() {
    // Arrange: no_filter on a scenario file beside the case, smoke with alice renamed.
    let dir = tempfile::tempdir().expect("temp dir");
    let case = std::fs::read_to_string(suite_dir().join("no_filter.toml")).expect("case");
    let case = case.replace(
        "scenario = \"smoke\"",
        "scenario = \"scenarios/renamed.toml\"",
    );
    assert!(case.contains("renamed.toml"));
    std::fs::write(dir.path().join("no_filter.toml"), case).expect("write case");
    let smoke = shipped::find("smoke").expect("shipped smoke").text;
    std::fs::create_dir(dir.path().join("scenarios")).expect("mkdir");
    std::fs::write(
        dir.path().join("scenarios/renamed.toml"),
        smoke.replace("\"alice\"", "\"alicia\""),
    )
    .expect("write scenario");
    let suite = load_suite(dir.path()).expect("suite");
    let server = OurServer::start(ServerConfig::default().with_paused(true)).await;

    // Act: the case has no snapshot; what matters is the transcript recorded.
    let report = run_replay(&suite, &server.options(), &snapshot_options()).await;

    // Assert
    let in_process = run_case(&suite.cases[0], &SpecFilter::boxed).expect("case plays");
    let expected = normalise(&in_process.to_text());
    assert!(expected.contains("\"alicia\""), "{expected}");
    assert_eq!(
        report.outcomes[0].actual.as_deref(),
        Some(expected.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lenient_server_differs_from_our_default_and_fails_only_when_strict() {
    let server = OurServer::start(
        ServerConfig::default()
            .with_paused(true)
            .with_lenient_filters(true),
    )
    .await;
    let suite = cases(&["documented_invalid_form", "type_single"]);

    let mut report = run_replay(&suite, &server.options(), &snapshot_options()).await;
    report.settle(false);

    // Refusing the documentation's invalid form is our default, so accepting it
    // differs (what it accepted shows in the diff) but does not fail...
    let failed = not_passed(&report);
    assert_eq!(
        failed.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        vec!["documented_invalid_form"],
        "{failed:?}"
    );
    let outcome = &report.outcomes[0];
    assert_eq!(outcome.verdict, Verdict::Differs, "{:?}", outcome.findings);
    let rules: Vec<_> = outcome.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec![Some(Rule::DocumentedInvalidFormRefused)]);
    let diff = outcome.diff().expect("a diff");
    assert!(
        diff.iter()
            .any(|line| line.tag == '+' && line.text.contains(r#""success":true"#)),
        "{diff:?}"
    );
    assert_eq!(report.exit_code(), EXIT_PASS);
    // ... unless --strict.
    report.settle(true);
    assert_eq!(report.outcomes[0].verdict, Verdict::Fail);
    assert_eq!(report.exit_code(), EXIT_FAILURE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transcript_that_differs_from_the_expected_one_fails_with_a_diff() {
    // Arrange: the wildcard case expects one event that the server never sends.
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = std::fs::read_to_string(suite_dir().join("snapshots/wildcard.snap"))
        .expect("reference snapshot");
    let extra = r#"        5m event     {"type":"userLogin","time":1700000300000}"#;
    std::fs::write(
        dir.path().join("wildcard.snap"),
        format!("{snapshot}{extra}\n"),
    )
    .expect("write snapshot");
    let snapshots = SnapshotOptions {
        store: SnapshotStore::Dir(dir.path().to_path_buf()),
        ..snapshot_options()
    };
    let server = OurServer::start(ServerConfig::default().with_paused(true)).await;

    // Act
    let report = run_replay(&cases(&["wildcard"]), &server.options(), &snapshots).await;

    // Assert
    let outcome = &report.outcomes[0];
    assert_eq!(outcome.verdict, Verdict::Fail, "{:?}", outcome.reasons);
    let diff = outcome.diff().expect("a diff");
    assert!(
        diff.iter()
            .any(|line| line.tag == '-' && line.text == extra),
        "{diff:?}"
    );
    assert_eq!(report.exit_code(), EXIT_FAILURE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_a_control_api_is_a_harness_error_in_replay_mode() {
    let server = BrokenServer::start(spec_filter).await;

    let detected = control_api_status(&options(&server.url)).await;
    let report = run_replay(
        &cases(&["type_single"]),
        &options(&server.url),
        &snapshot_options(),
    )
    .await;

    assert!(detected.is_err(), "{detected:?}");
    assert_eq!(report.outcomes[0].verdict, Verdict::Error);
    assert!(
        report.outcomes[0].reasons[0].contains("--mode differential"),
        "{:?}",
        report.outcomes[0].reasons
    );
    assert_eq!(report.exit_code(), EXIT_HARNESS_ERROR);
}

// The binary.

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn conform(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("conform")
        .args(args)
        .output()
        .expect("run conform")
}

/// `serve --paused` on a free port; killed when dropped.
struct Served {
    child: Child,
    url: String,
    /// Kept open for the child's lifetime.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_paused() -> Served {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--paused",
            "--listen",
            "127.0.0.1:0",
            "--log",
            "warn",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("banner");
    let url = first
        .split_whitespace()
        .find(|word| word.starts_with("ws://"))
        .unwrap_or_else(|| panic!("no URL in banner line {first:?}"))
        .to_string();
    Served {
        child,
        url,
        _stdout: stdout,
    }
}

#[test]
fn conform_target_replays_the_reference_suite_on_serve_in_auto_mode() {
    let served = serve_paused();
    let suite = suite_dir();

    let out = conform(&[suite.to_str().expect("utf-8 path"), "--target", &served.url]);

    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("replay mode"), "{stdout}");
    assert!(
        stdout.contains("24 passed, 0 differ from our defaults, 0 failed"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_control_api_auto_mode_is_differential_and_replay_mode_exits_2() {
    let server = BrokenServer::start(spec_filter).await;
    let case = suite_dir().join("type_single.toml");
    let case = case.to_str().expect("utf-8 path").to_string();
    let url = server.url.clone();

    let (auto, replay) = tokio::task::spawn_blocking(move || {
        let auto = conform(&[
            &case, "--target", &url, "--window", "200ms", "--edge", "50ms",
        ]);
        let replay = conform(&[&case, "--target", &url, "--mode", "replay"]);
        (auto, replay)
    })
    .await
    .expect("conform ran");

    // The verdict of a 200 ms differential window is not the point here: its mode is.
    assert!(
        text(&auto.stdout).contains("differential mode"),
        "{}",
        text(&auto.stdout)
    );
    assert!(
        text(&auto.stderr).contains("using differential mode"),
        "{}",
        text(&auto.stderr)
    );
    assert_eq!(replay.status.code(), Some(2), "{}", text(&replay.stdout));
    assert!(
        text(&replay.stdout).contains("/sim/status"),
        "{}",
        text(&replay.stdout)
    );
}

#[test]
fn replay_mode_needs_a_target() {
    let out = conform(&["--mode", "replay"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
