//! The properties of catalogue entries: their JSON types, and the base
//! properties every event carries.

/// The JSON type of a property, as the catalogue states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PropType {
    /// Always a JSON string.
    String,
    /// A JSON string, or `null` when the object has no such relation.
    NullableString,
    /// A JSON integer.
    Integer,
    /// A JSON boolean.
    Boolean,
}

impl PropType {
    /// The word used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            PropType::String => "string",
            PropType::NullableString => "string|null",
            PropType::Integer => "integer",
            PropType::Boolean => "boolean",
        }
    }
}

/// One property of a catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PropertySpec {
    /// The JSON key.
    pub name: &'static str,
    /// The JSON type.
    #[serde(rename = "type")]
    pub ty: PropType,
    /// What the value means.
    pub meaning: &'static str,
}

/// The base properties every event carries (docs/protocol.md §3).
pub const BASE_PROPERTIES: &[PropertySpec] = &[
    PropertySpec {
        name: "type",
        ty: PropType::String,
        meaning: "Event type discriminator (camelCase name of the event).",
    },
    PropertySpec {
        name: "time",
        ty: PropType::Integer,
        meaning: "Moment the server generated the event, epoch milliseconds (virtual clock).",
    },
    PropertySpec {
        name: "coreServerId",
        ty: PropType::String,
        meaning: "UUID of the core server (tenant) that produced the event.",
    },
];

/// The catalogue type of a payload field's Rust type.
pub(super) trait PropTypeOf {
    const PROP_TYPE: PropType;
}
impl PropTypeOf for String {
    const PROP_TYPE: PropType = PropType::String;
}
impl PropTypeOf for Option<String> {
    const PROP_TYPE: PropType = PropType::NullableString;
}
impl PropTypeOf for i64 {
    const PROP_TYPE: PropType = PropType::Integer;
}
impl PropTypeOf for u16 {
    const PROP_TYPE: PropType = PropType::Integer;
}
impl PropTypeOf for bool {
    const PROP_TYPE: PropType = PropType::Boolean;
}
