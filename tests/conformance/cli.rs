//! `isymphony-sim conform` end to end: exit codes 0 / 1 / 2, reports, --accept.

use std::path::Path;
use std::process::{Command, Output};

use crate::in_process::suite_dir;

const BIN: &str = env!("CARGO_BIN_EXE_isymphony-sim");

fn conform(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("conform")
        .args(args)
        .output()
        .expect("run conform")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A one-case suite in a temp dir, from the reference case `name`.
fn copy_case(name: &str, dir: &Path) {
    let from = suite_dir().join(format!("{name}.toml"));
    std::fs::copy(from, dir.join(format!("{name}.toml"))).expect("copy case");
}

#[test]
fn passing_cases_exit_0_and_write_every_report() {
    let reports = tempfile::tempdir().expect("temp dir");
    let suite = suite_dir();
    let out = conform(&[
        suite.to_str().expect("utf-8 path"),
        "--case",
        "wildcard_with_value",
        "--report",
        reports.path().to_str().expect("utf-8 path"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("1 passed, 0 differ from our defaults, 0 failed"),
        "{}",
        text(&out.stdout)
    );
    for file in ["conformance.json", "junit.xml", "report.html"] {
        assert!(reports.path().join(file).is_file(), "{file} missing");
    }
}

#[test]
fn a_transcript_that_differs_from_its_snapshot_exits_1_with_a_diff_and_the_seed() {
    // Arrange: the reference case with a snapshot that expects one event too many.
    let dir = tempfile::tempdir().expect("temp dir");
    copy_case("type_single", dir.path());
    let snapshot = std::fs::read_to_string(suite_dir().join("snapshots/type_single.snap"))
        .expect("reference snapshot");
    std::fs::create_dir(dir.path().join("snapshots")).expect("mkdir");
    std::fs::write(
        dir.path().join("snapshots/type_single.snap"),
        format!("{snapshot}        5m event     {{\"type\":\"hangup\"}}\n"),
    )
    .expect("write snapshot");
    // Act
    let out = conform(&[dir.path().to_str().expect("utf-8 path")]);
    // Assert
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("-        5m event     {\"type\":\"hangup\"}"),
        "{stdout}"
    );
    assert!(stdout.contains("seed 7"), "{stdout}");
    assert!(stdout.contains("rerun: isymphony-sim conform"), "{stdout}");
}

#[test]
fn accept_records_snapshots_that_then_pass() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_case("reconnect", dir.path());
    let suite = dir.path().to_str().expect("utf-8 path");
    assert_eq!(conform(&[suite]).status.code(), Some(1), "no snapshot yet");
    assert_eq!(conform(&[suite, "--accept"]).status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("snapshots/reconnect.snap"))
        .expect("snapshot written");
    let reference = std::fs::read_to_string(suite_dir().join("snapshots/reconnect.snap"))
        .expect("reference snapshot");
    assert_eq!(written, reference, "the runner writes what insta writes");
    assert_eq!(conform(&[suite]).status.code(), Some(0));
}

#[test]
fn a_broken_case_file_exits_2_naming_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let case = dir.path().join("broken.toml");
    std::fs::write(
        &case,
        "[case]\ndescription = \"x\"\nscenario = \"smoke\"\nseed = 7\nuntil = \"5m\"\n\n[[actions]]\nat = \"1 minute\"\nfilter = []\n",
    )
    .expect("write case");
    let out = conform(&[case.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("broken.toml:8:6: `at`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unreachable_target_exits_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "ws://{}/communication_manager/ws/event",
        listener.local_addr().expect("addr")
    );
    drop(listener);
    let suite = suite_dir().join("type_single.toml");
    let out = conform(&[
        suite.to_str().expect("utf-8 path"),
        "--target",
        &url,
        "--mode",
        "differential",
        "--window",
        "10ms",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("cannot connect"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn determinism_check_passes_on_the_reference_suite() {
    let out = conform(&[
        suite_dir().to_str().expect("utf-8 path"),
        "--check-determinism",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}
