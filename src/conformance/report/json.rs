//! The JSON report: the whole [`RunReport`] plus counts, for machines.

use serde::Serialize;

use super::super::verdict::{CaseOutcome, DiffLine, RunReport, Verdict};

#[derive(Serialize)]
struct JsonReport<'a> {
    target: &'a str,
    mode: &'a str,
    suite: &'a str,
    exit_code: u8,
    passed: usize,
    failed: usize,
    inconclusive: usize,
    errors: usize,
    cases: Vec<JsonCase<'a>>,
}

#[derive(Serialize)]
struct JsonCase<'a> {
    #[serde(flatten)]
    outcome: &'a CaseOutcome,
    diff: Option<Vec<DiffLine>>,
}

/// The report as pretty-printed JSON.
pub fn render(report: &RunReport) -> String {
    let json = JsonReport {
        target: &report.target,
        mode: &report.mode,
        suite: &report.suite,
        exit_code: report.exit_code(),
        passed: report.count(&Verdict::Pass),
        failed: report.count(&Verdict::Fail),
        inconclusive: report.count(&Verdict::Inconclusive),
        errors: report.count(&Verdict::Error),
        cases: report
            .outcomes
            .iter()
            .map(|outcome| JsonCase {
                outcome,
                diff: outcome.diff(),
            })
            .collect(),
    };
    // Strings, numbers and lists only: serializing cannot fail.
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}
