//! The case file format (one conformance case per TOML file, written by people)
//! and the suite, case and action types it reads into; reading the files is in
//! `case_file`.
//!
//! ```toml
//! # Two filters on the same property are alternatives (docs/protocol.md §5.2, example 2).
//! [case]
//! description = "OR within one property"
//! scenario = "smoke"      # a shipped scenario, or a path relative to this file
//! seed = 7
//! until = "5m"            # virtual time at which the case ends
//! profile = "standard"    # optional: "standard" (default) or "extended"
//! epoch = 1700000000000   # optional: epoch ms of virtual time 0 (this is the default)
//! rules = ["or_within_property"]   # optional: the rules the case as a whole checks
//!
//! [[actions]]             # what the client does, in virtual time order
//! at = "0s"
//! filter = [["type", "userLogin"], ["type", "userLogout"]]   # property/value pairs
//! rule = "or_within_property"      # optional: the rule this action checks
//! literal = true          # optional: differential mode keeps these values
//!
//! [[actions]]
//! at = "2m"
//! send = '{"type":"subscribe"}'   # raw text, so malformed messages can be sent
//!
//! [[actions]]
//! at = "3m"
//! reconnect = true        # close the connection and open a new one
//! ```
//!
//! An action at `at` happens after every event of that instant: a filter message at
//! 2m judges the events after 2m. Filter values may be strings, integers or booleans;
//! anything else is sent with `send`.
//!
//! Rules are named from the table in [`rules`](super::rules), which gives each its
//! provenance. A difference in the reply to an action, or in the events after it
//! up to the next action, is graded by the action's rule (else the case's first
//! rule; a case that names none fails on any difference). In differential mode
//! each rule the case names is instantiated with values the target's traffic
//! carries, and an action with `literal = true` is also sent as written.

use std::path::PathBuf;

use serde_json::Value;

use crate::protocol::Profile;

use super::rules::Rule;
use crate::scenario::Scenario;

/// The default epoch of virtual time 0, the same as `play --epoch`.
pub const DEFAULT_EPOCH_MS: i64 = 1_700_000_000_000;

/// All cases of one suite, sorted by name.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The directory (or single file) the suite was read from; `built-in` for the
    /// reference suite compiled into the binary.
    pub path: PathBuf,
    /// Whether this is the reference suite compiled into the binary.
    pub builtin: bool,
    /// The cases, sorted by name.
    pub cases: Vec<Case>,
}

/// One case: a scenario, a seed and a client script.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file's stem; also the snapshot's name.
    pub name: String,
    /// The case file.
    pub path: PathBuf,
    /// What the case proves.
    pub description: String,
    /// The scenario as the file names it (a shipped name or a path).
    pub scenario_name: String,
    /// The scenario, loaded.
    pub scenario: Scenario,
    /// The scenario file's text: what replay mode sends to a server's `/sim/scenario`.
    pub scenario_text: String,
    /// The root seed of the run.
    pub seed: u64,
    /// Virtual ms at which the case ends.
    pub until_ms: u64,
    /// Which events the run emits.
    pub profile: Profile,
    /// Epoch ms of virtual time 0.
    pub epoch_ms: i64,
    /// The rules the case as a whole checks (`rules = [...]` in `[case]`).
    pub rules: Vec<Rule>,
    /// The client script, sorted by time (same-time actions in file order).
    pub actions: Vec<Action>,
}

impl Case {
    /// Every rule the case checks: its own, then its actions', each once.
    pub fn rules_checked(&self) -> Vec<Rule> {
        let mut rules = self.rules.clone();
        for rule in self.actions.iter().filter_map(|a| a.rule) {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
        rules
    }

    /// The rule that governs a transcript line once `done` actions (client
    /// messages and reconnects) have been performed: the last one's rule, else the
    /// case's first rule.
    pub fn rule_after(&self, done: usize) -> Option<Rule> {
        let last = self.actions[..done.min(self.actions.len())].last();
        last.and_then(|a| a.rule)
            .or_else(|| self.rules.first().copied())
    }
}

/// One timed client action.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Virtual ms since the start.
    pub at_ms: u64,
    /// The line of its `[[actions]]` entry.
    pub line: usize,
    /// What the client does.
    pub kind: ActionKind,
    /// The rule this action checks (`rule = "..."`): differences in its reply and
    /// in the events it governs are graded by that rule's provenance.
    pub rule: Option<Rule>,
    /// Differential mode sends this message with its own values instead of values
    /// drawn from the traffic (`literal = true`).
    pub literal: bool,
}

/// What a client action does.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// Send this text frame as it is.
    Send(String),
    /// Send a valid filter message with these (property, value) entries.
    Filter(Vec<(String, Value)>),
    /// Close the connection and open a new one (which starts unfiltered).
    Reconnect,
}

impl ActionKind {
    /// The text frame the action sends; `None` for a reconnect.
    pub fn message_text(&self) -> Option<String> {
        match self {
            ActionKind::Send(text) => Some(text.clone()),
            ActionKind::Filter(entries) => {
                let filters: Vec<Value> = entries
                    .iter()
                    .map(|(property, value)| {
                        serde_json::json!({ "property": property, "value": value })
                    })
                    .collect();
                // `type` first, as people write it; key order does not matter on the wire.
                Some(format!(
                    r#"{{"type":"filter","filters":{}}}"#,
                    Value::Array(filters)
                ))
            }
            ActionKind::Reconnect => None,
        }
    }
}

/// One problem of a case file, located to the line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseProblem {
    /// The file.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for CaseProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}
