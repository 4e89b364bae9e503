//! The standalone HTML report: a summary table with each case's grade and the
//! provenance of every rule it broke, then per case its findings, notes, first
//! differing entry, transcript diff (or transcript) and a rerun command that can be
//! pasted as it is. No scripts, no external resources.

use std::fmt::Write as _;

use super::super::verdict::{CaseOutcome, RunReport, Verdict};
use super::markup::escape_markup as esc;

const STYLE: &str = "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}\
.pass{color:#17702a}.fail,.error{color:#b00020;font-weight:bold}.inconclusive{color:#8a6d00}\
.differs{color:#1f4e9c}.warning{background:#fde7e9;border:2px solid #b00020;padding:.5em;font-weight:bold}\
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:12px}\
.del{background:#fdd}.ins{background:#dfd}.gap{color:#888}";

/// The report as one HTML page.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Conformance: {suite}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>Conformance report</h1>\n<p>Suite <code>{suite}</code>, {mode} mode, target <code>{target}</code>: {summary}.</p>\n",
        suite = esc(&report.suite),
        mode = esc(&report.mode),
        target = esc(&report.target),
        summary = esc(&report.summary()),
    );
    for line in super::run_header(report) {
        let class = if line.contains("NOT") {
            " class=\"warning\""
        } else {
            ""
        };
        let _ = writeln!(out, "<p{class}>{}</p>", esc(&line));
    }
    for note in &report.notes {
        let _ = writeln!(out, "<p>{}</p>", esc(note));
    }
    if let Some(extra) = report.extra_fields.summary() {
        let _ = writeln!(
            out,
            "<p>Extra fields seen (not in the catalogue, ignored when comparing): {}</p>",
            esc(&extra)
        );
    }
    out.push_str("<table>\n<tr><th>grade</th><th>case</th><th>description</th><th>broken rules (provenance)</th><th>scenario</th><th>seed</th></tr>\n");
    for outcome in &report.outcomes {
        let _ = writeln!(
            out,
            "<tr><td class=\"{class}\">{verdict}</td><td><a href=\"#{anchor}\">{name}</a></td><td>{description}</td><td>{broken}</td><td>{scenario}</td><td>{seed}</td></tr>",
            class = outcome.verdict.key(),
            verdict = outcome.verdict.as_str(),
            anchor = anchor(&outcome.name),
            name = esc(&outcome.name),
            description = esc(&outcome.description),
            broken = esc(&super::broken_rules(outcome)),
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
        class = outcome.verdict.key(),
        verdict = outcome.verdict.as_str(),
        name = esc(&outcome.name),
        description = esc(&outcome.description),
        file = esc(&outcome.file),
        scenario = esc(&outcome.scenario),
        seed = outcome.seed,
    );
    let listed =
        !outcome.findings.is_empty() || !outcome.reasons.is_empty() || !outcome.notes.is_empty();
    if listed {
        out.push_str("<ul>\n");
        for finding in &outcome.findings {
            let word = if finding.binding() {
                "broken"
            } else {
                "differs from our default"
            };
            let _ = writeln!(
                out,
                "<li>{word}: <b>{}</b>: {}</li>",
                esc(&finding.rule_label()),
                esc(&finding.detail)
            );
        }
        for reason in &outcome.reasons {
            let _ = writeln!(out, "<li>{}</li>", esc(reason));
        }
        for note in &outcome.notes {
            let _ = writeln!(out, "<li>note: {}</li>", esc(note));
        }
        out.push_str("</ul>\n");
    }
    if let Some(first) = outcome.first_difference() {
        out.push_str("<p>First differing entry:</p>\n<pre>");
        if let Some(expected) = &first.expected {
            let _ = writeln!(out, "expected: {}", esc(expected.trim()));
        }
        if let Some(actual) = &first.actual {
            let _ = writeln!(out, "actual:   {}", esc(actual.trim()));
        }
        for field in &first.fields {
            let _ = writeln!(out, "- {}", esc(field));
        }
        out.push_str("</pre>\n");
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
        let _ = writeln!(out, "<p>Rerun:</p>\n<pre>{}</pre>", esc(&outcome.rerun));
        if let Some(also) = &outcome.see_also {
            let _ = writeln!(out, "<p>Its events:</p>\n<pre>{}</pre>", esc(also));
        }
    }
}

/// An HTML id from a case name (names are file stems, maybe with `#rule`).
fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
