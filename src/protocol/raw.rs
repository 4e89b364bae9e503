//! Events given as JSON text rather than built from the catalogue: what a test
//! injects through the control API to see how its client copes with any event,
//! including ones the catalogue does not know.
//!
//! A raw event goes on the wire exactly as given; filters see its top-level
//! properties through the same [`PropValue`] view as typed events, so the one
//! definition of filter semantics applies to both.

use serde_json::{Map, Value};

use super::unique_json::{self, UniqueJsonError};
use super::value::PropValue;

/// Largest raw event, in bytes of JSON. Catalogue events take a few hundred;
/// every recipient's queue holds a copy, so one huge event multiplies.
pub const MAX_RAW_EVENT_BYTES: usize = 64 * 1024;

/// Most top-level properties of a raw event. Catalogue events have about a dozen.
pub const MAX_RAW_EVENT_PROPERTIES: usize = 1_000;

/// One top-level property value of a raw event, kept in the form filters read.
#[derive(Debug, Clone, PartialEq)]
enum RawValue {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    /// Any other JSON (a fraction, a huge number, an array, an object): filters
    /// compare its JSON text, as they do for numbers (docs/protocol.md §5.2).
    Text(String),
}

/// An event given as one JSON object with a string `type`, sent as is.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    json: String,
    kind: String,
    properties: Vec<(String, RawValue)>,
}

/// Why a text cannot be sent as a raw event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawEventError {
    /// The text is not JSON.
    #[error("the event is not valid JSON: {0}")]
    NotJson(String),
    /// The JSON is not an object with a string `type`.
    #[error(
        "an event is one JSON object with a string \"type\", e.g. {{\"type\":\"userLogin\",\"username\":\"1001\"}}"
    )]
    NotAnEvent,
    /// `type` is the empty string: no filter on a type could ever name it.
    #[error("the event's \"type\" is empty; give it a name, e.g. {{\"type\":\"parkedCall\"}}")]
    EmptyType,
    /// An object in the event has a key twice: filters would read one, clients
    /// receive both.
    #[error("the event has the key \"{0}\" twice in one object; send each key once")]
    DuplicateKey(String),
    /// More bytes than [`MAX_RAW_EVENT_BYTES`].
    #[error(
        "the event is {0} bytes; this server sends events of at most {MAX_RAW_EVENT_BYTES} bytes"
    )]
    TooLarge(usize),
    /// More top-level properties than [`MAX_RAW_EVENT_PROPERTIES`].
    #[error(
        "the event has {0} properties; this server sends events of at most {MAX_RAW_EVENT_PROPERTIES}"
    )]
    TooManyProperties(usize),
}

impl RawEvent {
    /// Reads one event object. The wire form is the text as given (trimmed), so a
    /// test can send exactly the bytes it wants a client to cope with.
    ///
    /// # Errors
    /// [`RawEventError::NotJson`] for text that is not JSON,
    /// [`RawEventError::NotAnEvent`] for JSON that is not an object with a string `type`.
    pub fn from_json(text: &str) -> Result<RawEvent, RawEventError> {
        let text = text.trim();
        if text.len() > MAX_RAW_EVENT_BYTES {
            return Err(RawEventError::TooLarge(text.len()));
        }
        let value = unique_json::parse(text).map_err(|err| match err {
            UniqueJsonError::Syntax(e) => RawEventError::NotJson(e.to_string()),
            UniqueJsonError::DuplicateKey(key) => RawEventError::DuplicateKey(key),
        })?;
        let Value::Object(map) = value else {
            return Err(RawEventError::NotAnEvent);
        };
        let Some(Value::String(kind)) = map.get("type") else {
            return Err(RawEventError::NotAnEvent);
        };
        if kind.is_empty() {
            return Err(RawEventError::EmptyType);
        }
        if map.len() > MAX_RAW_EVENT_PROPERTIES {
            return Err(RawEventError::TooManyProperties(map.len()));
        }
        let kind = kind.clone();
        Ok(RawEvent {
            json: text.to_string(),
            kind,
            properties: properties(map),
        })
    }

    /// A frame replayed from a capture (`serve --replay`): the text is kept byte
    /// for byte, untrimmed, and filters see its top-level properties when it is a
    /// JSON object. A frame that is not one has no properties, so only a
    /// connection without filters receives it, as the filter rule says (docs/protocol.md §5.2).
    pub fn captured(text: &str) -> RawEvent {
        let (kind, properties) = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => {
                let kind = match map.get("type") {
                    Some(Value::String(kind)) => kind.clone(),
                    _ => String::new(),
                };
                (kind, properties(map))
            }
            _ => (String::new(), Vec::new()),
        };
        RawEvent {
            json: text.to_string(),
            kind,
            properties,
        }
    }

    /// The wire form.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The `type` property (empty for a captured frame without a string `type`).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The filterable view of a top-level property; `None` when the event has no such key.
    pub fn property(&self, name: &str) -> Option<PropValue<'_>> {
        let (_, value) = self.properties.iter().find(|(key, _)| key == name)?;
        Some(value.view())
    }

    /// Every top-level property, in key order, as filters see it.
    pub fn properties(&self) -> impl Iterator<Item = (&str, PropValue<'_>)> {
        self.properties
            .iter()
            .map(|(key, value)| (key.as_str(), value.view()))
    }
}

impl RawValue {
    fn view(&self) -> PropValue<'_> {
        match self {
            RawValue::Str(s) | RawValue::Text(s) => PropValue::Str(s),
            RawValue::Int(n) => PropValue::Int(*n),
            RawValue::Bool(b) => PropValue::Bool(*b),
            RawValue::Null => PropValue::Null,
        }
    }
}

fn properties(map: Map<String, Value>) -> Vec<(String, RawValue)> {
    map.into_iter()
        .map(|(key, value)| {
            let value = match value {
                Value::String(s) => RawValue::Str(s),
                Value::Bool(b) => RawValue::Bool(b),
                Value::Null => RawValue::Null,
                Value::Number(n) => match n.as_i64() {
                    Some(i) => RawValue::Int(i),
                    None => RawValue::Text(n.to_string()),
                },
                other => RawValue::Text(other.to_string()),
            };
            (key, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{FilterRule, FilterSet};

    #[test]
    fn an_object_with_a_string_type_is_an_event_sent_as_given() {
        let raw = RawEvent::from_json(" {\"type\" : \"parked\", \"slot\": 701}\n").expect("event");

        assert_eq!(raw.kind(), "parked");
        assert_eq!(raw.json(), r#"{"type" : "parked", "slot": 701}"#);
        assert_eq!(raw.property("slot"), Some(PropValue::Int(701)));
        assert_eq!(raw.property("missing"), None);
    }

    #[test]
    fn a_captured_frame_keeps_every_byte_and_shows_what_it_has() {
        let spaced = RawEvent::captured(" {\"type\":\"x\", \"n\": 1}\n");
        assert_eq!(spaced.json(), " {\"type\":\"x\", \"n\": 1}\n");
        assert_eq!(spaced.property("n"), Some(PropValue::Int(1)));
        let garbage = RawEvent::captured("not json");
        assert_eq!((garbage.json(), garbage.kind()), ("not json", ""));
        assert_eq!(garbage.property("type"), None);
    }

    #[test]
    fn anything_else_is_refused_with_the_expected_shape() {
        for text in [r#"[{"type":"x"}]"#, r#"{"type":7}"#, r#"{"name":"x"}"#, "3"] {
            assert_eq!(
                RawEvent::from_json(text),
                Err(RawEventError::NotAnEvent),
                "{text}"
            );
        }
        assert!(matches!(
            RawEvent::from_json("{"),
            Err(RawEventError::NotJson(_))
        ));
    }

    #[test]
    fn an_empty_type_a_key_twice_and_oversized_events_are_refused() {
        let many: String = (0..=MAX_RAW_EVENT_PROPERTIES)
            .map(|i| format!(",\"p{i}\":1"))
            .collect();
        let big = format!(
            "{{\"type\":\"x\",\"pad\":\"{}\"}}",
            "a".repeat(MAX_RAW_EVENT_BYTES)
        );

        assert_eq!(
            RawEvent::from_json(r#"{"type":""}"#),
            Err(RawEventError::EmptyType)
        );
        assert_eq!(
            RawEvent::from_json(r#"{"type":"a","type":"b"}"#),
            Err(RawEventError::DuplicateKey("type".into()))
        );
        assert_eq!(
            RawEvent::from_json(&format!("{{\"type\":\"x\"{many}}}")),
            Err(RawEventError::TooManyProperties(
                MAX_RAW_EVENT_PROPERTIES + 2
            ))
        );
        assert!(matches!(
            RawEvent::from_json(&big),
            Err(RawEventError::TooLarge(_))
        ));
    }

    #[test]
    fn filters_read_raw_properties_like_typed_ones() {
        let raw =
            RawEvent::from_json(r#"{"type":"x","ratio":0.5,"ok":true,"who":null,"tags":["a"]}"#)
                .expect("event");
        let admits = |property: &str, value: &str| {
            FilterSet::from_rules(vec![FilterRule::new(property, value)])
                .admits_with(|name| raw.property(name))
        };

        assert!(admits("ratio", "0.5"));
        assert!(admits("ok", "true"));
        assert!(admits("who", "*"));
        assert!(!admits("who", "null"));
        assert!(admits("tags", r#"["a"]"#));
        assert!(!admits("type", "X"));
    }
}
