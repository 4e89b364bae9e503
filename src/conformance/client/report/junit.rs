//! The JUnit XML report of a client run: one `<testcase>` per case; a failed
//! check is a `<failure>` naming the check and its provenance, a pending snapshot
//! a `<failure>` too (CI must stop on it), a harness error an `<error>`; the
//! client's stdout and stderr go to `<system-out>` and `<system-err>`.

use std::fmt::Write as _;

use super::super::super::report::markup::escape_markup as esc;
use super::super::outcome::{ClientCaseOutcome, ClientRun, ClientVerdict};

/// The report as JUnit XML.
pub fn render(run: &ClientRun) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures = run.count(ClientVerdict::Fail) + run.count(ClientVerdict::Pending);
    let errors = run.count(ClientVerdict::Error);
    let _ = writeln!(
        out,
        "<testsuites name=\"isymphony-sim conform (client suite, {target})\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">",
        target = esc(&run.target),
        tests = run.cases.len(),
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"client\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">",
        tests = run.cases.len(),
    );
    for case in &run.cases {
        testcase(&mut out, case);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(out: &mut String, case: &ClientCaseOutcome) {
    let _ = write!(
        out,
        "    <testcase classname=\"conformance.client\" name=\"{}\" time=\"{:.3}\">",
        esc(&case.name),
        case.seconds
    );
    let checks: Vec<String> = case.checks.iter().map(|c| c.line()).collect();
    let (element, message) = match (case.verdict, case.first_failure()) {
        (ClientVerdict::Pass, _) => (None, String::new()),
        (ClientVerdict::Fail, Some(check)) => (
            Some("failure"),
            format!(
                "{} [{}]: {}",
                check.id.name(),
                check.id.spec().provenance.as_str(),
                check.detail
            ),
        ),
        (ClientVerdict::Fail, None) => (Some("failure"), "a check failed".to_string()),
        (ClientVerdict::Pending, _) => (
            Some("failure"),
            format!("{}: {}", case.snapshot.as_str(), case.snapshot_file),
        ),
        (ClientVerdict::Error, _) => (Some("error"), case.error.clone().unwrap_or_default()),
    };
    if let Some(element) = element {
        let body = format!("{}\n\nrerun: {}", checks.join("\n"), case.rerun);
        let _ = write!(
            out,
            "\n      <{element} message=\"{}\">{}</{element}>",
            esc(&message),
            esc(&body)
        );
    }
    let (stdout, stderr) = case
        .output
        .as_ref()
        .map_or((String::new(), String::new()), |o| {
            (o.stdout.clone(), o.stderr.clone())
        });
    let _ = write!(
        out,
        "\n      <system-out>{}\n\n{}</system-out>",
        esc(&checks.join("\n")),
        esc(&stdout)
    );
    if !stderr.is_empty() {
        let _ = write!(out, "\n      <system-err>{}</system-err>", esc(&stderr));
    }
    out.push_str("\n    </testcase>\n");
}
