//! What an audit produces: findings, each with its verdict on one statement,
//! and the whole [`Audit`]. A leaf: the passes that make findings (`events`,
//! `live`) and the report that shows them import from here, while `mod.rs`
//! runs the passes.

use std::collections::BTreeMap;

use serde::Serialize;

use super::statements::Statement;

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
    /// Whether any finding contradicts our description (the command's exit 1).
    pub fn has_contradictions(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.verdict == Verdict::Contradicts)
    }
}
