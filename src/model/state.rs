//! The live objects of the PBX, as REST shows them and events refer to them.

use std::collections::{BTreeMap, BTreeSet};

use super::directory::{AsteriskSettings, Contact, ExtensionSettings, License, Routing};
use super::password::PasswordHash;

/// The core server this simulation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreServer {
    /// Live UUID (`coreServerId` in events); new after every restart unless kept.
    pub id: String,
    /// Configuration-API id; the same as `id` when the id is kept.
    pub configuration_id: String,
    /// Symbolic name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Whether a license is installed.
    pub licensed: bool,
    /// Whether conference rooms are enabled.
    pub conference_rooms: bool,
    /// Message broker host, as configured.
    pub broker_host: String,
    /// Message broker port, as configured.
    pub broker_port: String,
    /// Its Asterisk settings.
    pub asterisk: AsteriskSettings,
    /// The serial key a client activated, if any.
    pub license_serial: Option<String>,
    /// Voicemail agent identifiers bound to it.
    pub voicemail_agent_identifiers: BTreeSet<String>,
}

/// A user's client-interface login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// UUID of the session (`userLoginId`).
    pub id: String,
    /// Client address.
    pub ip: String,
    /// Client port.
    pub port: u16,
}

/// A user's current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentStatus {
    /// Display name.
    pub name: String,
    /// Category, wire spelling.
    pub status_type: &'static str,
    /// Note.
    pub note: String,
    /// Expected return, epoch ms, or -1.
    pub return_time: i64,
    /// Typed by the user.
    pub user_created: bool,
}

/// A live user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Live UUID.
    pub id: String,
    /// Configuration-API id; the same as `id` when the id is kept.
    pub configuration_id: String,
    /// Login name.
    pub username: String,
    /// License level.
    pub license: License,
    /// Numbers of bound extensions.
    pub extensions: Vec<String>,
    /// The current login session, if logged in.
    pub login: Option<Login>,
    /// The last status set, if any.
    pub status: Option<CurrentStatus>,
    /// The client-interface password, hashed.
    pub password: Option<PasswordHash>,
    /// Stored for the Configuration API; no effect here.
    pub restricted: bool,
    /// A disabled user cannot log in.
    pub enabled: bool,
    /// Names, e-mail addresses and phone numbers.
    pub contact: Contact,
    /// Creation order: the directory lists objects in it, so ids drawn from it
    /// come out the same after a restart.
    pub seq: u64,
}

impl User {
    /// The display name (`displayedName`): the contact's names, else the username.
    pub fn display_name(&self) -> String {
        self.contact
            .display_name()
            .unwrap_or_else(|| self.username.clone())
    }
}

/// A live extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// Live UUID.
    pub id: String,
    /// Configuration-API id; the same as `id` when the id is kept.
    pub configuration_id: String,
    /// Number.
    pub number: String,
    /// Display name.
    pub display_name: String,
    /// Username of the bound (managing) user, if any.
    pub user: Option<String>,
    /// Do Not Disturb.
    pub dnd: bool,
    /// What the Configuration API stores beyond number and name.
    pub settings: ExtensionSettings,
    /// Creation order: the directory lists objects in it, so ids drawn from it
    /// come out the same after a restart.
    pub seq: u64,
}

/// An extension's membership of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// Live UUID; new on every login.
    pub id: String,
    /// Extension number.
    pub extension: String,
    /// Logged in dynamically (as opposed to a static member).
    pub dynamic: bool,
    /// Paused: offered no queue calls.
    pub paused: bool,
    /// Queue penalty.
    pub penalty: u32,
    /// Queue calls this agent has answered since logging in.
    pub calls_taken: u64,
    /// When the agent logged in, epoch ms; -1 for a static member.
    pub login_time: i64,
}

/// A live queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// Live UUID.
    pub id: String,
    /// Configuration-API id; the same as `id` when the id is kept.
    pub configuration_id: String,
    /// Symbolic name.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// Disabled queues are hidden and silent.
    pub enabled: bool,
    /// Agents by extension number.
    pub agents: BTreeMap<String, Agent>,
    /// Its static (configured, always logged in) agents, in configured order.
    pub static_agents: Vec<String>,
    /// The number dialed to reach it.
    pub destination_extension: String,
    /// Restriction and context, for the Configuration API.
    pub routing: Routing,
    /// Creation order: the directory lists objects in it, so ids drawn from it
    /// come out the same after a restart.
    pub seq: u64,
}

/// A live conference room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Live UUID.
    pub id: String,
    /// Configuration-API id; the same as `id` when the id is kept.
    pub configuration_id: String,
    /// Symbolic name.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// Number dialed to join.
    pub dial_string: String,
    /// Restriction and context, for the Configuration API.
    pub routing: Routing,
    /// Creation order (see [`User::seq`]).
    pub seq: u64,
}

/// INTERNAL (bound to a configured extension) or EXTERNAL (anything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    /// Bound to a configured extension.
    Internal,
    /// Anything else.
    External,
}

impl SegmentKind {
    /// The REST spelling (docs/protocol.md §6.2, upper case).
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Internal => "INTERNAL",
            SegmentKind::External => "EXTERNAL",
        }
    }
}

/// Caller-ID carried by a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerId {
    /// UUID of the caller-ID object.
    pub id: String,
    /// Name.
    pub name: String,
    /// Number.
    pub number: String,
}

/// One leg of a call, as the Live API's callSegments resource shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSegment {
    /// Live UUID.
    pub id: String,
    /// INTERNAL or EXTERNAL.
    pub kind: SegmentKind,
    /// Caller-ID.
    pub caller_id: CallerId,
    /// Number used to enter the PBX; `None` when created by a dial.
    pub did: Option<String>,
    /// Extension number, for INTERNAL segments.
    pub extension: Option<String>,
    /// On hold.
    pub on_hold: bool,
    /// Being recorded.
    pub recording: bool,
    /// Being dialed by another segment.
    pub incoming: bool,
    /// Queue it waits in, if any.
    pub queue: Option<String>,
    /// Conference room it is in, if any.
    pub room: Option<String>,
    /// The segment it is bridged to, if any.
    pub linked: Option<String>,
    /// The last segment it dialed or was linked to (decides whether its hangup is sent).
    pub last_peer: Option<String>,
    /// The call it belongs to.
    pub call: String,
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// The destination is ringing.
    Ringing,
    /// The caller waits in a queue.
    Queued,
    /// Caller and destination are bridged.
    Connected,
    /// The caller is in a conference room.
    Conference,
}

impl CallState {
    /// Lower-case name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Queued => "queued",
            CallState::Connected => "connected",
            CallState::Conference => "in a conference",
        }
    }
}

/// A call: the caller's segment and, once there is one, the destination's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Label given by whoever started it.
    pub label: String,
    /// Where it stands.
    pub state: CallState,
    /// The caller's segment id.
    pub caller: String,
    /// The destination's segment id, while ringing or connected.
    pub callee: Option<String>,
}
