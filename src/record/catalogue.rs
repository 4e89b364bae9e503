//! How a received frame compares with our event catalogue (docs/protocol.md §3-4):
//! the recorder's `catalogue` flag and the audit's property findings both come from
//! here, so they cannot disagree.

use serde_json::{Map, Value};

use crate::protocol::EventKind;
use crate::protocol::event::{BASE_PROPERTIES, PropType, PropertySpec};

/// The JSON type of one value, in the words the catalogue uses.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `value` has the catalogue type `ty`.
pub fn fits(ty: PropType, value: &Value) -> bool {
    match ty {
        PropType::String => value.is_string(),
        PropType::NullableString => value.is_string() || value.is_null(),
        PropType::Integer => value.is_i64(),
        PropType::Boolean => value.is_boolean(),
    }
}

/// Every property the catalogue gives `kind`, base properties first.
pub fn properties_of(kind: EventKind) -> impl Iterator<Item = &'static PropertySpec> {
    BASE_PROPERTIES.iter().chain(kind.entry().properties.iter())
}

/// The parsed text of a frame: its JSON object, if it is one.
pub fn as_object(text: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// The catalogue kind of an event object whose keys are exactly the catalogue's
/// for its `type`, each value of the catalogue's JSON type; `None` otherwise.
pub fn catalogue_kind(event: &Map<String, Value>) -> Option<EventKind> {
    let kind = EventKind::from_name(event.get("type")?.as_str()?)?;
    let mut expected = 0;
    for spec in properties_of(kind) {
        expected += 1;
        if !fits(spec.ty, event.get(spec.name)?) {
            return None;
        }
    }
    (event.len() == expected).then_some(kind)
}

/// Whether a frame's text is a catalogue event (the capture's `catalogue` flag).
pub fn is_catalogue_event(text: &str) -> bool {
    as_object(text).is_some_and(|event| catalogue_kind(&event).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGIN: &str = r#"{"type":"userLogin","time":1,"coreServerId":"c","userId":"u","username":"1001","userLoginId":"l","ip":"","port":5}"#;

    #[test]
    fn only_the_exact_catalogue_shape_counts() {
        assert!(is_catalogue_event(LOGIN));
        assert!(!is_catalogue_event(
            &LOGIN.replace("\"port\":5", "\"port\":\"5\"")
        ));
        assert!(!is_catalogue_event(&LOGIN.replace(",\"port\":5", "")));
        assert!(!is_catalogue_event(
            &LOGIN.replace("\"port\":5", "\"port\":5,\"extra\":1")
        ));
        assert!(!is_catalogue_event(&LOGIN.replace("userLogin", "parked")));
        assert!(!is_catalogue_event("not json"));
    }

    #[test]
    fn json_types_use_the_catalogue_words() {
        assert_eq!(json_type(&serde_json::json!(5)), "integer");
        assert_eq!(json_type(&serde_json::json!(0.5)), "number");
        assert_eq!(json_type(&serde_json::json!(null)), "null");
    }
}
