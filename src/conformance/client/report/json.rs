//! The JSON report of a client run: everything in the [`ClientRun`], plus the
//! exit code, the counts and each check's provenance and source.

use serde::Serialize;

use super::super::check::{Check, CheckSpec};
use super::super::outcome::{ClientCaseOutcome, ClientRun, ClientVerdict};

#[derive(Serialize)]
struct JsonRun<'a> {
    suite: &'static str,
    exit_code: u8,
    passed: usize,
    failed: usize,
    pending: usize,
    errors: usize,
    #[serde(flatten)]
    run: &'a ClientRun,
    checks: Vec<JsonCheckSpecs<'a>>,
}

/// Each case's checks with their table rows, next to the outcome.
#[derive(Serialize)]
struct JsonCheckSpecs<'a> {
    case: &'a str,
    checks: Vec<JsonCheck<'a>>,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    #[serde(flatten)]
    check: &'a Check,
    #[serde(flatten)]
    spec: CheckSpec,
}

fn specs(case: &ClientCaseOutcome) -> Vec<JsonCheck<'_>> {
    case.checks
        .iter()
        .map(|check| JsonCheck {
            check,
            spec: check.id.spec(),
        })
        .collect()
}

/// The report as pretty-printed JSON.
pub fn render(run: &ClientRun) -> String {
    let json = JsonRun {
        suite: "client",
        exit_code: run.exit_code(),
        passed: run.count(ClientVerdict::Pass),
        failed: run.count(ClientVerdict::Fail),
        pending: run.count(ClientVerdict::Pending),
        errors: run.count(ClientVerdict::Error),
        run,
        checks: run
            .cases
            .iter()
            .map(|case| JsonCheckSpecs {
                case: &case.name,
                checks: specs(case),
            })
            .collect(),
    };
    // Strings, numbers and lists only: serializing cannot fail.
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}
