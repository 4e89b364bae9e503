//! Events a client's filter admits, for the cases that send it extra ones (the
//! burst, the robustness frames): the scenario's own events that pass the filter,
//! or, when none does, one made up to pass it.

use serde_json::{Map, Value};

use crate::protocol::event::{BASE_PROPERTIES, PropType};
use crate::protocol::{FilterRule, FilterSet, Profile, RawEvent};

use super::super::lint::Entry;
use super::setting::{EPOCH_MS, suite_player};

/// Most templates kept: enough variety for a burst.
const MAX_TEMPLATES: usize = 32;

/// The filter a list of entries makes, as our server applies it.
pub fn filter_set(entries: &[Entry]) -> FilterSet {
    FilterSet::from_rules(
        entries
            .iter()
            .map(|e| FilterRule::new(e.property.clone(), e.value.clone()))
            .collect(),
    )
}

/// Whether `filter` admits the event `json`.
pub fn admits(filter: &FilterSet, json: &str) -> bool {
    RawEvent::from_json(json).is_ok_and(|raw| filter.admits_with(|name| raw.property(name)))
}

/// Event texts `entries` admits (everything when the client has no filter): the
/// scenario's, else one made up; empty when nothing can pass.
pub fn admitted_templates(entries: Option<&[Entry]>, profile: Profile) -> Vec<String> {
    let filter = entries.map(filter_set).unwrap_or_default();
    let mut templates = Vec::new();
    if let Ok(mut player) = suite_player(profile) {
        while templates.len() < MAX_TEMPLATES && player.next_due().is_some() {
            for event in player.advance() {
                if filter.admits(&event) && templates.len() < MAX_TEMPLATES {
                    templates.push(event.to_json());
                }
            }
        }
    }
    if templates.is_empty() {
        templates.extend(made_up(entries.unwrap_or_default(), profile, &filter));
    }
    templates
}

/// An event of the profile that passes `filter`, with the filter's values where
/// it names one and plain placeholders elsewhere.
fn made_up(entries: &[Entry], profile: Profile, filter: &FilterSet) -> Option<String> {
    let wanted = |property: &str| {
        entries
            .iter()
            .find(|e| e.property == property && e.value != "*")
            .map(|e| e.value.clone())
    };
    for kind in profile.kinds() {
        let mut event = Map::new();
        let specs = BASE_PROPERTIES.iter().chain(kind.entry().properties);
        for spec in specs {
            let value = match (spec.name, wanted(spec.name)) {
                ("type", _) => Value::String(kind.name().to_string()),
                (_, Some(text)) => typed(spec.ty, &text),
                ("time", None) => Value::from(EPOCH_MS),
                (_, None) => placeholder(spec.ty),
            };
            event.insert(spec.name.to_string(), value);
        }
        let json = Value::Object(event).to_string();
        if admits(filter, &json) {
            return Some(json);
        }
    }
    None
}

/// A filter value as the property's JSON type, so that it matches by its text.
fn typed(ty: PropType, text: &str) -> Value {
    match ty {
        PropType::Integer => text
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.to_string()), Value::from),
        PropType::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_string()),
        },
        PropType::String | PropType::NullableString => Value::String(text.to_string()),
    }
}

fn placeholder(ty: PropType) -> Value {
    match ty {
        PropType::Integer => Value::from(0),
        PropType::Boolean => Value::Bool(false),
        PropType::String | PropType::NullableString => Value::String("x".to_string()),
    }
}

/// `template` with its `time` set to `time_ms` and, if given, its `type` replaced
/// and an extra property added.
pub fn variant(
    template: &str,
    time_ms: i64,
    kind: Option<&str>,
    extra: Option<(&str, Value)>,
) -> String {
    let Ok(Value::Object(mut event)) = serde_json::from_str::<Value>(template) else {
        return template.to_string();
    };
    event.insert("time".to_string(), Value::from(time_ms));
    if let Some(kind) = kind {
        event.insert("type".to_string(), Value::String(kind.to_string()));
    }
    if let Some((name, value)) = extra {
        event.insert(name.to_string(), value);
    }
    Value::Object(event).to_string()
}

/// A type name no catalogue entry has, for the unknown-event frame. Invented; a
/// real server may add types such as this one in a later version.
pub const UNKNOWN_TYPE: &str = "callParked";

/// A property no catalogue entry has, for a client whose filter admits no
/// unknown type. Invented too.
pub const UNKNOWN_PROPERTY: &str = "parkingLot";

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(pairs: &[(&str, &str)]) -> Vec<Entry> {
        pairs
            .iter()
            .map(|(p, v)| Entry {
                property: p.to_string(),
                value: v.to_string(),
            })
            .collect()
    }

    #[test]
    fn the_scenario_provides_events_a_filter_admits() {
        let wanted = entries(&[("type", "userLogin"), ("type", "hangup")]);
        let templates = admitted_templates(Some(&wanted), Profile::Standard);
        assert!(!templates.is_empty());
        let filter = filter_set(&wanted);
        assert!(templates.iter().all(|t| admits(&filter, t)));
    }

    #[test]
    fn a_filter_no_scenario_event_passes_gets_a_made_up_one() {
        let wanted = entries(&[
            ("type", "agentLogin"),
            ("queue", "Night shift"),
            ("extensionNumber", "4242"),
        ]);
        let templates = admitted_templates(Some(&wanted), Profile::Standard);
        assert_eq!(templates.len(), 1, "{templates:?}");
        assert!(templates[0].contains("\"queue\":\"Night shift\""));
        let impossible = entries(&[("type", "userLogin"), ("queue", "x")]);
        assert!(admitted_templates(Some(&impossible), Profile::Standard).is_empty());
    }

    #[test]
    fn variants_keep_the_event_and_change_what_they_are_told() {
        let text = variant(
            r#"{"type":"hangup","time":1}"#,
            5,
            Some(UNKNOWN_TYPE),
            Some((UNKNOWN_PROPERTY, Value::from(3))),
        );
        assert_eq!(text, r#"{"parkingLot":3,"time":5,"type":"callParked"}"#);
    }
}
