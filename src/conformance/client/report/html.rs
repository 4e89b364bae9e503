//! The standalone HTML report of a client run: the thresholds, then per case its
//! verdict, its checks (state, provenance, source, what was seen), its snapshot's
//! state and diff, its transcript and the client's stdout and stderr.

use std::fmt::Write as _;

use super::super::super::diff::diff_lines;
use super::super::super::report::markup::escape_markup as esc;
use super::super::check::CheckState;
use super::super::outcome::{ClientCaseOutcome, ClientRun, ClientVerdict};

const STYLE: &str = "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}.pass{color:#060}.fail{color:#b00;font-weight:bold}.pending{color:#a60;font-weight:bold}.note,.inconclusive{color:#555}.add{color:#060}.del{color:#b00}";

/// The report as one HTML page.
pub fn render(run: &ClientRun) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>isymphony-sim conform: client suite</title><style>{STYLE}</style></head><body>\n"
    );
    let _ = writeln!(
        out,
        "<h1>Client suite</h1><p>{} — {} passed, {} failed, {} pending, {} errors; exit code {}. Snapshots in <code>{}</code>.</p>",
        esc(&run.target),
        run.count(ClientVerdict::Pass),
        run.count(ClientVerdict::Fail),
        run.count(ClientVerdict::Pending),
        run.count(ClientVerdict::Error),
        run.exit_code(),
        esc(&run.snapshots)
    );
    out.push_str("<h2>Thresholds</h2><p>Our recommendations, not iSymphony's; each can be changed with its flag.</p><table><tr><th>flag</th><th>value</th><th>bounds</th></tr>\n");
    for row in &run.thresholds {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(row.flag),
            esc(&row.value),
            esc(row.meaning)
        );
    }
    out.push_str("</table>\n");
    for case in &run.cases {
        section(&mut out, case);
    }
    out.push_str("</body></html>\n");
    out
}

fn class(verdict: ClientVerdict) -> &'static str {
    match verdict {
        ClientVerdict::Pass => "pass",
        ClientVerdict::Fail | ClientVerdict::Error => "fail",
        ClientVerdict::Pending => "pending",
    }
}

fn section(out: &mut String, case: &ClientCaseOutcome) {
    let _ = writeln!(
        out,
        "<h2 id=\"{name}\"><span class=\"{class}\">{verdict}</span> {name}</h2><p>{description} ({seconds:.1}s)</p>",
        name = esc(&case.name),
        class = class(case.verdict),
        verdict = case.verdict.as_str(),
        description = esc(&case.description),
        seconds = case.seconds
    );
    if let Some(error) = &case.error {
        let _ = writeln!(out, "<p class=\"fail\">error: {}</p>", esc(error));
    }
    out.push_str("<table><tr><th>state</th><th>check</th><th>provenance</th><th>source</th><th>seen</th></tr>\n");
    for check in &case.checks {
        let spec = check.id.spec();
        let state_class = match check.state {
            CheckState::Pass => "pass",
            CheckState::Fail => "fail",
            CheckState::Note => "note",
            CheckState::Inconclusive => "inconclusive",
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"{state_class}\">{}</td><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            check.state.as_str(),
            esc(spec.asks),
            check.id.name(),
            spec.provenance.as_str(),
            esc(spec.source),
            esc(&check.detail)
        );
    }
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<p>{}: <code>{}</code></p>",
        case.snapshot.as_str(),
        esc(&case.snapshot_file)
    );
    if let Some(expected) = case
        .expected
        .as_deref()
        .filter(|e| *e != case.transcript.trim_end())
    {
        out.push_str("<h3>Snapshot diff</h3><pre>");
        for line in diff_lines(expected, case.transcript.trim_end()) {
            let class = match line.tag {
                '+' => "add",
                '-' => "del",
                _ => "same",
            };
            let _ = writeln!(
                out,
                "<span class=\"{class}\">{}{}</span>",
                line.tag,
                esc(&line.text)
            );
        }
        out.push_str("</pre>\n");
    }
    let _ = writeln!(
        out,
        "<h3>Transcript</h3><pre>{}</pre>",
        esc(&case.transcript)
    );
    if let Some(output) = &case.output {
        let _ = writeln!(
            out,
            "<h3>Client output</h3><p>The client {}.</p><h4>stdout</h4><pre>{}</pre><h4>stderr</h4><pre>{}</pre>",
            esc(&output.ended),
            esc(&output.stdout),
            esc(&output.stderr)
        );
    }
    let _ = writeln!(out, "<p>Rerun: <code>{}</code></p>", esc(&case.rerun));
}
