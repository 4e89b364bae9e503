//! The JSON report: the whole [`RunReport`] plus counts, diffs and first
//! differences, for machines.

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::diff::{DiffLine, FirstDifference};
use super::super::verdict::{CaseOutcome, RunReport, Verdict};

#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    report: &'a RunReport,
    exit_code: u8,
    counts: BTreeMap<&'static str, usize>,
    cases: Vec<JsonCase<'a>>,
}

#[derive(Serialize)]
struct JsonCase<'a> {
    #[serde(flatten)]
    outcome: &'a CaseOutcome,
    first_difference: Option<FirstDifference>,
    diff: Option<Vec<DiffLine>>,
}

/// The report as pretty-printed JSON.
pub fn render(report: &RunReport) -> String {
    let json = JsonReport {
        report,
        exit_code: report.exit_code(),
        counts: Verdict::ALL
            .iter()
            .map(|v| (v.key(), report.count(v)))
            .collect(),
        cases: report
            .outcomes
            .iter()
            .map(|outcome| JsonCase {
                outcome,
                first_difference: outcome.first_difference(),
                diff: outcome.diff(),
            })
            .collect(),
    };
    // Strings, numbers and lists only: serializing cannot fail.
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}
