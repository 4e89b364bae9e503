//! Each deliberately broken client (`event_client --break FAULT`) fails the case
//! named for its fault, with a check that says what it did. Each runs only that
//! case, with a short patience, to keep the suite quick.

use std::path::Path;

use serde_json::Value;

use crate::support::{case, check, client, committed_snapshots, conform, json_report, shown};

/// Runs `case_name` against the example client broken with `fault` and returns
/// that case from the JSON report; the run must exit 1.
fn broken(fault: &str, case_name: &str, extra: &[&str]) -> Value {
    let reports = tempfile::tempdir().expect("a temp dir");
    let snapshots = tempfile::tempdir().expect("a temp dir");
    crate::support::copy_snapshots(snapshots.path());
    let command = client(&format!("--break {fault}"));
    let mut args = vec![
        "--client",
        &command,
        "--case",
        case_name,
        "--patience",
        "3s",
        "--snapshots",
        path(snapshots.path()),
        "--report",
        path(reports.path()),
    ];
    args.extend_from_slice(extra);
    let output = conform(&args);
    assert_eq!(output.status.code(), Some(1), "{}", shown(&output));
    let report = json_report(reports.path());
    let outcome = case(&report, case_name).clone();
    assert_eq!(outcome["verdict"], "fail", "{outcome:#}");
    outcome
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn a_client_that_never_refilters_fails_the_reconnect_case() {
    let outcome = broken("never-refilter", "reconnect_after_going_away", &[]);
    let (state, detail) = check(&outcome, "refilters");
    assert_eq!(state, "fail");
    assert!(
        detail.contains("never sent its filter on the new connection"),
        "{detail}"
    );
    // It did reconnect, with backoff: only the refilter is its fault.
    assert_eq!(check(&outcome, "reconnects").0, "pass");
    assert_eq!(check(&outcome, "backoff").0, "pass");
}

#[test]
fn a_client_that_reconnects_in_a_tight_loop_fails_the_backoff_check() {
    let outcome = broken("tight-loop", "reconnect_after_dropped_connection", &[]);
    let (state, detail) = check(&outcome, "backoff");
    assert_eq!(state, "fail");
    assert!(
        detail.contains("after the close (at least 100ms)"),
        "{detail}"
    );
}

#[test]
fn a_client_with_a_misspelled_property_fails_the_lint_with_a_suggestion() {
    let outcome = broken("misspell", "filter_lint", &[]);
    let (state, detail) = check(&outcome, "known-properties");
    assert_eq!(state, "fail");
    assert!(detail.contains("property \"extension\""), "{detail}");
    assert!(
        detail.contains("did you mean \"extensionId\" or \"extensionNumber\"?"),
        "{detail}"
    );
    // The server accepts the message (it is valid JSON): only the lint catches it.
    assert_eq!(check(&outcome, "filters-accepted").0, "pass");
}

#[test]
fn a_client_that_stops_reading_fails_the_keeping_up_case() {
    // A short burst fits in the socket buffers: the ping behind it is what the
    // client never answers.
    let _burst = crate::support::one_burst_at_a_time();
    let outcome = broken("stop-reading", "keeping_up", &["--burst-duration", "1s"]);
    let (state, detail) = check(&outcome, "keeps-up");
    assert_eq!(state, "fail");
    assert!(
        detail.contains("stopped reading") || detail.contains("does not keep up"),
        "{detail}"
    );
}

#[test]
fn a_client_that_disconnects_on_a_malformed_frame_fails_the_robustness_case() {
    let outcome = broken("die-on-malformed", "robustness", &[]);
    let (state, detail) = check(&outcome, "stays-connected");
    assert_eq!(state, "fail");
    assert!(
        detail.contains("after a text frame that is not JSON"),
        "{detail}"
    );
}

#[test]
fn every_message_a_client_sends_is_read_and_judged() {
    // The example sends its filter, then a message that is not a filter.
    let outcome = broken("extra-message", "filters_early", &[]);
    let (state, detail) = check(&outcome, "filters-accepted");
    assert_eq!(state, "fail");
    assert!(detail.contains("message 2 on #1 was refused"), "{detail}");
    assert!(detail.contains("\"subscribe\""), "{detail}");
    let transcript = outcome["transcript"].as_str().expect("a transcript");
    let sent: Vec<&str> = transcript
        .lines()
        .filter(|l| l.contains(" client "))
        .collect();
    assert_eq!(sent.len(), 2, "{transcript}");
    assert!(
        sent[1].ends_with(r#"#1 {"events":["hangup"],"type":"subscribe"}"#),
        "{transcript}"
    );
    // The committed snapshot has one client message: this run is not a pass in disguise.
    let committed = std::fs::read_to_string(committed_snapshots().join("filters_early.snap"))
        .expect("the committed snapshot");
    assert_eq!(
        committed.lines().filter(|l| l.contains(" client ")).count(),
        1
    );
}
