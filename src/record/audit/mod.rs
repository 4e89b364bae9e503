//! `record --audit`: compares a capture of a real server with our event catalogue
//! and protocol description. Every finding names the statement it confirms or
//! contradicts and that statement's tag (documented / inferred / our default), so
//! guesses can be replaced by facts.

mod events;
mod findings;
mod live;
mod report;
pub mod statements;

use std::collections::BTreeMap;

use serde::Serialize;

use super::reader::Capture;
pub use report::render_text;
pub use statements::{STATEMENTS, Statement, Tag};

/// What a finding says about its statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// The capture disagrees with the statement.
    Contradicts,
    /// The capture shows something the statement does not cover (an unknown
    /// type, an extra property).
    New,
    /// The capture agrees with the statement.
    Confirms,
}

impl Verdict {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Contradicts => "CONTRADICTS",
            Verdict::New => "NEW",
            Verdict::Confirms => "confirms",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Confirms, contradicts or adds to.
    pub verdict: Verdict,
    /// The statement concerned.
    pub statement: &'static Statement,
    /// What it is about: `hangup.callerIdName`, `type parkedCall`.
    pub subject: String,
    /// What was seen.
    pub detail: String,
    /// How many frames (or objects) show it.
    pub count: u64,
    /// Out of how many examined.
    pub of: u64,
    /// The capture line of the first example.
    pub first_line: Option<usize>,
}

/// Values seen for one property, with how often.
pub type ValueSet = BTreeMap<String, u64>;

/// Everything the audit found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Audit {
    /// The capture file.
    pub capture: String,
    /// Frames examined.
    pub frames: u64,
    /// Frames that are catalogue events exactly.
    pub catalogue_events: u64,
    /// Frames by `type`.
    pub types: BTreeMap<String, u64>,
    /// Findings, contradictions first.
    pub findings: Vec<Finding>,
    /// Value sets seen, by `type.property`.
    pub values: BTreeMap<String, ValueSet>,
    /// Where the capture stopped being readable, if it did.
    pub damage: Option<String>,
}

impl Audit {
    /// Audits `capture`.
    pub fn of(capture: &Capture) -> Audit {
        let mut findings = Vec::new();
        let frames = events::audit(capture, &mut findings);
        live::audit(capture, &mut findings);
        findings.sort_by(|a, b| {
            (a.verdict, a.statement.id, &a.subject).cmp(&(b.verdict, b.statement.id, &b.subject))
        });
        Audit {
            capture: capture.path.clone(),
            frames: frames.frames,
            catalogue_events: frames.catalogue,
            types: frames.types,
            findings,
            values: frames.values,
            damage: capture.damage.as_ref().map(ToString::to_string),
        }
    }

    /// Whether any finding contradicts our description (the command's exit 1).
    pub fn has_contradictions(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.verdict == Verdict::Contradicts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_ids_are_unique() {
        let mut ids: Vec<&str> = STATEMENTS.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }
}
