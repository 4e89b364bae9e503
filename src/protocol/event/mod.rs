//! The event catalogue (docs/protocol.md §3-4): one typed payload per entry, its wire encoding,
//! and the filterable view of its properties.
//!
//! Every payload is declared once with `payload!`; the macro derives the struct, the
//! JSON fields in catalogue order, the property lookup used by filters and the
//! catalogue rows printed by `isymphony-sim events`. The encoding and the filter view
//! therefore cannot drift apart.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::value::PropValue;

mod payload;
mod property;

pub use payload::{
    AgentMembership, ConfRoomCallLeave, Dial, LinkEnd, SegmentHangup, UserSession, UserStatus,
};
pub use property::{BASE_PROPERTIES, PropType, PropertySpec};

/// Where a catalogue entry's existence and shape come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Read in the iSymphony documentation (provenance tag SEEN).
    Documented,
    /// Deduced, not documented; its shape is our guess (provenance tag INFERRED).
    Inferred,
}

impl Provenance {
    /// The word used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Documented => "documented",
            Provenance::Inferred => "inferred",
        }
    }
}

/// The kind of an event: one per catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// `userLogin`
    UserLogin,
    /// `userLogout`
    UserLogout,
    /// `userStatus`
    UserStatus,
    /// `agentLogin`
    AgentLogin,
    /// `agentLogout`
    AgentLogout,
    /// `linkEnd`
    LinkEnd,
    /// `hangup`
    Hangup,
    /// `confRoomCallLeave`
    ConfRoomCallLeave,
    /// `dial` (inferred)
    Dial,
}

/// A catalogue entry: what `isymphony-sim events` prints.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct CatalogueEntry {
    /// The `type` value on the wire.
    #[serde(rename = "type")]
    pub name: &'static str,
    /// Documented or inferred.
    pub provenance: Provenance,
    /// When the event fires.
    pub description: &'static str,
    /// The documented constraints (licensing and the like).
    pub constraints: &'static str,
    /// The event-specific properties, after the base properties.
    pub properties: &'static [PropertySpec],
}

impl EventKind {
    /// Every kind, in catalogue order.
    pub const ALL: [EventKind; 9] = [
        EventKind::UserLogin,
        EventKind::UserLogout,
        EventKind::UserStatus,
        EventKind::AgentLogin,
        EventKind::AgentLogout,
        EventKind::LinkEnd,
        EventKind::Hangup,
        EventKind::ConfRoomCallLeave,
        EventKind::Dial,
    ];

    /// The `type` value on the wire.
    pub fn name(self) -> &'static str {
        self.entry().name
    }

    /// Looks a kind up by its wire name.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Documented or inferred.
    pub fn provenance(self) -> Provenance {
        self.entry().provenance
    }

    /// The catalogue entry of this kind.
    pub fn entry(self) -> CatalogueEntry {
        use EventKind::*;
        let (name, provenance, description, constraints, properties) = match self {
            UserLogin => (
                "userLogin",
                Provenance::Documented,
                "A user logged into the iSymphony client interface.",
                "none documented",
                UserSession::PROPERTIES,
            ),
            UserLogout => (
                "userLogout",
                Provenance::Documented,
                "A user logged out of the client interface.",
                "none documented",
                UserSession::PROPERTIES,
            ),
            UserStatus => (
                "userStatus",
                Provenance::Documented,
                "A user's status changed.",
                "only when the core server is licensed, and only for licensed/full users",
                self::UserStatus::PROPERTIES,
            ),
            AgentLogin => (
                "agentLogin",
                Provenance::Documented,
                "An agent logged into a queue.",
                "only for agents of enabled queues whose extension is bound to a licensed/full user",
                AgentMembership::PROPERTIES,
            ),
            AgentLogout => (
                "agentLogout",
                Provenance::Documented,
                "An agent logged out of a queue.",
                "only for agents of enabled queues whose extension is bound to a licensed/full user",
                AgentMembership::PROPERTIES,
            ),
            LinkEnd => (
                "linkEnd",
                Provenance::Documented,
                "Two call segments stopped being linked (bridged), usually by a hangup or a transfer.",
                "only for extensions bound to licensed/full users",
                self::LinkEnd::PROPERTIES,
            ),
            Hangup => (
                "hangup",
                Provenance::Documented,
                "A call segment was hung up, by a party or by the phone system.",
                "only for segments related to an extension bound to a licensed/full user, or whose last dialed/linked peer is such a segment",
                SegmentHangup::PROPERTIES,
            ),
            ConfRoomCallLeave => (
                "confRoomCallLeave",
                Provenance::Documented,
                "A call segment left a conference room (iSymphony 3.3+).",
                "only on servers with conference rooms enabled",
                self::ConfRoomCallLeave::PROPERTIES,
            ),
            Dial => (
                "dial",
                Provenance::Inferred,
                "A call segment dialed another. The type name appears only in the documentation's filter examples; the properties are our guess.",
                "unknown; emitted only with --profile extended",
                self::Dial::PROPERTIES,
            ),
        };
        CatalogueEntry {
            name,
            provenance,
            description,
            constraints,
            properties,
        }
    }
}

/// The type-specific part of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    /// `userLogin`
    UserLogin(UserSession),
    /// `userLogout`
    UserLogout(UserSession),
    /// `userStatus`
    UserStatus(UserStatus),
    /// `agentLogin`
    AgentLogin(AgentMembership),
    /// `agentLogout`
    AgentLogout(AgentMembership),
    /// `linkEnd`
    LinkEnd(LinkEnd),
    /// `hangup`
    Hangup(SegmentHangup),
    /// `confRoomCallLeave`
    ConfRoomCallLeave(ConfRoomCallLeave),
    /// `dial` (inferred)
    Dial(Dial),
}

macro_rules! with_payload {
    ($body:expr, $p:ident => $e:expr) => {
        match $body {
            EventBody::UserLogin($p) | EventBody::UserLogout($p) => $e,
            EventBody::UserStatus($p) => $e,
            EventBody::AgentLogin($p) | EventBody::AgentLogout($p) => $e,
            EventBody::LinkEnd($p) => $e,
            EventBody::Hangup($p) => $e,
            EventBody::ConfRoomCallLeave($p) => $e,
            EventBody::Dial($p) => $e,
        }
    };
}

impl EventBody {
    /// The kind of this body.
    pub fn kind(&self) -> EventKind {
        match self {
            EventBody::UserLogin(_) => EventKind::UserLogin,
            EventBody::UserLogout(_) => EventKind::UserLogout,
            EventBody::UserStatus(_) => EventKind::UserStatus,
            EventBody::AgentLogin(_) => EventKind::AgentLogin,
            EventBody::AgentLogout(_) => EventKind::AgentLogout,
            EventBody::LinkEnd(_) => EventKind::LinkEnd,
            EventBody::Hangup(_) => EventKind::Hangup,
            EventBody::ConfRoomCallLeave(_) => EventKind::ConfRoomCallLeave,
            EventBody::Dial(_) => EventKind::Dial,
        }
    }
}

/// One event as it goes on the wire: base properties plus a typed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Generation time, Unix epoch milliseconds, from the virtual clock.
    pub time: i64,
    /// UUID of the core server that fired the event.
    pub core_server_id: String,
    /// The type-specific properties.
    pub body: EventBody,
}

impl Event {
    /// The kind of this event.
    pub fn kind(&self) -> EventKind {
        self.body.kind()
    }

    /// The value of a property, base properties included; `None` when the event
    /// has no such key.
    pub fn property(&self, name: &str) -> Option<PropValue<'_>> {
        match name {
            "type" => Some(PropValue::Str(self.kind().name())),
            "time" => Some(PropValue::Int(self.time)),
            "coreServerId" => Some(PropValue::Str(&self.core_server_id)),
            _ => with_payload!(&self.body, p => p.property(name)),
        }
    }

    /// Every property in wire order, base properties first.
    pub fn for_each_property<'a>(&'a self, f: &mut dyn FnMut(&'static str, PropValue<'a>)) {
        f("type", PropValue::Str(self.kind().name()));
        f("time", PropValue::Int(self.time));
        f("coreServerId", PropValue::Str(&self.core_server_id));
        with_payload!(&self.body, p => p.for_each_property(f))
    }

    /// The wire form: one flat JSON object, base properties first.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, integers and booleans into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", self.kind().name())?;
        map.serialize_entry("time", &self.time)?;
        map.serialize_entry("coreServerId", &self.core_server_id)?;
        with_payload!(&self.body, p => p.serialize_fields(&mut map))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login() -> Event {
        Event {
            time: 1_700_000_000_123,
            core_server_id: "77636f98-c7ae-48fc-9b87-33ffcb13802a".into(),
            body: EventBody::UserLogin(UserSession {
                user_id: "2aad3345-c4da-4179-a896-7692ae4786fb".into(),
                username: "1001".into(),
                user_login_id: "729d6fd4-d15d-482e-98c3-d11e38a25648".into(),
                ip: "10.0.0.25".into(),
                port: 51234,
            }),
        }
    }

    #[test]
    fn user_login_encodes_as_the_documented_flat_object() {
        let json: serde_json::Value = serde_json::from_str(&login().to_json()).unwrap();
        let spec_example = serde_json::json!({"type":"userLogin","time":1700000000123u64,
            "coreServerId":"77636f98-c7ae-48fc-9b87-33ffcb13802a",
            "userId":"2aad3345-c4da-4179-a896-7692ae4786fb","username":"1001",
            "userLoginId":"729d6fd4-d15d-482e-98c3-d11e38a25648","ip":"10.0.0.25","port":51234});
        assert_eq!(json, spec_example);
    }

    #[test]
    fn wire_order_puts_base_properties_first() {
        let text = login().to_json();
        assert!(text.starts_with(r#"{"type":"userLogin","time":1700000000123,"coreServerId":"#));
    }

    #[test]
    fn property_view_agrees_with_the_encoding_for_every_key() {
        let event = login();
        let json: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&event.to_json()).unwrap();
        let mut seen = Vec::new();
        event.for_each_property(&mut |name, value| seen.push((name, format!("{value:?}"))));
        assert_eq!(seen.len(), json.len());
        for (name, _) in &seen {
            assert!(json.contains_key(*name), "{name} missing from the encoding");
            assert!(event.property(name).is_some());
        }
        assert_eq!(event.property("queue"), None);
    }

    #[test]
    fn catalogue_names_round_trip_and_only_dial_is_inferred() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.name()), Some(kind));
        }
        let inferred: Vec<_> = EventKind::ALL
            .into_iter()
            .filter(|k| k.provenance() == Provenance::Inferred)
            .collect();
        assert_eq!(inferred, vec![EventKind::Dial]);
    }
}

/// Which catalogue entries a run emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Documented (SEEN) events only, as a real server is known to send.
    #[default]
    Standard,
    /// Documented events plus inferred ones such as `dial`, whose shape is our guess.
    Extended,
}

impl Profile {
    /// Whether this profile emits events of `kind`.
    pub fn emits(self, kind: EventKind) -> bool {
        match self {
            Profile::Standard => kind.provenance() == Provenance::Documented,
            Profile::Extended => true,
        }
    }

    /// The kinds this profile emits, in catalogue order.
    pub fn kinds(self) -> Vec<EventKind> {
        EventKind::ALL
            .into_iter()
            .filter(|k| self.emits(*k))
            .collect()
    }
}
