//! Snapshots of what the client does: a changed filter leaves the case pending
//! (`.snap.new`, exit 1) until `conform review` accepts it, and then the next run
//! passes; `--accept` writes the snapshot but never hides a failed check.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::support::{case, check, client, conform, copy_snapshots, json_report, shown};

#[test]
fn a_changed_filter_is_pending_until_reviewed_then_passes() {
    let snapshots = tempfile::tempdir().expect("a temp dir");
    let dir = snapshots.path().to_str().expect("UTF-8 path").to_string();
    copy_snapshots(snapshots.path());
    let changed = client("--types userLogin,userLogout,hangup");
    let args = [
        "--client",
        &changed,
        "--case",
        "filters_early",
        "--snapshots",
        &dir,
    ];

    let first = conform(&args);
    assert_eq!(first.status.code(), Some(1), "{}", shown(&first));
    let terminal = String::from_utf8_lossy(&first.stdout);
    assert!(terminal.contains("changed snapshot pending"), "{terminal}");
    assert!(
        terminal.contains(r#"{"property":"type","value":"hangup"}"#),
        "the diff shows the new filter: {terminal}"
    );
    let pending = snapshots.path().join("filters_early.snap.new");
    assert!(pending.exists());

    let mut review = Command::new(env!("CARGO_BIN_EXE_isymphony-sim"))
        .args(["conform", "review", "--snapshots", &dir])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("review starts");
    review
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a\n")
        .expect("answer");
    let reviewed = review.wait_with_output().expect("review ends");
    let shown_review = String::from_utf8_lossy(&reviewed.stdout);
    assert_eq!(reviewed.status.code(), Some(0), "{shown_review}");
    assert!(
        shown_review.contains("1 accepted, 0 rejected, 0 left pending"),
        "{shown_review}"
    );
    assert!(!pending.exists());

    let second = conform(&args);
    assert_eq!(second.status.code(), Some(0), "{}", shown(&second));
}

#[test]
fn accepting_never_hides_a_failed_check() {
    let snapshots = tempfile::tempdir().expect("a temp dir");
    let reports = tempfile::tempdir().expect("a temp dir");
    let dir = snapshots.path().to_str().expect("UTF-8 path");
    let never = client("--break never-refilter");
    let output = conform(&[
        "--client",
        &never,
        "--case",
        "reconnect_after_going_away",
        "--snapshots",
        dir,
        "--report",
        reports.path().to_str().expect("UTF-8 path"),
        "--accept",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", shown(&output));
    let report = json_report(reports.path());
    let outcome = case(&report, "reconnect_after_going_away");
    assert_eq!(outcome["snapshot"], "accepted");
    assert_eq!(outcome["verdict"], "fail");
    assert_eq!(check(outcome, "refilters").0, "fail");
    assert!(
        snapshots
            .path()
            .join("reconnect_after_going_away.snap")
            .exists()
    );
}
