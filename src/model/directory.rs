//! The configured PBX: who and what exists, apart from any activity. Scenario files,
//! the Configuration API (docs/protocol.md §9) and state files describe it; the
//! model builds its live objects from it and gives it back with [`Pbx::directory`].
//!
//! Ids: an object whose `id` is `Some` keeps that id everywhere, as both its
//! Configuration API id and its Live API id (objects created through the
//! Configuration API or loaded from a state file). `None` means the model draws
//! a live id and a separate configuration id from the seed (scenario files; new
//! ones after every restart, as a real restart gives, docs/protocol.md §3).
//!
//! [`Pbx::directory`]: super::Pbx::directory

use super::password::Password;

/// Most objects of one kind (users, extensions, ...) a directory holds. Ours: a
/// provisioning client cannot grow the server without bound.
pub const MAX_OBJECTS_PER_KIND: usize = 10_000;

/// Most e-mail addresses, and most phone numbers, one user's contact holds. Ours.
pub const MAX_CONTACT_ENTRIES: usize = 100;

/// Longest text field (bytes) the Configuration API and state files accept. Ours;
/// the FreePBX module's own columns hold 1000 characters.
pub const MAX_TEXT_BYTES: usize = 1024;

/// Longest id (bytes). Ours; a UUID has 36.
pub const MAX_ID_BYTES: usize = 128;

/// Whether `id` can name a configuration object: 1 to [`MAX_ID_BYTES`] bytes of
/// letters, digits, `-`, `.`, `_` and `~`, so that it sits in a URL path as it is.
/// Ours: real clients send UUIDs.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_BYTES
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The Asterisk settings of a core server (`asterisk/{cs}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AsteriskSettings {
    /// Dialplan context originations start in.
    pub originating_context: String,
    /// Dialplan context redirects (transfers) go to.
    pub redirecting_context: String,
    /// Music-on-hold class.
    pub music_on_hold_class: String,
}

/// The core server (iSymphony's tenant) the simulation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreServerConfig {
    /// Kept id (see the module docs).
    pub id: Option<String>,
    /// Symbolic name used in REST paths (`getByName/default`, `getBySlug/default`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Whether a license is installed; without one `userStatus` is never sent (docs/protocol.md §4.3).
    pub licensed: bool,
    /// Whether conference rooms are enabled; without them `confRoomCallLeave` is never sent.
    pub conference_rooms: bool,
    /// Message broker host, as the provisioning client set it.
    pub broker_host: String,
    /// Message broker port, as the provisioning client set it (it sends a string).
    pub broker_port: String,
    /// Its Asterisk settings.
    pub asterisk: AsteriskSettings,
    /// The serial key a client activated, if any.
    pub license_serial: Option<String>,
    /// Voicemail agent identifiers bound to it, sorted.
    pub voicemail_agent_identifiers: Vec<String>,
}

impl Default for CoreServerConfig {
    fn default() -> Self {
        CoreServerConfig {
            id: None,
            slug: "default".into(),
            name: "Default".into(),
            licensed: true,
            conference_rooms: true,
            broker_host: String::new(),
            broker_port: String::new(),
            asterisk: AsteriskSettings::default(),
            license_serial: None,
            voicemail_agent_identifiers: Vec::new(),
        }
    }
}

/// A user's license level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum License {
    /// A licensed/full user: its objects emit events.
    #[default]
    Full,
    /// A user without a full license: most of its objects emit no events (docs/protocol.md §4).
    Basic,
}

/// An e-mail address of a user's contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    /// Id, drawn by the model.
    pub id: String,
    /// Kind ("Work").
    pub kind: String,
    /// The address.
    pub address: String,
}

/// A phone number of a user's contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// Id, drawn by the model.
    pub id: String,
    /// Kind ("Cell", "Work", "Home").
    pub kind: String,
    /// The number.
    pub number: String,
}

/// A user's contact card (`contact/{cs}/users/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail addresses, in the order added.
    pub email_addresses: Vec<EmailAddress>,
    /// Phone numbers, in the order added.
    pub phone_numbers: Vec<PhoneNumber>,
}

impl Contact {
    /// A contact named after a display name: the first word, then the rest, as the
    /// FreePBX module splits names (docs/protocol.md §9.2).
    pub fn named(display_name: &str) -> Contact {
        let (first, last) = display_name.split_once(' ').unwrap_or((display_name, ""));
        Contact {
            first_name: first.into(),
            last_name: last.into(),
            ..Contact::default()
        }
    }

    /// The display name the Live API shows (`displayedName`): the first and last
    /// names with a space between, or `None` when both are empty.
    pub fn display_name(&self) -> Option<String> {
        match (self.first_name.is_empty(), self.last_name.is_empty()) {
            (true, true) => None,
            (false, true) => Some(self.first_name.clone()),
            _ => Some(format!("{} {}", self.first_name, self.last_name)),
        }
    }
}

/// A configured user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserConfig {
    /// Kept id (see the module docs).
    pub id: Option<String>,
    /// Login name (`username` in events and the Configuration API, `userName` in the Live API).
    pub username: String,
    /// License level (`full` in the Configuration API).
    pub license: License,
    /// Numbers of the extensions bound to (managed by) this user.
    pub extensions: Vec<String>,
    /// The client-interface password, if one was set.
    pub password: Option<Password>,
    /// Stored for the Configuration API; no effect here.
    pub restricted: bool,
    /// A disabled user cannot log in.
    pub enabled: bool,
    /// Names, e-mail addresses and phone numbers; the names make the display name.
    pub contact: Contact,
}

impl UserConfig {
    /// A full, enabled user with no password, named `display_name`.
    pub fn new(username: &str, display_name: &str) -> UserConfig {
        UserConfig {
            username: username.into(),
            enabled: true,
            contact: Contact::named(display_name),
            ..UserConfig::default()
        }
    }

    /// The display name: the contact's names, else the username.
    pub fn display_name(&self) -> String {
        self.contact
            .display_name()
            .unwrap_or_else(|| self.username.clone())
    }
}

/// What the Configuration API stores about an extension beyond its number and name.
/// None of it changes the simulated calls, except the agent defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtensionSettings {
    /// Stored; no effect here.
    pub restricted: bool,
    /// Whether the phone answers originations by itself.
    pub auto_answer: bool,
    /// Asterisk peer (`SIP/1101`).
    pub peer: String,
    /// Alternative origination method.
    pub alt_origination_method: String,
    /// Agent name used in queues.
    pub agent_name: String,
    /// Agent location (`Local/1101@from-queue/n`).
    pub agent_location: String,
    /// Agent state interface.
    pub agent_interface: String,
    /// Penalty a new queue login starts with.
    pub agent_penalty: u32,
    /// Whether a new queue login starts paused.
    pub agent_paused: bool,
    /// Per-extension originating context.
    pub originating_context_override: String,
    /// Per-extension redirecting context.
    pub redirecting_context_override: String,
    /// Per-extension origination timeout.
    pub originate_timeout_override: u32,
    /// Voicemail context.
    pub voice_mail_context: String,
    /// Voicemail box.
    pub voice_mail_box: String,
}

/// A configured extension.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtensionConfig {
    /// Kept id (see the module docs).
    pub id: Option<String>,
    /// Extension number.
    pub number: String,
    /// Display name; also the caller-ID name of its calls.
    pub display_name: String,
    /// Everything else the Configuration API stores.
    pub settings: ExtensionSettings,
}

impl ExtensionConfig {
    /// An extension with default settings.
    pub fn new(number: &str, display_name: &str) -> ExtensionConfig {
        ExtensionConfig {
            number: number.into(),
            display_name: display_name.into(),
            ..ExtensionConfig::default()
        }
    }
}

/// Where a queue, room or parking lot is reached in the dialplan, and its
/// `restricted` flag: stored for the Configuration API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Routing {
    /// Stored; no effect here.
    pub restricted: bool,
    /// Dialplan context of the destination.
    pub destination_context: String,
}

/// A configured queue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueConfig {
    /// Kept id (see the module docs).
    pub id: Option<String>,
    /// Symbolic name used in REST paths.
    pub identifier: String,
    /// Display name (`queue` in agent events, `displayName` in REST).
    pub name: String,
    /// Disabled queues are hidden from REST and emit no agent events.
    pub enabled: bool,
    /// Extensions that are permanent (non-dynamic) members, logged in from the start.
    pub static_agents: Vec<String>,
    /// The number dialed to reach it.
    pub destination_extension: String,
    /// Restriction and context.
    pub routing: Routing,
}

impl QueueConfig {
    /// An enabled queue with no static agents.
    pub fn new(identifier: &str, name: &str) -> QueueConfig {
        QueueConfig {
            identifier: identifier.into(),
            name: name.into(),
            enabled: true,
            ..QueueConfig::default()
        }
    }
}

/// A configured conference room.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomConfig {
    /// Kept id (see the module docs).
    pub id: Option<String>,
    /// Symbolic name used in REST paths and scenario files.
    pub identifier: String,
    /// Display name (`conferenceRoomName`).
    pub name: String,
    /// The number dialed to join (the Live API's `dialString`, the Configuration
    /// API's `destinationExtension`).
    pub dial_string: String,
    /// Restriction and context.
    pub routing: Routing,
}

impl RoomConfig {
    /// A room joined by dialing `dial_string`.
    pub fn new(identifier: &str, name: &str, dial_string: &str) -> RoomConfig {
        RoomConfig {
            identifier: identifier.into(),
            name: name.into(),
            dial_string: dial_string.into(),
            ..RoomConfig::default()
        }
    }
}

/// A parking lot: configuration only (no Live API resource is documented, §6.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParkingLot {
    /// Id.
    pub id: String,
    /// Symbolic name (`default`).
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// The number dialed to park.
    pub destination_extension: String,
    /// Restriction and context.
    pub routing: Routing,
}

/// A server administrator (`server/administrators`): configuration only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Administrator {
    /// Id.
    pub id: String,
    /// Login name.
    pub user_name: String,
    /// Its password; the model keeps only a salted hash.
    pub password: Option<Password>,
    /// Whether it may administer everything.
    pub super_user: bool,
}

/// A connection to an Asterisk server (`asterisk/{cs}/pbxServers`): configuration
/// only; the simulated PBX is always there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PbxServer {
    /// Id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// AMI host.
    pub host: String,
    /// AMI port (a string, as the client sends it).
    pub port: String,
    /// AMI username.
    pub username: String,
    /// AMI password: a connection setting the client reads back to compare, so it
    /// is kept as sent (never logged).
    pub password: String,
    /// Whether the connection is used.
    pub enabled: bool,
    /// CDR database host.
    pub cdr_host: String,
    /// CDR database port.
    pub cdr_port: String,
    /// CDR database username.
    pub cdr_username: String,
    /// CDR database password (as `password`).
    pub cdr_password: String,
    /// The recording agent serving this connection.
    pub recording_agent_identifier: String,
}

/// A voicemail agent (`asterisk/voicemailAgents/{identifier}`): configuration only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoicemailAgent {
    /// Its name.
    pub identifier: String,
    /// Where the voicemail files are.
    pub root_path: String,
    /// Host serving them.
    pub resource_host: String,
    /// Extension playing them.
    pub resource_extension: String,
}

/// A recording agent (`asterisk/recordingAgents/{identifier}`): configuration only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordingAgent {
    /// Its name.
    pub identifier: String,
    /// Where the recordings are.
    pub root_path: String,
    /// Host serving them.
    pub resource_host: String,
    /// Extension playing them.
    pub resource_extension: String,
    /// How recording files are named.
    pub file_name_mask: String,
}

/// Everything configured on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    /// The core server; `None` before a client creates one (`serve --empty`). Every
    /// object below except administrators and agents belongs to it.
    pub core_server: Option<CoreServerConfig>,
    /// Users, in order.
    pub users: Vec<UserConfig>,
    /// Extensions, in order.
    pub extensions: Vec<ExtensionConfig>,
    /// Queues, in order.
    pub queues: Vec<QueueConfig>,
    /// Conference rooms, in order.
    pub rooms: Vec<RoomConfig>,
    /// Parking lots, by id.
    pub parking_lots: Vec<ParkingLot>,
    /// PBX connections, by id.
    pub pbx_servers: Vec<PbxServer>,
    /// Server administrators, by id.
    pub administrators: Vec<Administrator>,
    /// Voicemail agents, by identifier.
    pub voicemail_agents: Vec<VoicemailAgent>,
    /// Recording agents, by identifier.
    pub recording_agents: Vec<RecordingAgent>,
}

impl Default for Directory {
    /// The default core server and nothing else, as a scenario file with no
    /// directory gives.
    fn default() -> Self {
        Directory {
            core_server: Some(CoreServerConfig::default()),
            ..Directory::empty()
        }
    }
}

impl Directory {
    /// Nothing at all, not even a core server: what `serve --empty` starts with.
    pub fn empty() -> Directory {
        Directory {
            core_server: None,
            users: Vec::new(),
            extensions: Vec::new(),
            queues: Vec::new(),
            rooms: Vec::new(),
            parking_lots: Vec::new(),
            pbx_servers: Vec::new(),
            administrators: Vec::new(),
            voicemail_agents: Vec::new(),
            recording_agents: Vec::new(),
        }
    }
}
