//! The terminal summary: one line per case with its grade, then for each case
//! that did not simply pass the rules it broke (with their provenance), the first
//! differing entry field by field, a readable transcript diff and how to rerun it.

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
    for line in super::run_header(report) {
        let _ = writeln!(out, "  {line}");
    }
    let width = report
        .outcomes
        .iter()
        .map(|o| o.name.len())
        .max()
        .unwrap_or(0);
    for outcome in &report.outcomes {
        let broken = super::broken_rules(outcome);
        let _ = writeln!(
            out,
            "  {:<12} {:<width$}  {}{}",
            outcome.verdict.as_str(),
            outcome.name,
            outcome.description,
            if broken.is_empty() {
                String::new()
            } else {
                format!(" [{broken}]")
            }
        );
    }
    for outcome in &report.outcomes {
        details(&mut out, outcome);
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for note in &report.notes {
            let _ = writeln!(out, "{note}");
        }
    }
    if let Some(extra) = report.extra_fields.summary() {
        let _ = writeln!(
            out,
            "\nextra fields seen (not in the catalogue, ignored when comparing): {extra}"
        );
    }
    let _ = writeln!(out, "\n{}", report.summary());
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
    for finding in &outcome.findings {
        let word = if finding.binding() {
            "broken"
        } else {
            "differs from our default"
        };
        let _ = writeln!(
            out,
            "  {word}: {}: {}",
            finding.rule_label(),
            finding.detail
        );
    }
    for reason in &outcome.reasons {
        let _ = writeln!(out, "  {reason}");
    }
    for note in &outcome.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    if let Some(first) = outcome.first_difference() {
        let _ = writeln!(out, "  first differing entry:");
        if let Some(expected) = &first.expected {
            let _ = writeln!(out, "    expected: {}", expected.trim());
        }
        if let Some(actual) = &first.actual {
            let _ = writeln!(out, "    actual:   {}", actual.trim());
        }
        for field in &first.fields {
            let _ = writeln!(out, "    - {field}");
        }
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
        if let Some(also) = &outcome.see_also {
            let _ = writeln!(out, "  its events: {also}");
        }
    }
}
