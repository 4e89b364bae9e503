//! The standalone HTML report: a summary table and, per case, its reasons, notes
//! and transcript diff (or transcript). No scripts, no external resources.

use std::fmt::Write as _;

use super::super::verdict::{CaseOutcome, RunReport, Verdict};
use super::markup::escape_markup as esc;

const STYLE: &str = "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}\
.pass{color:#17702a}.fail,.error{color:#b00020;font-weight:bold}.inconclusive{color:#8a6d00}\
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}\
.del{background:#fdd}.ins{background:#dfd}.gap{color:#888}";

/// The report as one HTML page.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Conformance: {suite}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>Conformance report</h1>\n<p>Suite <code>{suite}</code>, {mode} mode, target <code>{target}</code>: {pass} passed, {fail} failed, {inconclusive} inconclusive, {error} errors.</p>\n",
        suite = esc(&report.suite),
        mode = esc(&report.mode),
        target = esc(&report.target),
        pass = report.count(&Verdict::Pass),
        fail = report.count(&Verdict::Fail),
        inconclusive = report.count(&Verdict::Inconclusive),
        error = report.count(&Verdict::Error),
    );
    out.push_str("<table>\n<tr><th>verdict</th><th>case</th><th>description</th><th>scenario</th><th>seed</th></tr>\n");
    for outcome in &report.outcomes {
        let _ = writeln!(
            out,
            "<tr><td class=\"{class}\">{verdict}</td><td><a href=\"#{anchor}\">{name}</a></td><td>{description}</td><td>{scenario}</td><td>{seed}</td></tr>",
            class = class_of(&outcome.verdict),
            verdict = outcome.verdict.as_str(),
            anchor = anchor(&outcome.name),
            name = esc(&outcome.name),
            description = esc(&outcome.description),
            scenario = esc(&outcome.scenario),
            seed = outcome.seed,
        );
    }
    out.push_str("</table>\n");
    for outcome in &report.outcomes {
        section(&mut out, outcome);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn section(out: &mut String, outcome: &CaseOutcome) {
    let _ = writeln!(
        out,
        "<h2 id=\"{anchor}\"><span class=\"{class}\">{verdict}</span> {name}</h2>\n<p>{description}<br>file <code>{file}</code>, scenario {scenario}, seed {seed}</p>",
        anchor = anchor(&outcome.name),
        class = class_of(&outcome.verdict),
        verdict = outcome.verdict.as_str(),
        name = esc(&outcome.name),
        description = esc(&outcome.description),
        file = esc(&outcome.file),
        scenario = esc(&outcome.scenario),
        seed = outcome.seed,
    );
    if !outcome.reasons.is_empty() || !outcome.notes.is_empty() {
        out.push_str("<ul>\n");
        for reason in &outcome.reasons {
            let _ = writeln!(out, "<li>{}</li>", esc(reason));
        }
        for note in &outcome.notes {
            let _ = writeln!(out, "<li>note: {}</li>", esc(note));
        }
        out.push_str("</ul>\n");
    }
    if let Some(diff) = outcome.diff() {
        out.push_str("<p>Transcript diff (<span class=\"del\">- expected</span>, <span class=\"ins\">+ actual</span>):</p>\n<pre>");
        for line in diff {
            let class = match line.tag {
                '-' => "del",
                '+' => "ins",
                '…' => "gap",
                _ => "",
            };
            let _ = writeln!(
                out,
                "<span class=\"{class}\">{}{}</span>",
                line.tag,
                esc(&line.text)
            );
        }
        out.push_str("</pre>\n");
    } else if let Some(actual) = &outcome.actual {
        let _ = writeln!(
            out,
            "<details><summary>Transcript</summary><pre>{}</pre></details>",
            esc(actual)
        );
    }
    if outcome.verdict != Verdict::Pass {
        let _ = writeln!(out, "<p>Rerun: <code>{}</code></p>", esc(&outcome.rerun));
    }
}

fn class_of(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Error => "error",
    }
}

/// An HTML id from a case name (names are file stems, maybe with `#n`).
fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
