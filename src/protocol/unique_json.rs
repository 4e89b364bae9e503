//! JSON read into a [`Value`] with every object's keys unique. serde_json keeps
//! the last of two equal keys silently; a filter message or an injected event
//! with a key twice is ambiguous (a filter would read one `type`, a client the
//! other), so it is refused instead, naming the key.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a text is not JSON with unique keys.
#[derive(Debug)]
pub enum UniqueJsonError {
    /// Not JSON at all; serde_json's error, with its line and column.
    Syntax(serde_json::Error),
    /// An object has this key twice.
    DuplicateKey(String),
}

/// Marks a duplicate inside serde's error type, so it survives the visitor.
const DUPLICATE: &str = "duplicate key ";

/// Parses `text`, refusing an object with a key twice.
///
/// # Errors
/// [`UniqueJsonError::DuplicateKey`] naming the first repeated key, or
/// [`UniqueJsonError::Syntax`].
pub fn parse(text: &str) -> Result<Value, UniqueJsonError> {
    let mut reader = serde_json::Deserializer::from_str(text);
    let value = UniqueValue.deserialize(&mut reader).map_err(classify)?;
    reader.end().map_err(UniqueJsonError::Syntax)?;
    Ok(value)
}

fn classify(err: serde_json::Error) -> UniqueJsonError {
    let message = err.to_string();
    match message.strip_prefix(DUPLICATE) {
        Some(rest) => {
            // serde_json appends " at line L column C".
            let key = rest.rsplit_once(" at line ").map_or(rest, |(key, _)| key);
            UniqueJsonError::DuplicateKey(key.trim_matches('"').to_string())
        }
        None => UniqueJsonError::Syntax(err),
    }
}

/// Reads any JSON value, objects with unique keys.
struct UniqueValue;

impl<'de> DeserializeSeed<'de> for UniqueValue {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(UniqueValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{key:?}")));
            }
            let value = map.next_value_seed(UniqueValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_with_unique_keys_reads_as_serde_json_reads_it() {
        let text = r#"{"type":"filter","filters":[{"property":"port","value":51234.5}],"n":-3,"ok":true,"x":null}"#;
        let ours = parse(text).expect("valid");
        let theirs: Value = serde_json::from_str(text).expect("valid");
        assert_eq!(ours, theirs);
    }

    #[test]
    fn a_key_twice_at_any_depth_is_named() {
        for (text, key) in [
            (r#"{"type":"a","type":"b"}"#, "type"),
            (
                r#"{"filters":[{"property":"x","property":"y","value":"1"}]}"#,
                "property",
            ),
        ] {
            match parse(text) {
                Err(UniqueJsonError::DuplicateKey(found)) => assert_eq!(found, key, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn syntax_errors_stay_syntax_errors() {
        for text in ["{", "{\"a\":1} x", "[1,]"] {
            assert!(
                matches!(parse(text), Err(UniqueJsonError::Syntax(_))),
                "{text}"
            );
        }
    }
}
