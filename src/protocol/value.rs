//! The filterable view of one event property: what a filter compares against.

use std::fmt::Write as _;

/// One property value of an event, borrowed from the typed event.
///
/// Filters compare against the value's JSON text (docs/protocol.md §5.2: numbers and booleans
/// by their JSON text), except that a string is compared by its content, not its
/// quoted form, and `null` matches only `"*"` (FAKE-DEFAULT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropValue<'a> {
    /// A JSON string.
    Str(&'a str),
    /// A JSON integer.
    Int(i64),
    /// A JSON boolean.
    Bool(bool),
    /// JSON `null`: the property is present but has no value.
    Null,
}

impl PropValue<'_> {
    /// Whether a concrete filter value (never `"*"`) selects this property value.
    pub fn matches_text(&self, wanted: &str) -> bool {
        match *self {
            PropValue::Str(s) => s == wanted,
            PropValue::Int(n) => {
                let mut buf = itoa_buf();
                let _ = write!(buf, "{n}");
                buf.as_str() == wanted
            }
            PropValue::Bool(b) => wanted == if b { "true" } else { "false" },
            PropValue::Null => false,
        }
    }
}

/// A small stack buffer for formatting integers without allocating.
fn itoa_buf() -> StackStr {
    StackStr {
        len: 0,
        bytes: [0; 24],
    }
}

struct StackStr {
    len: usize,
    bytes: [u8; 24],
}

impl StackStr {
    fn as_str(&self) -> &str {
        // Only `write_str` fills the buffer, with whole UTF-8 strings.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Types that can appear as an event property.
pub trait AsProp {
    /// The filterable view of the value.
    fn as_prop(&self) -> PropValue<'_>;
}

impl AsProp for String {
    fn as_prop(&self) -> PropValue<'_> {
        PropValue::Str(self)
    }
}

impl AsProp for Option<String> {
    fn as_prop(&self) -> PropValue<'_> {
        match self {
            Some(s) => PropValue::Str(s),
            None => PropValue::Null,
        }
    }
}

impl AsProp for i64 {
    fn as_prop(&self) -> PropValue<'_> {
        PropValue::Int(*self)
    }
}

impl AsProp for u16 {
    fn as_prop(&self) -> PropValue<'_> {
        PropValue::Int(i64::from(*self))
    }
}

impl AsProp for bool {
    fn as_prop(&self) -> PropValue<'_> {
        PropValue::Bool(*self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans_match_their_json_text() {
        assert!(PropValue::Int(51234).matches_text("51234"));
        assert!(!PropValue::Int(51234).matches_text("051234"));
        assert!(PropValue::Int(-1).matches_text("-1"));
        assert!(PropValue::Int(i64::MIN).matches_text(&i64::MIN.to_string()));
        assert!(PropValue::Bool(true).matches_text("true"));
        assert!(!PropValue::Bool(true).matches_text("True"));
    }

    #[test]
    fn strings_match_case_sensitively_and_null_never_matches_a_value() {
        assert!(PropValue::Str("Support").matches_text("Support"));
        assert!(!PropValue::Str("Support").matches_text("support"));
        assert!(!PropValue::Null.matches_text("null"));
        assert!(!PropValue::Null.matches_text(""));
    }
}
