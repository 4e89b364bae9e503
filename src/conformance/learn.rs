//! What a target's traffic carries, learned from its unfiltered stream before
//! differential mode judges it: event types, property names and the values of
//! each property, with counts. The rule instances are drawn from it
//! ([`instantiate`](super::instantiate)), so they use users and values the target
//! really has rather than those of our scenarios.
//!
//! Memory is bounded: at most [`MAX_EVENTS`] events are kept, and at most
//! [`MAX_VALUES`] distinct values per property are counted (the rest are counted
//! together as "other").

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

/// Events kept from the learning window; later ones are only counted.
pub const MAX_EVENTS: usize = 5_000;
/// Distinct values counted per property.
pub const MAX_VALUES: usize = 500;
/// Fewer events than this in the learning window is thin traffic: a rule it
/// cannot exercise may be exercised by a longer window.
pub const THIN_TRAFFIC: usize = 50;

/// An event as decoded from the wire.
pub type EventMap = Map<String, Value>;

/// One property's statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PropertyStats {
    /// Events that carried it.
    pub events: usize,
    /// Per event type, how many of its events carried it.
    pub types: BTreeMap<String, usize>,
    /// Events where it was `null`.
    pub nulls: usize,
    /// Per value (its JSON text), how many events had it; `null` is not listed.
    pub values: BTreeMap<String, usize>,
    /// Per value, the ordinals (in the window) of the first and last event with it.
    #[serde(skip)]
    pub span: BTreeMap<String, (usize, usize)>,
    /// Events whose value was not counted (past [`MAX_VALUES`] distinct values).
    pub other: usize,
}

/// Everything learned from one window of unfiltered traffic.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Learned {
    /// Events seen in the window.
    pub total: usize,
    /// How long the window was, in ms.
    pub window_ms: u64,
    /// Per `type` value, how many events.
    pub types: BTreeMap<String, usize>,
    /// Per property name, its statistics.
    pub properties: BTreeMap<String, PropertyStats>,
    /// The events kept (the first [`MAX_EVENTS`]), for rules that need
    /// co-occurring values.
    #[serde(skip)]
    pub events: Vec<EventMap>,
}

impl Learned {
    /// Learns from the events of a window of `window_ms`.
    pub fn from_events(events: impl IntoIterator<Item = EventMap>, window_ms: u64) -> Learned {
        let mut learned = Learned {
            window_ms,
            ..Learned::default()
        };
        for event in events {
            learned.note(event);
        }
        learned
    }

    fn note(&mut self, event: EventMap) {
        self.total += 1;
        let kind = event
            .get("type")
            .map_or_else(|| "(no type)".to_string(), text_of);
        *self.types.entry(kind.clone()).or_default() += 1;
        for (name, value) in &event {
            let stats = self.properties.entry(name.clone()).or_default();
            stats.events += 1;
            *stats.types.entry(kind.clone()).or_default() += 1;
            if value.is_null() {
                stats.nulls += 1;
                continue;
            }
            let text = value.to_string();
            if stats.values.len() < MAX_VALUES || stats.values.contains_key(&text) {
                let ordinal = self.total - 1;
                stats
                    .span
                    .entry(text.clone())
                    .and_modify(|(_, last)| *last = ordinal)
                    .or_insert((ordinal, ordinal));
                *stats.values.entry(text).or_default() += 1;
            } else {
                stats.other += 1;
            }
        }
        if self.events.len() < MAX_EVENTS {
            self.events.push(event);
        }
    }

    /// Whether the window held too few events to say a rule cannot be exercised.
    pub fn is_thin(&self) -> bool {
        self.total < THIN_TRAFFIC
    }

    /// The event types seen at least `min` times, most frequent first; with
    /// `min` of 2 or more, only types that recur (see [`Learned::recurs`]).
    pub fn types_seen(&self, min: usize) -> Vec<String> {
        let mut types: Vec<(&String, &usize)> = self
            .types
            .iter()
            .filter(|(t, n)| {
                **n >= min && (min < 2 || self.recurs("type", &Value::from(t.as_str()).to_string()))
            })
            .collect();
        types.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        types.into_iter().map(|(t, _)| t.clone()).collect()
    }

    /// Whether `property`'s value `text` (JSON) occurred in both halves of the
    /// window: a value that does is likely to occur again (a session id seen at a
    /// login and its logout is not).
    pub fn recurs(&self, property: &str, text: &str) -> bool {
        let half = self.total / 2;
        self.properties
            .get(property)
            .and_then(|s| s.span.get(text))
            .is_some_and(|(first, last)| *first < half && *last >= half)
    }

    /// The non-null values of `property` seen at least `min` times, most frequent
    /// first, as JSON values; with `min` of 2 or more, only values that recur
    /// (see [`Learned::recurs`]).
    pub fn values_seen(&self, property: &str, min: usize) -> Vec<Value> {
        let Some(stats) = self.properties.get(property) else {
            return Vec::new();
        };
        let mut values: Vec<(&String, &usize)> = stats
            .values
            .iter()
            .filter(|(text, n)| **n >= min && (min < 2 || self.recurs(property, text)))
            .collect();
        values.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        values
            .into_iter()
            .filter_map(|(text, _)| serde_json::from_str(text).ok())
            .collect()
    }

    /// Whether `property` was ever seen with exactly `value` (JSON equality).
    pub fn has_value(&self, property: &str, value: &Value) -> bool {
        self.properties
            .get(property)
            .is_some_and(|s| s.values.contains_key(&value.to_string()))
    }

    /// The event types that never carried `property`.
    pub fn types_without(&self, property: &str) -> BTreeSet<String> {
        let with = self.properties.get(property).map(|s| &s.types);
        self.types
            .keys()
            .filter(|t| with.is_none_or(|w| !w.contains_key(*t)))
            .cloned()
            .collect()
    }

    /// How many kept events satisfy `test`.
    pub fn count(&self, test: impl Fn(&EventMap) -> bool) -> usize {
        self.events.iter().filter(|e| test(e)).count()
    }

    /// A few lines for the report: how much traffic, which types.
    pub fn summary(&self) -> String {
        let types = self
            .types_seen(1)
            .iter()
            .map(|t| format!("{t} {}", self.types[t]))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "learned from {} events in {} ms of unfiltered traffic: {} type(s) ({types}), {} property name(s)",
            self.total,
            self.window_ms,
            self.types.len(),
            self.properties.len()
        )
    }

    /// The learned traffic for the JSON report: counts, and per property its
    /// ten most frequent values.
    pub fn to_json(&self) -> Value {
        let properties: Map<String, Value> = self
            .properties
            .iter()
            .map(|(name, stats)| {
                let top: Map<String, Value> = self
                    .values_seen(name, 1)
                    .into_iter()
                    .take(10)
                    .map(|v| {
                        let text = v.to_string();
                        let count = stats.values.get(&text).copied().unwrap_or(0);
                        (text, Value::from(count))
                    })
                    .collect();
                let entry = serde_json::json!({
                    "events": stats.events,
                    "types": stats.types,
                    "nulls": stats.nulls,
                    "distinctValues": stats.values.len(),
                    "otherValues": stats.other,
                    "topValues": top,
                });
                (name.clone(), entry)
            })
            .collect();
        serde_json::json!({
            "events": self.total,
            "windowMs": self.window_ms,
            "types": self.types,
            "properties": properties,
        })
    }
}

/// A value as filter text: a string's content, anything else its JSON text.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(text: &str) -> EventMap {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn types_properties_and_values_are_counted() {
        let learned = Learned::from_events(
            [
                event(r#"{"type":"a","user":"x","n":1}"#),
                event(r#"{"type":"b","user":null}"#),
                event(r#"{"type":"a","user":"y","n":1}"#),
                event(r#"{"type":"c"}"#),
            ],
            1000,
        );
        assert_eq!(learned.total, 4);
        // "a" is in both halves of the window, so it recurs; "x" does not.
        assert_eq!(learned.types_seen(2), vec!["a"]);
        assert_eq!(learned.values_seen("n", 2), vec![Value::from(1)]);
        assert!(!learned.recurs("user", "\"x\""));
        assert_eq!(learned.properties["user"].nulls, 1);
        assert_eq!(
            learned
                .types_without("user")
                .into_iter()
                .collect::<Vec<_>>(),
            vec!["c"]
        );
        assert!(learned.has_value("user", &Value::from("y")));
        assert!(learned.is_thin());
        assert!(learned.summary().contains("3 type(s)"));
    }
}
