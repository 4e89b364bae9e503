//! The terminal summary of a client run: the thresholds, one line per case, its
//! checks with their provenance, and for a case that did not pass, its snapshot
//! diff, the client's last output lines and how to rerun it.

use std::fmt::Write as _;

use super::super::super::diff::diff_lines;
use super::super::outcome::{ClientCaseOutcome, ClientRun, ClientVerdict};
use super::tail;

/// Diff lines shown per case; the HTML report has them all.
const MAX_DIFF_LINES: usize = 40;

/// Output lines of the client shown per case that did not pass.
const OUTPUT_LINES: usize = 10;

/// The summary as text.
pub fn render(run: &ClientRun) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "conform: client suite, {} case(s), {}, snapshots in {}",
        run.cases.len(),
        run.target,
        run.snapshots
    );
    let _ = writeln!(out, "thresholds (our recommendations; each has its flag):");
    for row in &run.thresholds {
        let _ = writeln!(out, "  {:<26} {:<16} {}", row.flag, row.value, row.meaning);
    }
    let width = run.cases.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let _ = writeln!(out);
    for case in &run.cases {
        let _ = writeln!(
            out,
            "{:<8} {:<width$}  {}",
            case.verdict.as_str(),
            case.name,
            case.description
        );
        for check in &case.checks {
            let _ = writeln!(out, "           {}", check.line());
        }
        if let Some(error) = &case.error {
            let _ = writeln!(out, "           error: {error}");
        }
    }
    for case in &run.cases {
        details(&mut out, case);
    }
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} pending, {} errors",
        run.count(ClientVerdict::Pass),
        run.count(ClientVerdict::Fail),
        run.count(ClientVerdict::Pending),
        run.count(ClientVerdict::Error)
    );
    if run.count(ClientVerdict::Pending) > 0 {
        let _ = writeln!(
            out,
            "pending snapshots: review them with `isymphony-sim conform review --snapshots {}` (or rerun with --accept)",
            run.snapshots
        );
    }
    out
}

fn details(out: &mut String, case: &ClientCaseOutcome) {
    if case.verdict == ClientVerdict::Pass {
        return;
    }
    let _ = writeln!(out, "\n{} {}", case.verdict.as_str(), case.name);
    if !case.snapshot_file.is_empty() {
        let _ = writeln!(out, "  {}: {}", case.snapshot.as_str(), case.snapshot_file);
    }
    match &case.expected {
        Some(expected) if *expected != case.transcript.trim_end() => {
            let _ = writeln!(out, "  --- snapshot\n  +++ this run");
            let diff = diff_lines(expected, case.transcript.trim_end());
            for line in diff.iter().take(MAX_DIFF_LINES) {
                let _ = writeln!(out, "  {}{}", line.tag, line.text);
            }
            if diff.len() > MAX_DIFF_LINES {
                let _ = writeln!(
                    out,
                    "  … {} more (see --report DIR)",
                    diff.len() - MAX_DIFF_LINES
                );
            }
        }
        Some(_) => {}
        None => {
            let _ = writeln!(out, "  transcript:");
            for line in case.transcript.lines().take(MAX_DIFF_LINES) {
                let _ = writeln!(out, "  +{line}");
            }
        }
    }
    if let Some(output) = &case.output {
        let _ = writeln!(out, "  the client {}", output.ended);
        for (name, text) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            for line in tail(text, OUTPUT_LINES) {
                let _ = writeln!(out, "  {name}: {line}");
            }
        }
    }
    let _ = writeln!(out, "  rerun: {}", case.rerun);
}
