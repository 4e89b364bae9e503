//! Fields a target adds that the catalogue lacks (our own `simSentUs`/`simSeq`
//! stamp from `serve --stamp`, or the properties of a newer server): they are left
//! out when events are compared, and listed once in the report as "extra fields
//! seen". An event whose type the catalogue does not know keeps all its fields:
//! there is nothing to tell the extra ones from the others.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::protocol::EventKind;
use crate::protocol::event::BASE_PROPERTIES;

/// Whether the catalogue entry of `event_type` names `field` (base properties
/// included); `None` when the catalogue has no such type.
pub fn catalogue_has(event_type: &str, field: &str) -> Option<bool> {
    let kind = EventKind::from_name(event_type)?;
    let base = BASE_PROPERTIES.iter().any(|p| p.name == field);
    Some(base || kind.entry().properties.iter().any(|p| p.name == field))
}

/// The fields of `event` that its catalogue entry lacks, in key order.
pub fn extra_fields(event: &Map<String, Value>) -> Vec<String> {
    let Some(event_type) = event.get("type").and_then(Value::as_str) else {
        return Vec::new();
    };
    event
        .keys()
        .filter(|key| catalogue_has(event_type, key) == Some(false))
        .cloned()
        .collect()
}

/// `event` without the fields its catalogue entry lacks.
pub fn without_extra_fields(event: &Map<String, Value>) -> Map<String, Value> {
    let extra = extra_fields(event);
    event
        .iter()
        .filter(|(key, _)| !extra.contains(key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// Extra fields seen during a run: each name with how many events carried it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExtraFields {
    /// Field name -> events that carried it.
    pub counts: BTreeMap<String, usize>,
}

impl ExtraFields {
    /// Counts the extra fields of one event.
    pub fn note(&mut self, event: &Map<String, Value>) {
        for field in extra_fields(event) {
            *self.counts.entry(field).or_default() += 1;
        }
    }

    /// Adds another run's counts.
    pub fn merge(&mut self, other: &ExtraFields) {
        for (field, count) in &other.counts {
            *self.counts.entry(field.clone()).or_default() += count;
        }
    }

    /// `simSentUs (120 events), simSeq (120 events)`, or `None` when nothing was seen.
    pub fn summary(&self) -> Option<String> {
        if self.counts.is_empty() {
            return None;
        }
        Some(
            self.counts
                .iter()
                .map(|(field, count)| format!("{field} ({count} events)"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Map<String, Value> {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn stamp_fields_are_extra_and_catalogue_fields_are_not() {
        let event = object(
            r#"{"type":"hangup","time":1,"coreServerId":"c","username":null,"simSentUs":5,"simSeq":0}"#,
        );
        assert_eq!(extra_fields(&event), vec!["simSentUs", "simSeq"]);
        assert!(!without_extra_fields(&event).contains_key("simSeq"));
        assert!(without_extra_fields(&event).contains_key("username"));
    }

    #[test]
    fn an_unknown_type_keeps_every_field() {
        let event = object(r#"{"type":"parkedCall","slot":"701"}"#);
        assert!(extra_fields(&event).is_empty());
    }
}
