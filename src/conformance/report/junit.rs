//! The JUnit XML report: one `<testcase>` per case, so CI systems show each verdict.
//! A failure carries the reasons and the transcript diff; a harness error is an
//! `<error>`; an inconclusive case is `<skipped>`.

use std::fmt::Write as _;

use super::super::verdict::{CaseOutcome, RunReport, Verdict};
use super::markup::escape_markup as esc;

/// The report as JUnit XML.
pub fn render(report: &RunReport) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let suite_name = format!("isymphony-sim conform ({}, {})", report.mode, report.target);
    let _ = writeln!(
        out,
        "<testsuites name=\"{name}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        name = esc(&suite_name),
        tests = report.outcomes.len(),
        failures = report.count(&Verdict::Fail),
        errors = report.count(&Verdict::Error),
        skipped = report.count(&Verdict::Inconclusive),
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{name}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        name = esc(&report.suite),
        tests = report.outcomes.len(),
        failures = report.count(&Verdict::Fail),
        errors = report.count(&Verdict::Error),
        skipped = report.count(&Verdict::Inconclusive),
    );
    for outcome in &report.outcomes {
        testcase(&mut out, outcome);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
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
        Verdict::Pass => None,
        Verdict::Fail => Some("failure"),
        Verdict::Error => Some("error"),
        Verdict::Inconclusive => Some("skipped"),
    };
    if let Some(element) = element {
        let message = outcome.reasons.first().map_or("", String::as_str);
        let mut body = outcome.reasons.join("\n");
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
            message = esc(message),
            body = esc(&body),
        );
    }
    if !outcome.notes.is_empty() {
        let _ = write!(
            out,
            "\n      <system-out>{}</system-out>\n    ",
            esc(&outcome.notes.join("\n"))
        );
    }
    out.push_str("</testcase>\n");
}
