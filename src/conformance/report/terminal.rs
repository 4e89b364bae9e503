//! The terminal summary: one line per case with its verdict, then for each case
//! that did not pass its reasons, a readable transcript diff and how to rerun it.

use std::fmt::Write as _;

use super::super::verdict::{CaseOutcome, RunReport, Verdict};

/// Diff lines shown per case in the terminal; the HTML report has them all.
const MAX_DIFF_LINES: usize = 60;

/// The summary as text.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "conform: {} case(s) from {}, {} mode, target {}",
        report.outcomes.len(),
        report.suite,
        report.mode,
        report.target
    );
    let width = report
        .outcomes
        .iter()
        .map(|o| o.name.len())
        .max()
        .unwrap_or(0);
    for outcome in &report.outcomes {
        let _ = writeln!(
            out,
            "  {:<12} {:<width$}  {}",
            outcome.verdict.as_str(),
            outcome.name,
            outcome.description
        );
    }
    for outcome in &report.outcomes {
        details(&mut out, outcome);
    }
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} inconclusive, {} errors",
        report.count(&Verdict::Pass),
        report.count(&Verdict::Fail),
        report.count(&Verdict::Inconclusive),
        report.count(&Verdict::Error)
    );
    out
}

fn details(out: &mut String, outcome: &CaseOutcome) {
    if outcome.verdict == Verdict::Pass && outcome.notes.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{} {} (scenario {}, seed {})",
        outcome.verdict.as_str(),
        outcome.name,
        outcome.scenario,
        outcome.seed
    );
    for reason in &outcome.reasons {
        let _ = writeln!(out, "  {reason}");
    }
    for note in &outcome.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    if let Some(diff) = outcome.diff() {
        let _ = writeln!(out, "  --- expected (snapshot)\n  +++ actual");
        for line in diff.iter().take(MAX_DIFF_LINES) {
            let _ = writeln!(out, "  {}{}", line.tag, line.text);
        }
        if diff.len() > MAX_DIFF_LINES {
            let _ = writeln!(
                out,
                "  … {} more diff lines (see --report DIR)",
                diff.len() - MAX_DIFF_LINES
            );
        }
    } else if let (None, Verdict::Fail, Some(actual)) =
        (&outcome.expected, &outcome.verdict, &outcome.actual)
    {
        let _ = writeln!(out, "  actual transcript:");
        for line in actual.lines().take(MAX_DIFF_LINES) {
            let _ = writeln!(out, "  +{line}");
        }
    }
    if outcome.verdict != Verdict::Pass {
        let _ = writeln!(out, "  rerun: {}", outcome.rerun);
    }
}
