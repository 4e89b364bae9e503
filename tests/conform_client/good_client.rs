//! The well-behaved example client passes every case, with the suite's default
//! thresholds, against the committed snapshots; the reports show every check's
//! provenance and every threshold. Run twice it does the same thing, and started
//! by someone else (`--client-url-only`) it gets the same transcripts.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use crate::support::{
    case, check, client, committed_snapshots, conform, example_client, json_report, shown,
};

const CASES: [&str; 9] = [
    "filters_early",
    "filter_lint",
    "reconnect_after_going_away",
    "reconnect_after_slow_consumer_close",
    "reconnect_after_dropped_connection",
    "server_restart",
    "keeping_up",
    "robustness",
    "staying_alive",
];

#[test]
fn the_example_client_passes_every_case_against_its_committed_snapshots() {
    let _burst = crate::support::one_burst_at_a_time();
    let reports = tempfile::tempdir().expect("a temp dir");
    let snapshots = committed_snapshots();
    let output = conform(&[
        "--client",
        &client(""),
        "--snapshots",
        snapshots.to_str().expect("UTF-8 path"),
        "--report",
        reports.path().to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", shown(&output));
    let report = json_report(reports.path());
    assert_eq!(report["suite"], "client");
    let names: Vec<&str> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, CASES);
    for name in CASES {
        let outcome = case(&report, name);
        assert_eq!(outcome["verdict"], "pass", "{outcome:#}");
        assert_eq!(outcome["snapshot"], "matched", "{name}");
        let checks = outcome["checks"].as_array().expect("checks");
        assert!(
            checks.len() >= 3,
            "{name} decides its own checks: {outcome:#}"
        );
        // No check without its provenance and source.
        for check in checks {
            let provenance = check["provenance"].as_str().unwrap_or("");
            assert!(
                ["documented", "inferred", "recommendation"].contains(&provenance),
                "{check:#}"
            );
            assert!(
                check["source"].as_str().is_some_and(|s| !s.is_empty()),
                "{check:#}"
            );
        }
        assert!(
            outcome["output"]["ended"].as_str().is_some(),
            "the client's output is kept"
        );
    }
    let (state, detail) = check(case(&report, "server_restart"), "rereads-live-api");
    assert_eq!(state, "pass");
    assert!(detail.contains("before the restart"), "{detail}");
    let (_, detail) = check(case(&report, "keeping_up"), "keeps-up");
    assert!(detail.contains("10000 events (2000 events/s"), "{detail}");
    let thresholds = report["thresholds"].as_array().expect("thresholds");
    assert!(
        thresholds
            .iter()
            .any(|t| t["flag"] == "--burst-rate" && t["value"] == "2000 events/s")
    );

    let terminal = String::from_utf8_lossy(&output.stdout);
    assert!(terminal.contains("[documented]") && terminal.contains("[our recommendation]"));
    assert!(
        terminal.contains("--min-reconnect-interval   100ms"),
        "{terminal}"
    );
    let progress = String::from_utf8_lossy(&output.stderr);
    assert!(progress.contains("[1/9] filters_early: pass"), "{progress}");
    assert!(
        progress.contains("[9/9] staying_alive: waiting for two idle timeouts to pass"),
        "{progress}"
    );
    let junit = std::fs::read_to_string(reports.path().join("junit.xml")).expect("junit.xml");
    let parsed = roxmltree::Document::parse(&junit).expect("well-formed JUnit XML");
    assert_eq!(
        parsed
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        9
    );
    let html = std::fs::read_to_string(reports.path().join("report.html")).expect("report.html");
    assert!(html.contains("our recommendation") && html.contains("RFC 6455"));
}

#[test]
fn run_twice_the_example_client_does_the_same_thing() {
    let output = conform(&[
        "--client",
        &client(""),
        "--check-determinism",
        "--case",
        "reconnect_after_dropped",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", shown(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("two runs gave the same transcript"));
}

#[test]
fn a_client_started_by_someone_else_gets_the_urls_and_the_same_transcripts() {
    let snapshots = committed_snapshots();
    let mut conform = Command::new(env!("CARGO_BIN_EXE_isymphony-sim"))
        .args([
            "conform",
            "--client-url-only",
            "--case",
            "filters_early",
            "--case",
            "server_restart",
        ])
        .args(["--snapshots", snapshots.to_str().expect("UTF-8 path")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("conform starts");
    let mut stdout = BufReader::new(conform.stdout.take().expect("stdout"));
    let mut env = Vec::new();
    for _ in 0..2 {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a URL line");
        let (name, value) = line.trim().split_once('=').expect("NAME=value");
        env.push((name.to_string(), value.to_string()));
    }
    assert_eq!(env[0].0, "ISYM_URL");
    assert_eq!(env[1].0, "ISYM_LIVE_URL");
    let mut client = Command::new(example_client())
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the client starts");
    let output = conform.wait_with_output().expect("conform ends");
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
    let _ = client.kill();
    let _ = client.wait();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{rest}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        rest.contains("2 passed, 0 failed, 0 pending, 0 errors"),
        "{rest}"
    );
}

#[test]
fn the_readme_prints_every_threshold_with_its_default() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for row in isymphony_sim::conformance::client::Thresholds::default().rows() {
        let line = format!("| `{}` | {} | {} |", row.flag, row.value, row.meaning);
        assert!(readme.contains(&line), "README.md lacks the row {line}");
    }
}
