//! The Live API half of the audit: each snapshotted object against its
//! documented representation (docs/protocol.md §6.2), and what did not answer.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::statements::{LIVE_CORE_SERVER, LIVE_REPRESENTATIONS, Statement};
use super::{Finding, Verdict};
use crate::record::capture::Entry;
use crate::record::reader::Capture;

/// Each snapshotted path kind with its representation's fields (docs/protocol.md §6.2).
const REPRESENTATIONS: [(&str, &[&str]); 7] = [
    ("", &["id", "slug", "name"]),
    (
        "users",
        &[
            "id",
            "configurationId",
            "userName",
            "displayedName",
            "permissionId",
        ],
    ),
    (
        "extensions",
        &[
            "id",
            "extensionNumber",
            "displayName",
            "configurationId",
            "permissionId",
        ],
    ),
    (
        "queues",
        &[
            "id",
            "displayName",
            "identifier",
            "configurationId",
            "permissionId",
        ],
    ),
    ("agents", &["id", "paused", "state", "name", "dynamic"]),
    (
        "callSegments",
        &[
            "id",
            "type",
            "callerId",
            "did",
            "onHold",
            "recording",
            "incoming",
        ],
    ),
    (
        "conferences",
        &[
            "id",
            "configurationId",
            "displayName",
            "identifier",
            "dialString",
            "userGenerated",
            "permissionId",
        ],
    ),
];

/// The representation kind of a snapshot path (`queues/<id>/agents` is `agents`).
fn kind_of(path: &str) -> &str {
    if path.ends_with("/agents") {
        "agents"
    } else {
        path
    }
}

/// Audits every snapshot of `capture`.
pub(super) fn audit(capture: &Capture, findings: &mut Vec<Finding>) {
    // (kind, field) -> (objects, first line); per kind, objects seen.
    let mut missing: BTreeMap<(String, String), (u64, usize)> = BTreeMap::new();
    let mut extra: BTreeMap<(String, String), (u64, usize)> = BTreeMap::new();
    let mut objects: BTreeMap<String, (u64, usize)> = BTreeMap::new();
    let mut unanswered: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (line, entry) in &capture.entries {
        let Entry::Live(snapshot) = entry else {
            continue;
        };
        for (path, resource) in &snapshot.resources {
            let kind = kind_of(path).to_string();
            let Some((_, fields)) = REPRESENTATIONS.iter().find(|(k, _)| *k == kind) else {
                continue;
            };
            if resource.status != Some(200) {
                let why = match (resource.status, &resource.error) {
                    (Some(status), _) => format!("answered {status}"),
                    (None, Some(error)) => error.clone(),
                    (None, None) => "no answer".to_string(),
                };
                unanswered.entry(path.clone()).or_insert((why, *line));
                continue;
            }
            let items: Vec<&Value> = match &resource.body {
                Some(Value::Array(items)) => items.iter().collect(),
                Some(object @ Value::Object(_)) => vec![object],
                _ => Vec::new(),
            };
            for item in items {
                let Some(map) = item.as_object() else {
                    continue;
                };
                let seen = objects.entry(kind.clone()).or_insert((0, *line));
                seen.0 += 1;
                let keys: BTreeSet<&str> = map.keys().map(String::as_str).collect();
                for field in fields.iter().filter(|f| !keys.contains(*f)) {
                    missing
                        .entry((kind.clone(), (*field).to_string()))
                        .or_insert((0, *line))
                        .0 += 1;
                }
                for key in keys.iter().filter(|k| !fields.contains(k)) {
                    extra
                        .entry((kind.clone(), (*key).to_string()))
                        .or_insert((0, *line))
                        .0 += 1;
                }
            }
        }
    }
    let statement = |kind: &str| -> &'static Statement {
        if kind.is_empty() {
            &LIVE_CORE_SERVER
        } else {
            &LIVE_REPRESENTATIONS
        }
    };
    let shown = |kind: &str| {
        if kind.is_empty() {
            "core server".to_string()
        } else {
            kind.to_string()
        }
    };
    let of = |kind: &str| objects.get(kind).map_or(0, |(n, _)| *n);
    for ((kind, field), (count, line)) in &missing {
        findings.push(Finding {
            verdict: Verdict::Contradicts,
            statement: statement(kind),
            subject: format!("Live {}.{field}", shown(kind)),
            detail: "a documented field is missing".into(),
            count: *count,
            of: of(kind),
            first_line: Some(*line),
        });
    }
    for ((kind, field), (count, line)) in &extra {
        findings.push(Finding {
            verdict: Verdict::New,
            statement: statement(kind),
            subject: format!("Live {}.{field}", shown(kind)),
            detail: "a field the representation does not list".into(),
            count: *count,
            of: of(kind),
            first_line: Some(*line),
        });
    }
    for (kind, (count, line)) in &objects {
        let clean = !missing.keys().chain(extra.keys()).any(|(k, _)| k == kind);
        if clean {
            findings.push(Finding {
                verdict: Verdict::Confirms,
                statement: statement(kind),
                subject: format!("Live {}", shown(kind)),
                detail: "every object has exactly the documented fields".into(),
                count: *count,
                of: *count,
                first_line: Some(*line),
            });
        }
    }
    for (path, (why, line)) in &unanswered {
        findings.push(Finding {
            verdict: Verdict::New,
            statement: statement(kind_of(path)),
            subject: format!("Live {}", shown(path)),
            detail: format!("not available: {why} (noted, not fatal)"),
            count: 1,
            of: 1,
            first_line: Some(*line),
        });
    }
}
