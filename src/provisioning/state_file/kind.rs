//! The kinds of line a state file holds after its header.

use serde_json::{Map, Value};

/// The kinds of line after the header: the one table reading and writing share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    CoreServer,
    Extension,
    User,
    Queue,
    ConferenceRoom,
    ParkingLot,
    PbxServer,
    Administrator,
    VoicemailAgent,
    RecordingAgent,
}

impl Kind {
    pub(super) const ALL: [Kind; 10] = [
        Kind::CoreServer,
        Kind::Extension,
        Kind::User,
        Kind::Queue,
        Kind::ConferenceRoom,
        Kind::ParkingLot,
        Kind::PbxServer,
        Kind::Administrator,
        Kind::VoicemailAgent,
        Kind::RecordingAgent,
    ];

    /// The key its object sits under.
    pub(super) fn key(self) -> &'static str {
        match self {
            Kind::CoreServer => "coreServer",
            Kind::Extension => "extension",
            Kind::User => "user",
            Kind::Queue => "queue",
            Kind::ConferenceRoom => "conferenceRoom",
            Kind::ParkingLot => "parkingLot",
            Kind::PbxServer => "pbxServer",
            Kind::Administrator => "administrator",
            Kind::VoicemailAgent => "voicemailAgent",
            Kind::RecordingAgent => "recordingAgent",
        }
    }

    /// Whether it belongs to the core server (and so comes after its line).
    pub(super) fn needs_core_server(self) -> bool {
        !matches!(
            self,
            Kind::CoreServer | Kind::Administrator | Kind::VoicemailAgent | Kind::RecordingAgent
        )
    }
}

/// One line: `kind`'s object, and what else the line carries.
pub(super) fn line(kind: Kind, object: Value, extra: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    map.insert(kind.key().to_string(), object);
    for (key, value) in extra {
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}
