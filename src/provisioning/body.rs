//! Reading request bodies: JSON or 400, then each field by its kind or 422 naming
//! it. [`wire!`] declares a body once: its JSON names, the Rust field each fills,
//! and its kind; the same declaration writes the object back as JSON.
//!
//! Every field is optional in a body (an update changes only what it names); a
//! JSON `null` counts as absent (PHP clients send `null` for unset values). Our
//! choice: unknown fields are refused with 422, so a misspelt field is never lost
//! silently; every field the server shows in a GET is known, so an object read
//! and sent back as it is (the FreePBX module does that) is always accepted.

use serde_json::{Map, Value};

use crate::model::Secret;
use crate::model::directory::{MAX_TEXT_BYTES, is_valid_id};

/// A body that is JSON but not acceptable: 422 with this one-line reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

/// Why a body could not be read at all or is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// 400: not JSON.
    Malformed(String),
    /// 422: JSON, but not what the resource takes.
    Invalid(Invalid),
}

impl From<Invalid> for BodyError {
    fn from(invalid: Invalid) -> Self {
        BodyError::Invalid(invalid)
    }
}

/// The body as JSON.
///
/// # Errors
/// [`BodyError::Malformed`] with the parser's line and column.
pub fn json(body: &[u8]) -> Result<Value, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError::Malformed(
            "the request body is empty; send a JSON object".into(),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| BodyError::Malformed(format!("the request body is not JSON: {e}")))
}

/// The body as a JSON object.
///
/// # Errors
/// As [`json`]; [`BodyError::Invalid`] for JSON that is not an object.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, BodyError> {
    match json(body)? {
        Value::Object(map) => Ok(map),
        other => Err(Invalid(format!(
            "the request body must be a JSON object, got {}",
            describe(&other)
        ))
        .into()),
    }
}

/// The body as a JSON string (the two resources that take one); `field` names it.
///
/// # Errors
/// As [`json`]; [`BodyError::Invalid`] for anything but a non-empty string within
/// the text limit.
pub fn string(body: &[u8], what: &str) -> Result<String, BodyError> {
    match json(body)? {
        Value::String(text) if text.is_empty() => {
            Err(Invalid(format!("the {what} must not be empty")).into())
        }
        Value::String(text) => {
            Ok(Text::check(text).map_err(|reason| Invalid(format!("the {what} {reason}")))?)
        }
        other => Err(Invalid(format!(
            "the request body must be the {what} as a JSON string (\"...\"), got {}",
            describe(&other)
        ))
        .into()),
    }
}

/// "a number (5)", "an array", ... for messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// How one field's JSON value is read and written.
pub trait Kind {
    /// The Rust value.
    type Value;
    /// What a message says was expected.
    const EXPECTED: &'static str;
    /// The value, or why `value` is not one.
    ///
    /// # Errors
    /// A reason that follows the field's name ("must be ..., got ...").
    fn read(value: &Value) -> Result<Self::Value, String>;
    /// The value as JSON.
    fn write(value: &Self::Value) -> Value;
}

fn expected<K: Kind>(value: &Value) -> String {
    format!("must be {}, got {}", K::EXPECTED, describe(value))
}

/// A string of at most [`MAX_TEXT_BYTES`] bytes.
pub struct Text;

impl Text {
    fn check(text: String) -> Result<String, String> {
        if text.len() > MAX_TEXT_BYTES {
            Err(format!(
                "is {} bytes long; at most {MAX_TEXT_BYTES} are accepted",
                text.len()
            ))
        } else {
            Ok(text)
        }
    }
}

impl Kind for Text {
    type Value = String;
    const EXPECTED: &'static str = "a string";
    fn read(value: &Value) -> Result<String, String> {
        match value {
            Value::String(text) => Text::check(text.clone()),
            other => Err(expected::<Text>(other)),
        }
    }
    fn write(value: &String) -> Value {
        Value::String(value.clone())
    }
}

/// A password: a [`Text`] held as a [`Secret`], so no `Debug` of a body shows it.
pub struct SecretText;

impl Kind for SecretText {
    type Value = Secret;
    const EXPECTED: &'static str = "a string";
    fn read(value: &Value) -> Result<Secret, String> {
        Text::read(value).map(Secret::new)
    }
    fn write(value: &Secret) -> Value {
        Value::String(value.expose().to_string())
    }
}

/// `true` or `false`.
pub struct Flag;

impl Kind for Flag {
    type Value = bool;
    const EXPECTED: &'static str = "true or false";
    fn read(value: &Value) -> Result<bool, String> {
        value.as_bool().ok_or_else(|| expected::<Flag>(value))
    }
    fn write(value: &bool) -> Value {
        Value::Bool(*value)
    }
}

/// A whole number from 0 to 4294967295.
pub struct Count;

impl Kind for Count {
    type Value = u32;
    const EXPECTED: &'static str = "a whole number from 0 to 4294967295";
    fn read(value: &Value) -> Result<u32, String> {
        value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| expected::<Count>(value))
    }
    fn write(value: &u32) -> Value {
        Value::from(*value)
    }
}

/// A TCP port, as a string of digits (the FreePBX module sends `"5038"`) or a
/// number; written back as a string.
pub struct Port;

impl Kind for Port {
    type Value = String;
    const EXPECTED: &'static str = "a port from 0 to 65535, as a string or a number";
    fn read(value: &Value) -> Result<String, String> {
        let port = match value {
            Value::String(text) if text.is_empty() => return Ok(String::new()),
            Value::String(text) => text.parse::<u16>().ok(),
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            _ => None,
        };
        port.map(|p| p.to_string())
            .ok_or_else(|| expected::<Port>(value))
    }
    fn write(value: &String) -> Value {
        Value::String(value.clone())
    }
}

/// An id: 1 to 128 letters, digits, `-`, `.`, `_` or `~` (a UUID fits).
pub struct Ident;

impl Kind for Ident {
    type Value = String;
    const EXPECTED: &'static str = "an id of 1 to 128 letters, digits, `-`, `.`, `_` or `~`";
    fn read(value: &Value) -> Result<String, String> {
        match value {
            Value::String(id) if is_valid_id(id) => Ok(id.clone()),
            other => Err(expected::<Ident>(other)),
        }
    }
    fn write(value: &String) -> Value {
        Value::String(value.clone())
    }
}

/// Reads field `name` of `object` as a `K`; absent and `null` give `None`.
///
/// # Errors
/// [`Invalid`] naming the field.
pub fn read<K: Kind>(object: &Map<String, Value>, name: &str) -> Result<Option<K::Value>, Invalid> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => K::read(value)
            .map(Some)
            .map_err(|reason| Invalid(format!("field `{name}` {reason}"))),
    }
}

/// Refuses the fields of `object` that are not in `known`, naming them all.
///
/// # Errors
/// [`Invalid`] listing the unknown fields and the known ones.
pub fn refuse_unknown(object: &Map<String, Value>, known: &[&str]) -> Result<(), Invalid> {
    let unknown: Vec<String> = object
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| format!("`{}`", shorten(k)))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let plural = if unknown.len() == 1 { "" } else { "s" };
    Err(Invalid(format!(
        "unknown field{plural} {}; this resource takes {}",
        unknown.join(", "),
        known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// A field name cut to a length fit for a one-line reason.
fn shorten(name: &str) -> String {
    const MAX: usize = 64;
    if name.len() <= MAX {
        return name.to_string();
    }
    let mut end = MAX;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &name[..end])
}

/// Declares a request and response body: `"jsonName" => rust_field: Kind`.
macro_rules! wire {
    ($(#[$doc:meta])* $name:ident { $($json:literal => $field:ident : $kind:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name {
            $(#[doc = concat!("`", $json, "`")] pub $field: Option<<$kind as $crate::provisioning::body::Kind>::Value>,)*
        }

        impl $name {
            /// The JSON names of its fields, in the order they are written.
            pub const FIELDS: &'static [&'static str] = &[$($json),*];

            /// Reads a body object.
            ///
            /// # Errors
            /// Unknown fields, and fields of the wrong kind, named.
            pub fn parse(
                object: &serde_json::Map<String, serde_json::Value>,
            ) -> Result<Self, $crate::provisioning::body::Invalid> {
                $crate::provisioning::body::refuse_unknown(object, Self::FIELDS)?;
                Ok($name {
                    $($field: $crate::provisioning::body::read::<$kind>(object, $json)?,)*
                })
            }

            /// The fields it has, as a JSON object.
            pub fn to_json(&self) -> serde_json::Value {
                let mut map = serde_json::Map::new();
                $(if let Some(value) = &self.$field {
                    map.insert(
                        $json.to_string(),
                        <$kind as $crate::provisioning::body::Kind>::write(value),
                    );
                })*
                serde_json::Value::Object(map)
            }
        }
    };
}

pub(crate) use wire;

#[cfg(test)]
mod tests {
    use super::*;

    wire! {
        /// For the tests.
        Sample { "name" => name: Text, "on" => on: Flag, "port" => port: Port, "n" => n: Count }
    }

    fn parse(text: &str) -> Result<Sample, BodyError> {
        Ok(Sample::parse(&object(text.as_bytes())?)?)
    }

    fn reason(text: &str) -> String {
        match parse(text) {
            Err(BodyError::Invalid(Invalid(reason)) | BodyError::Malformed(reason)) => reason,
            Ok(sample) => panic!("accepted {text}: {sample:?}"),
        }
    }

    #[test]
    fn fields_are_read_by_kind_and_written_back() {
        let sample = parse(r#"{"name":"x","on":true,"port":"5038","n":3}"#).unwrap();
        assert_eq!(sample.port.as_deref(), Some("5038"));
        assert_eq!(
            sample.to_json(),
            serde_json::json!({"name":"x","on":true,"port":"5038","n":3})
        );
        assert_eq!(
            parse(r#"{"port":5038,"name":null}"#)
                .unwrap()
                .port
                .as_deref(),
            Some("5038")
        );
        assert_eq!(parse("{}").unwrap(), Sample::default());
    }

    #[test]
    fn bad_fields_are_named() {
        assert_eq!(
            reason(r#"{"on":"yes"}"#),
            "field `on` must be true or false, got a string"
        );
        assert!(reason(r#"{"name":5}"#).starts_with("field `name` must be a string"));
        assert!(reason(r#"{"port":"70000"}"#).starts_with("field `port` must be a port"));
        assert!(reason(r#"{"n":-1}"#).starts_with("field `n` must be a whole number"));
        assert!(reason(r#"{"nmae":"x","zz":1}"#).starts_with("unknown fields `nmae`, `zz`;"));
        let long = format!(r#"{{"name":"{}"}}"#, "x".repeat(1 << 20));
        assert_eq!(
            reason(&long),
            "field `name` is 1048576 bytes long; at most 1024 are accepted"
        );
    }

    #[test]
    fn bodies_that_are_not_objects_are_told_apart() {
        assert!(matches!(parse("{"), Err(BodyError::Malformed(_))));
        assert!(matches!(parse(""), Err(BodyError::Malformed(_))));
        assert!(matches!(parse("[1]"), Err(BodyError::Invalid(_))));
        assert!(matches!(
            string(b"\"\"", "serial key"),
            Err(BodyError::Invalid(_))
        ));
        assert_eq!(string(b"\"ABC\"", "serial key").unwrap(), "ABC");
    }
}
