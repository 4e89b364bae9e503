//! The JUnit XML report: one `<testcase>` per case, so CI systems show each verdict.
//! A failure carries the broken rules with their provenance, the first differing
//! entry and the transcript diff; a harness error is an `<error>`; an inconclusive
//! case is `<skipped>`; a case that differs only from our defaults is a passing
//! testcase whose `<system-out>` says what differs.

use std::fmt::Write as _;

use super::super::verdict::{CaseOutcome, RunReport, Verdict};
use super::markup::escape_markup as esc;

/// The report as JUnit XML.
pub fn render(report: &RunReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let suite_name = format!("isymphony-sim conform ({}, {})", report.mode, report.target);
    let counts = format!(
        "tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\"",
        tests = report.outcomes.len(),
        failures = report.count(&Verdict::Fail),
        errors = report.count(&Verdict::Error),
        skipped = report.count(&Verdict::Inconclusive),
    );
    let _ = writeln!(
        out,
        "<testsuites name=\"{name}\" {counts}>",
        name = esc(&suite_name)
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" {counts}>",
        name = esc(&report.suite)
    );
    out.push_str("    <properties>\n");
    for line in super::run_header(report) {
        let (name, value) = line.split_once(": ").unwrap_or(("note", line.as_str()));
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            esc(name),
            esc(value)
        );
    }
    if let Some(extra) = report.extra_fields.summary() {
        let _ = writeln!(
            out,
            "      <property name=\"extra fields seen\" value=\"{}\"/>",
            esc(&extra)
        );
    }
    out.push_str("    </properties>\n");
    for outcome in &report.outcomes {
        testcase(&mut out, outcome);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn findings_text(outcome: &CaseOutcome) -> String {
    outcome
        .findings
        .iter()
        .map(|f| {
            let word = if f.binding() {
                "broken"
            } else {
                "differs from our default"
            };
            format!("{word}: {}: {}", f.rule_label(), f.detail)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn testcase(out: &mut String, outcome: &CaseOutcome) {
    let _ = write!(
        out,
        "    <testcase classname=\"conformance.{scenario}\" name=\"{name}\" file=\"{file}\">",
        scenario = esc(&outcome.scenario),
        name = esc(&outcome.name),
        file = esc(&outcome.file),
    );
    let element = match outcome.verdict {
        Verdict::Pass | Verdict::Differs => None,
        Verdict::Fail => Some("failure"),
        Verdict::Error => Some("error"),
        Verdict::Inconclusive => Some("skipped"),
    };
    let mut system_out = outcome.notes.clone();
    if let Some(element) = element {
        let message = match (outcome.findings.first(), outcome.reasons.first()) {
            (Some(finding), _) => format!("{}: {}", finding.rule_label(), finding.detail),
            (None, Some(reason)) => reason.clone(),
            (None, None) => String::new(),
        };
        let mut body = findings_text(outcome);
        for reason in &outcome.reasons {
            let _ = write!(body, "\n{reason}");
        }
        if let Some(first) = outcome.first_difference() {
            body.push_str("\nfirst differing entry:");
            if let Some(expected) = &first.expected {
                let _ = write!(body, "\n  expected: {}", expected.trim());
            }
            if let Some(actual) = &first.actual {
                let _ = write!(body, "\n  actual:   {}", actual.trim());
            }
            for field in &first.fields {
                let _ = write!(body, "\n  - {field}");
            }
        }
        if let Some(diff) = outcome.diff() {
            body.push_str("\n--- expected (snapshot)\n+++ actual\n");
            for line in diff {
                let _ = writeln!(body, "{}{}", line.tag, line.text);
            }
        }
        let _ = writeln!(body, "\nrerun: {}", outcome.rerun);
        let _ = write!(
            out,
            "\n      <{element} message=\"{message}\">{body}</{element}>\n    ",
            message = esc(&message),
            body = esc(&body),
        );
    } else if outcome.verdict == Verdict::Differs {
        system_out.insert(0, findings_text(outcome));
    }
    if !system_out.is_empty() {
        let _ = write!(
            out,
            "\n      <system-out>{}</system-out>\n    ",
            esc(&system_out.join("\n"))
        );
    }
    out.push_str("</testcase>\n");
}
