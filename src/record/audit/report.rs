//! The audit as text for a terminal (`--json` serializes [`Audit`] instead).

use std::fmt::Write as _;

use super::{Audit, Verdict};

/// The audit as lines of text.
pub fn render_text(audit: &Audit) -> String {
    let mut out = String::new();
    let types: Vec<String> = audit
        .types
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "{}: {} frames, {} exactly as our catalogue describes; types: {}",
        audit.capture,
        audit.frames,
        audit.catalogue_events,
        if types.is_empty() {
            "none".to_string()
        } else {
            types.join(", ")
        }
    );
    if let Some(damage) = &audit.damage {
        let _ = writeln!(out, "damaged capture: {damage}");
    }
    for verdict in [Verdict::Contradicts, Verdict::New, Verdict::Confirms] {
        let findings: Vec<_> = audit
            .findings
            .iter()
            .filter(|f| f.verdict == verdict)
            .collect();
        if findings.is_empty() {
            continue;
        }
        let heading = match verdict {
            Verdict::Contradicts => "Contradicts our description",
            Verdict::New => "Not covered by our description",
            Verdict::Confirms => "Confirms our description",
        };
        let _ = writeln!(out, "\n{heading}:");
        for f in findings {
            let line = f
                .first_line
                .map_or_else(String::new, |l| format!(", first at line {l}"));
            let _ = writeln!(
                out,
                "  {} {}: {} ({} of {}{line})\n      {} [{}, docs/protocol.md {}]: {}",
                f.verdict.as_str(),
                f.subject,
                f.detail,
                f.count,
                f.of,
                f.statement.id,
                f.statement.tag.as_str(),
                f.statement.section,
                f.statement.text
            );
        }
    }
    if !audit.values.is_empty() {
        let _ = writeln!(out, "\nValue sets seen:");
        for (property, values) in &audit.values {
            let shown: Vec<String> = values.iter().map(|(v, n)| format!("{v} ({n})")).collect();
            let _ = writeln!(out, "  {property}: {}", shown.join(", "));
        }
    }
    out
}
