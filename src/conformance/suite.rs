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
//!
//! [[actions]]             # what the client does, in virtual time order
//! at = "0s"
//! filter = [["type", "userLogin"], ["type", "userLogout"]]   # property/value pairs
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

use std::path::PathBuf;

use serde_json::Value;

use crate::protocol::Profile;
use crate::scenario::Scenario;

/// The default epoch of virtual time 0, the same as `play --epoch`.
pub const DEFAULT_EPOCH_MS: i64 = 1_700_000_000_000;

/// All cases of one suite, sorted by name.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The directory (or single file) the suite was read from.
    pub path: PathBuf,
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
    /// The client script, sorted by time (same-time actions in file order).
    pub actions: Vec<Action>,
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
