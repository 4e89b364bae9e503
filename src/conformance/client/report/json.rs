//! The JSON report of a client run: everything in the [`ClientRun`], plus the
//! exit code and the counts; each check carries its provenance and source.

use serde::Serialize;

use super::super::check::{Check, CheckSpec};
use super::super::outcome::{ClientCaseOutcome, ClientRun, ClientVerdict};
use super::super::thresholds::ThresholdRow;

#[derive(Serialize)]
struct JsonRun<'a> {
    suite: &'static str,
    target: &'a str,
    mode: &'a str,
    exit_code: u8,
    passed: usize,
    failed: usize,
    pending: usize,
    errors: usize,
    thresholds: &'a [ThresholdRow],
    snapshots: &'a str,
    cases: Vec<JsonCase<'a>>,
}

#[derive(Serialize)]
struct JsonCase<'a> {
    #[serde(flatten)]
    outcome: &'a ClientCaseOutcome,
    checks: Vec<JsonCheck<'a>>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    #[serde(flatten)]
    check: &'a Check,
    #[serde(flatten)]
    spec: CheckSpec,
}

/// The report as pretty-printed JSON.
pub fn render(run: &ClientRun) -> String {
    let json = JsonRun {
        suite: "client",
        target: &run.target,
        mode: &run.mode,
        exit_code: run.exit_code(),
        passed: run.count(ClientVerdict::Pass),
        failed: run.count(ClientVerdict::Fail),
        pending: run.count(ClientVerdict::Pending),
        errors: run.count(ClientVerdict::Error),
        thresholds: &run.thresholds,
        snapshots: &run.snapshots,
        cases: run
            .cases
            .iter()
            .map(|outcome| JsonCase {
                outcome,
                checks: outcome
                    .checks
                    .iter()
                    .map(|check| JsonCheck {
                        check,
                        spec: check.id.spec(),
                    })
                    .collect(),
            })
            .collect(),
    };
    // Strings, numbers and lists only: serializing cannot fail.
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}
