//! Filter lint for a client under test: entries that can never match an event of
//! the catalogue (a misspelled property, a property the selected types do not
//! carry, a type the server does not emit), duplicates, and a note for a filter
//! that admits everything.
//!
//! It reads the client's message itself (plain `serde_json`), not through the
//! server's parser, and knows the catalogue only through its property lists, so
//! a mistake in the server's own filter warnings cannot hide one here.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::protocol::event::BASE_PROPERTIES;
use crate::protocol::{EventKind, Profile};

use super::check::{Check, CheckId};

/// The filter value that accepts any value of a present property (docs/protocol.md §5.2).
const WILDCARD: &str = "*";

/// Most suggestions one did-you-mean offers.
const MAX_SUGGESTIONS: usize = 3;

/// One entry of a filter message, its value as filters compare it (a string's
/// content, any other JSON value's text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The property.
    pub property: String,
    /// The value.
    pub value: String,
}

/// The entries of a filter message; `None` when `text` is not one.
pub fn filter_entries(text: &str) -> Option<Vec<Entry>> {
    let value: Value = serde_json::from_str(text).ok()?;
    if value.get("type")?.as_str()? != "filter" {
        return None;
    }
    let mut entries = Vec::new();
    for item in value.get("filters")?.as_array()? {
        let property = item.get("property")?.as_str()?.to_string();
        let value = match item.get("value")? {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        entries.push(Entry { property, value });
    }
    Some(entries)
}

/// The lint checks for one filter message's entries, against `profile`.
pub fn lint(entries: &[Entry], profile: Profile) -> Vec<Check> {
    let emitted = profile.kinds();
    let mut checks = vec![
        known_types(entries, &emitted, profile),
        known_properties(entries, &emitted),
        no_duplicates(entries),
    ];
    checks.extend(admits_everything(entries));
    checks
}

/// The concrete `type` values of the entries.
fn type_values(entries: &[Entry]) -> Vec<&str> {
    entries
        .iter()
        .filter(|e| e.property == "type" && e.value != WILDCARD)
        .map(|e| e.value.as_str())
        .collect()
}

fn known_types(entries: &[Entry], emitted: &[EventKind], profile: Profile) -> Check {
    let mut faults = Vec::new();
    for value in type_values(entries) {
        match EventKind::from_name(value) {
            Some(kind) if emitted.contains(&kind) => {}
            Some(kind) => faults.push(format!(
                "type \"{value}\" is an {} event type the server does not emit in the {} profile",
                kind.provenance().as_str(),
                profile_name(profile)
            )),
            None => {
                let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
                faults.push(format!(
                    "type \"{value}\" names no event type{}",
                    did_you_mean(value, &names)
                ));
            }
        }
    }
    if faults.is_empty() {
        let count = type_values(entries).len();
        Check::pass(
            CheckId::KnownTypes,
            format!("{count} type value(s), each emitted by the server"),
        )
    } else {
        Check::fail(CheckId::KnownTypes, faults.join("; "))
    }
}

fn known_properties(entries: &[Entry], emitted: &[EventKind]) -> Check {
    let named: Vec<EventKind> = type_values(entries)
        .into_iter()
        .filter_map(EventKind::from_name)
        .filter(|k| emitted.contains(k))
        .collect();
    let any_type = entries.iter().all(|e| e.property != "type")
        || entries
            .iter()
            .any(|e| e.property == "type" && e.value == WILDCARD);
    // The kinds the type entries let through; without any, every emitted kind.
    let selected: Vec<EventKind> = if any_type { emitted.to_vec() } else { named };
    let properties: BTreeSet<&str> = entries
        .iter()
        .map(|e| e.property.as_str())
        .filter(|p| *p != "type")
        .collect();
    let carries = |kind: EventKind, property: &str| {
        BASE_PROPERTIES.iter().any(|p| p.name == property)
            || kind.entry().properties.iter().any(|p| p.name == property)
    };
    let mut faults = Vec::new();
    for property in &properties {
        if selected.iter().any(|k| carries(*k, property)) {
            continue;
        }
        let mut known: Vec<&str> = BASE_PROPERTIES.iter().map(|p| p.name).collect();
        for kind in &selected {
            known.extend(kind.entry().properties.iter().map(|p| p.name));
        }
        known.sort_unstable();
        known.dedup();
        faults.push(format!(
            "property \"{property}\" is carried by no {} event, so no event can pass{}",
            kinds_text(&selected),
            did_you_mean(property, &known)
        ));
    }
    // AND across properties: a type the filter names that lacks one of the
    // filter's properties can never pass, whatever its values.
    if !any_type {
        for kind in &selected {
            let missing: Vec<&str> = properties
                .iter()
                .copied()
                .filter(|p| !carries(*kind, p))
                .collect();
            if !missing.is_empty() && faults.len() < 10 {
                faults.push(format!(
                    "type \"{}\" can never pass: its events carry no {}",
                    kind.name(),
                    missing.join(", ")
                ));
            }
        }
    }
    if faults.is_empty() {
        Check::pass(
            CheckId::KnownProperties,
            format!(
                "{} propert(ies) besides type, each carried by the types it can select",
                properties.len()
            ),
        )
    } else {
        Check::fail(CheckId::KnownProperties, faults.join("; "))
    }
}

fn no_duplicates(entries: &[Entry]) -> Check {
    let mut seen = BTreeSet::new();
    let mut twice = BTreeSet::new();
    for entry in entries {
        if !seen.insert(entry) {
            twice.insert(format!("{}={}", entry.property, entry.value));
        }
    }
    if twice.is_empty() {
        Check::pass(
            CheckId::NoDuplicates,
            format!("{} distinct entries", entries.len()),
        )
    } else {
        let list: Vec<String> = twice.into_iter().collect();
        Check::fail(
            CheckId::NoDuplicates,
            format!("entries given more than once: {}", list.join(", ")),
        )
    }
}

/// A note when the filter admits every event the server sends: no entries, or
/// only wildcards on properties every event carries.
fn admits_everything(entries: &[Entry]) -> Option<Check> {
    let on_every_event = |p: &str| BASE_PROPERTIES.iter().any(|b| b.name == p);
    let all_pass = entries.iter().all(|e| on_every_event(&e.property))
        && entries
            .iter()
            .map(|e| e.property.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .all(|p| {
                entries
                    .iter()
                    .any(|e| e.property == p && e.value == WILDCARD)
            });
    if !all_pass {
        return None;
    }
    let swallowed: Vec<String> = entries
        .iter()
        .filter(|e| e.value != WILDCARD)
        .map(|e| format!("{}={}", e.property, e.value))
        .collect();
    let detail = if entries.is_empty() {
        "the filter is an empty list: the client gets every event the server sends; if it uses only a few types, filtering on them saves it and the server the work".to_string()
    } else if swallowed.is_empty() {
        "the filter has only wildcards on properties every event carries: the client gets every event".to_string()
    } else {
        format!(
            "the filter admits every event although it names {}: a \"*\" on the same property admits every value, so those entries do nothing",
            swallowed.join(", ")
        )
    };
    Some(Check::note(CheckId::AdmitsEverything, detail))
}

fn profile_name(profile: Profile) -> &'static str {
    match profile {
        Profile::Standard => "standard",
        Profile::Extended => "extended",
    }
}

fn kinds_text(kinds: &[EventKind]) -> String {
    if kinds.len() > 3 {
        return "emitted".to_string();
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    names.join(" or ")
}

/// `"; did you mean \"x\"?"` for the names closest to `wrong`, or nothing.
pub fn did_you_mean(wrong: &str, names: &[&str]) -> String {
    let suggestions = closest(wrong, names);
    if suggestions.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = suggestions.iter().map(|s| format!("\"{s}\"")).collect();
    format!("; did you mean {}?", quoted.join(" or "))
}

/// The names that look like `wrong`: the same but for case, one containing the
/// other, or a few edits apart; best first.
fn closest<'a>(wrong: &str, names: &[&'a str]) -> Vec<&'a str> {
    let lower = wrong.to_lowercase();
    let mut scored: Vec<(usize, usize, &'a str)> = names
        .iter()
        .filter_map(|name| {
            let candidate = name.to_lowercase();
            let score = if candidate == lower {
                0
            } else if candidate.contains(&lower) || lower.contains(&candidate) {
                1
            } else if edit_distance(&lower, &candidate) <= (lower.len() / 4).max(1) {
                2
            } else {
                return None;
            };
            Some((score, name.len().abs_diff(wrong.len()), *name))
        })
        .collect();
    scored.sort();
    scored.dedup_by_key(|s| s.2);
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|s| s.2)
        .collect()
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::client::check::CheckState;

    fn lint_text(text: &str) -> Vec<Check> {
        lint(
            &filter_entries(text).expect("a filter message"),
            Profile::Standard,
        )
    }

    fn state(checks: &[Check], id: CheckId) -> (CheckState, String) {
        let check = checks.iter().find(|c| c.id == id).expect("check present");
        (check.state, check.detail.clone())
    }

    #[test]
    fn a_misspelled_property_fails_with_a_suggestion() {
        let checks = lint_text(
            r#"{"type":"filter","filters":[{"property":"type","value":"hangup"},{"property":"extension","value":"1001"}]}"#,
        );
        let (s, detail) = state(&checks, CheckId::KnownProperties);
        assert_eq!(s, CheckState::Fail);
        assert!(detail.contains("\"extension\""), "{detail}");
        assert!(
            detail.contains("did you mean \"extensionId\" or \"extensionNumber\""),
            "{detail}"
        );
    }

    #[test]
    fn an_old_type_name_fails_with_the_current_one_suggested() {
        let checks =
            lint_text(r#"{"type":"filter","filters":[{"property":"type","value":"login"}]}"#);
        let (s, detail) = state(&checks, CheckId::KnownTypes);
        assert_eq!(s, CheckState::Fail);
        assert!(detail.contains("did you mean \"userLogin\""), "{detail}");
        let dial = lint_text(r#"{"type":"filter","filters":[{"property":"type","value":"dial"}]}"#);
        let (s, detail) = state(&dial, CheckId::KnownTypes);
        assert_eq!(s, CheckState::Fail);
        assert!(detail.contains("inferred event type"), "{detail}");
    }

    #[test]
    fn a_type_lacking_a_filtered_property_can_never_pass() {
        let checks = lint_text(
            r#"{"type":"filter","filters":[{"property":"type","value":"userLogin"},{"property":"type","value":"agentLogin"},{"property":"queue","value":"Support"}]}"#,
        );
        let (s, detail) = state(&checks, CheckId::KnownProperties);
        assert_eq!(s, CheckState::Fail);
        assert!(
            detail.contains("type \"userLogin\" can never pass"),
            "{detail}"
        );
    }

    #[test]
    fn duplicates_fail_and_wildcards_that_swallow_entries_are_noted() {
        let checks = lint_text(
            r#"{"type":"filter","filters":[{"property":"type","value":"hangup"},{"property":"type","value":"hangup"},{"property":"type","value":"*"}]}"#,
        );
        assert_eq!(state(&checks, CheckId::NoDuplicates).0, CheckState::Fail);
        let (s, detail) = state(&checks, CheckId::AdmitsEverything);
        assert_eq!(s, CheckState::Note);
        assert!(detail.contains("type=hangup"), "{detail}");
    }

    #[test]
    fn a_good_filter_passes_every_check_and_gets_no_note() {
        let checks = lint_text(
            r#"{"type":"filter","filters":[{"property":"type","value":"userLogin"},{"property":"type","value":"userLogout"},{"property":"username","value":"alice"},{"property":"port","value":51234}]}"#,
        );
        assert!(
            checks.iter().all(|c| c.state == CheckState::Pass),
            "{checks:?}"
        );
        let empty = lint_text(r#"{"type":"filter","filters":[]}"#);
        assert_eq!(state(&empty, CheckId::AdmitsEverything).0, CheckState::Note);
    }

    #[test]
    fn not_a_filter_message_has_no_entries() {
        assert_eq!(filter_entries(r#"{"type":"subscribe"}"#), None);
        assert_eq!(filter_entries("{"), None);
        assert_eq!(edit_distance("usrname", "username"), 1);
    }
}
