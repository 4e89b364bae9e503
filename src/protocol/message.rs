//! Client messages (the filter message, docs/protocol.md §5.1), and the lint behind the
//! warnings of the server's replies (`reply.rs`).

use serde_json::{Map, Value};

use super::event::{BASE_PROPERTIES, EventKind, PropType};
use super::filter::{FilterRule, FilterSet, RuleValue};
use super::unique_json::{self, UniqueJsonError};

/// How strictly client messages are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept the documentation's invalid entry form `{"property" : "x" : "value" : "y"}`.
    pub lenient: bool,
}

/// A message a client sent, once understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMessage {
    /// `{"type":"filter","filters":[...]}`: replace the connection's filter set.
    Filter(FilterSet),
}

/// Why a client message was refused. Each reason says what was wrong and what to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Not JSON at all.
    #[error("malformed JSON at line {line} column {column}: {reason}")]
    MalformedJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description.
        reason: String,
    },
    /// The documentation's own invalid example form.
    #[error(
        "filter entries use the documentation's invalid form {{\"property\" : \"x\" : \"value\" : \"y\"}}, which is not JSON; send {{\"property\":\"x\",\"value\":\"y\"}} instead (or start the server with --lenient-filters)"
    )]
    DocumentedInvalidForm,
    /// An object with a key twice: which one counts would be a guess.
    #[error(
        "the message has the key \"{key}\" twice in one object; send each key once (a filter entry is {{\"property\":...,\"value\":...}})"
    )]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// Valid JSON but not an object.
    #[error(
        "expected a JSON object such as {{\"type\":\"filter\",\"filters\":[...]}}, got {found}"
    )]
    NotAnObject {
        /// The JSON type that arrived.
        found: &'static str,
    },
    /// No `type` key.
    #[error(
        "message has no \"type\"; the Event API accepts {{\"type\":\"filter\",\"filters\":[...]}}"
    )]
    MissingType,
    /// A `type` that the Event API does not accept from clients.
    #[error(
        "unknown message type {found}; the Event API accepts only {{\"type\":\"filter\",\"filters\":[...]}}"
    )]
    UnknownType {
        /// The `type` value as JSON text.
        found: String,
    },
    /// No `filters` key.
    #[error("filter message has no \"filters\" list; send \"filters\":[] to receive everything")]
    MissingFilters,
    /// `filters` is not an array.
    #[error(
        "\"filters\" must be a list of {{\"property\":...,\"value\":...}} entries, got {found}"
    )]
    FiltersNotArray {
        /// The JSON type that arrived.
        found: &'static str,
    },
    /// A key other than `type` and `filters` at the top level.
    #[error("filter message has unknown key \"{key}\"; expected only \"type\" and \"filters\"")]
    UnknownMessageKey {
        /// The key.
        key: String,
    },
    /// An entry that is not an object.
    #[error("filters[{index}] must be an object {{\"property\":...,\"value\":...}}, got {found}")]
    EntryNotObject {
        /// Position in `filters`.
        index: usize,
        /// The JSON type that arrived.
        found: &'static str,
    },
    /// An entry without `property`.
    #[error("filters[{index}] has no \"property\"")]
    EntryMissingProperty {
        /// Position in `filters`.
        index: usize,
    },
    /// An entry without `value`.
    #[error("filters[{index}] has no \"value\"; use \"*\" to accept any value")]
    EntryMissingValue {
        /// Position in `filters`.
        index: usize,
    },
    /// `property` is not a non-empty string.
    #[error("filters[{index}].property must be a non-empty string, got {found}")]
    PropertyNotString {
        /// Position in `filters`.
        index: usize,
        /// What arrived, as JSON text.
        found: String,
    },
    /// `value` is null, an array or an object.
    #[error("filters[{index}].value must be a string, number or boolean, got {found}")]
    ValueInvalid {
        /// Position in `filters`.
        index: usize,
        /// What arrived, as JSON text.
        found: String,
    },
    /// A key other than `property` and `value` in an entry.
    #[error(
        "filters[{index}] has unknown key \"{key}\"; an entry is {{\"property\":...,\"value\":...}}"
    )]
    UnknownEntryKey {
        /// Position in `filters`.
        index: usize,
        /// The key.
        key: String,
    },
    /// A binary websocket frame.
    #[error("binary frames are not accepted; send the filter message as a text frame")]
    BinaryFrame,
}

/// Reads one text frame from a client.
///
/// # Errors
/// A [`MessageError`] naming what is wrong; the caller answers it and keeps the
/// connection and its previous filters.
pub fn parse_client_message(
    text: &str,
    options: ParseOptions,
) -> Result<ClientMessage, MessageError> {
    let value: Value = match unique_json::parse(text) {
        Ok(v) => v,
        Err(UniqueJsonError::DuplicateKey(key)) => return Err(MessageError::DuplicateKey { key }),
        Err(UniqueJsonError::Syntax(err)) => {
            if let Some(fixed) = rewrite_documented_form(text) {
                if options.lenient {
                    return parse_client_message(&fixed, ParseOptions { lenient: false });
                }
                if serde_json::from_str::<Value>(&fixed).is_ok() {
                    return Err(MessageError::DocumentedInvalidForm);
                }
            }
            return Err(MessageError::MalformedJson {
                line: err.line(),
                column: err.column(),
                reason: strip_position(&err.to_string()),
            });
        }
    };
    let Value::Object(message) = value else {
        return Err(MessageError::NotAnObject {
            found: json_type(&value),
        });
    };
    match message.get("type") {
        None => Err(MessageError::MissingType),
        Some(Value::String(t)) if t == "filter" => {
            parse_filter(&message).map(ClientMessage::Filter)
        }
        Some(other) => Err(MessageError::UnknownType {
            found: other.to_string(),
        }),
    }
}

fn parse_filter(message: &Map<String, Value>) -> Result<FilterSet, MessageError> {
    if let Some(key) = message.keys().find(|k| *k != "type" && *k != "filters") {
        return Err(MessageError::UnknownMessageKey { key: key.clone() });
    }
    let entries = match message.get("filters") {
        None => return Err(MessageError::MissingFilters),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(MessageError::FiltersNotArray {
                found: json_type(other),
            });
        }
    };
    let mut rules = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let Value::Object(entry) = entry else {
            return Err(MessageError::EntryNotObject {
                index,
                found: json_type(entry),
            });
        };
        if let Some(key) = entry.keys().find(|k| *k != "property" && *k != "value") {
            return Err(MessageError::UnknownEntryKey {
                index,
                key: key.clone(),
            });
        }
        let property = match entry.get("property") {
            None => return Err(MessageError::EntryMissingProperty { index }),
            Some(Value::String(p)) if !p.is_empty() => p.clone(),
            Some(other) => {
                return Err(MessageError::PropertyNotString {
                    index,
                    found: other.to_string(),
                });
            }
        };
        let value = match entry.get("value") {
            None => return Err(MessageError::EntryMissingValue { index }),
            Some(Value::String(v)) => v.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            Some(other) => {
                return Err(MessageError::ValueInvalid {
                    index,
                    found: other.to_string(),
                });
            }
        };
        rules.push(FilterRule::new(property, value));
    }
    Ok(FilterSet::from_rules(rules))
}

/// Rewrites every `"property" : "<x>" :` into `"property":"<x>",`, the documentation's
/// intended form. `None` when the text has no such pattern.
pub fn rewrite_documented_form(text: &str) -> Option<String> {
    const KEY: &str = "\"property\"";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut changed = false;
    let mut search = 0;
    while let Some(found) = text[search..].find(KEY) {
        let start = search + found;
        let mut i = start + KEY.len();
        search = i;
        i = skip_ws(bytes, i);
        if bytes.get(i) != Some(&b':') {
            continue;
        }
        i = skip_ws(bytes, i + 1);
        let Some(after_string) = skip_string(bytes, i) else {
            continue;
        };
        let colon = skip_ws(bytes, after_string);
        if bytes.get(colon) != Some(&b':') {
            continue;
        }
        out.push_str(&text[copied..colon]);
        out.push(',');
        copied = colon + 1;
        search = copied;
        changed = true;
    }
    if !changed {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// Index just past the JSON string literal starting at `i`.
fn skip_string(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    while let Some(&b) = bytes.get(j) {
        match b {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Notes on rules that can never admit an event of `emitted` kinds: unknown
/// properties and `type` values that name no emitted event.
pub fn lint(filters: &FilterSet, emitted: &[EventKind]) -> Vec<String> {
    let mut warnings = Vec::new();
    for property in filters.properties() {
        let known = ["type", "time", "coreServerId"].contains(&property)
            || emitted
                .iter()
                .any(|k| k.entry().properties.iter().any(|p| p.name == property));
        if !known {
            warnings.push(format!(
                "property \"{property}\" appears in no event this server emits, so this filter set admits no events"
            ));
        }
    }
    for rule in filters.rules() {
        if let RuleValue::Text(value) = &rule.value
            && let Some(warning) = never_matches_its_type(&rule.property, value, emitted)
        {
            warnings.push(warning);
        }
        if let (true, RuleValue::Text(value)) = (rule.property == "type", &rule.value) {
            match EventKind::from_name(value) {
                Some(kind) if emitted.contains(&kind) => {}
                Some(kind) => warnings.push(format!(
                    "type \"{}\" is an {} event type that this server does not emit in its current profile (see --profile)",
                    value,
                    kind.provenance().as_str()
                )),
                None => warnings.push(format!(
                    "type \"{value}\" names no event type in the catalogue (see `isymphony-sim events`)"
                )),
            }
        }
    }
    warnings
}

/// A note when `value` can never equal the text of `property` as sent: an
/// integer property is sent as plain digits (`51234`, never `51234.0` or
/// `051234`), a boolean one as `true` or `false`.
fn never_matches_its_type(property: &str, value: &str, emitted: &[EventKind]) -> Option<String> {
    let ty = BASE_PROPERTIES
        .iter()
        .chain(emitted.iter().flat_map(|k| k.entry().properties))
        .find(|p| p.name == property)?
        .ty;
    match ty {
        PropType::Integer => {
            let canonical = value.parse::<i64>().is_ok_and(|n| n.to_string() == value);
            (!canonical).then(|| {
                let hint = value
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
                    .map_or_else(String::new, |n| format!("; write {}", n as i64));
                format!(
                    "value {value} can never match \"{property}\": it is an integer, sent and matched as plain digits such as 51234{hint}"
                )
            })
        }
        PropType::Boolean => (value != "true" && value != "false").then(|| {
            format!(
                "value {value} can never match \"{property}\": it is a boolean, matched as true or false"
            )
        }),
        PropType::String | PropType::NullableString => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClientMessage, MessageError> {
        parse_client_message(text, ParseOptions::default())
    }

    #[test]
    fn valid_filter_message_parses() {
        let msg = parse(r#"{"type":"filter","filters":[{"property":"type","value":"userLogin"},{"property":"port","value":51234}]}"#).unwrap();
        let ClientMessage::Filter(set) = msg;
        assert_eq!(set.rules().len(), 2);
        assert_eq!(set.rules()[1], FilterRule::new("port", "51234"));
    }

    #[test]
    fn documented_invalid_form_is_recognised_and_lenient_mode_accepts_it() {
        let doc =
            r#"{ "type" : "filter", "filters" : [ {"property" : "type" : "value" : "dial"} ] }"#;
        assert_eq!(parse(doc), Err(MessageError::DocumentedInvalidForm));
        let lenient = parse_client_message(doc, ParseOptions { lenient: true }).unwrap();
        let ClientMessage::Filter(set) = lenient;
        assert_eq!(set.rules(), &[FilterRule::new("type", "dial")]);
    }

    #[test]
    fn each_wrong_shape_gets_its_own_reason() {
        let cases = [
            ("{", "malformed JSON"),
            ("[1]", "expected a JSON object"),
            (r#"{"filters":[]}"#, "no \"type\""),
            (
                r#"{"type":"subscribe"}"#,
                "unknown message type \"subscribe\"",
            ),
            (r#"{"type":"filter"}"#, "no \"filters\""),
            (r#"{"type":"filter","filters":{}}"#, "must be a list"),
            (
                r#"{"type":"filter","filters":["type"]}"#,
                "filters[0] must be an object",
            ),
            (
                r#"{"type":"filter","filters":[{"value":"x"}]}"#,
                "filters[0] has no \"property\"",
            ),
            (
                r#"{"type":"filter","filters":[{"property":"x"}]}"#,
                "no \"value\"",
            ),
            (
                r#"{"type":"filter","filters":[{"property":"","value":"x"}]}"#,
                "non-empty string",
            ),
            (
                r#"{"type":"filter","filters":[{"property":"x","value":null}]}"#,
                "string, number or boolean",
            ),
            (
                r#"{"type":"filter","filters":[{"property":"x","value":"y","op":"eq"}]}"#,
                "unknown key \"op\"",
            ),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn lint_flags_unknown_properties_and_type_values() {
        let set = FilterSet::from_rules(vec![
            FilterRule::new("usrname", "x"),
            FilterRule::new("type", "login"),
            FilterRule::new("type", "dial"),
        ]);
        let warnings = lint(&set, &EventKind::ALL[..8]);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
    }

    #[test]
    fn values_an_integer_or_boolean_property_is_never_sent_as_are_flagged() {
        let message = r#"{"type":"filter","filters":[{"property":"port","value":51234.0},{"property":"port","value":"051234"},{"property":"port","value":51234},{"property":"time","value":"1e3"},{"property":"username","value":"51234.0"}]}"#;
        let Ok(ClientMessage::Filter(set)) = parse(message) else {
            panic!("valid");
        };

        let warnings = lint(&set, &EventKind::ALL[..8]);

        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings[0].contains("value 51234.0 can never match \"port\"")
                && warnings[0].contains("write 51234"),
            "{warnings:?}"
        );
        assert!(warnings[1].contains("051234"), "{warnings:?}");
        assert!(warnings[2].contains("\"time\""), "{warnings:?}");
    }

    #[test]
    fn a_key_twice_is_refused_naming_it() {
        for (text, key) in [
            (r#"{"type":"filter","type":"filter","filters":[]}"#, "type"),
            (
                r#"{"type":"filter","filters":[{"property":"type","property":"username","value":"x"}]}"#,
                "property",
            ),
        ] {
            assert_eq!(
                parse(text),
                Err(MessageError::DuplicateKey { key: key.into() }),
                "{text}"
            );
        }
    }
}
