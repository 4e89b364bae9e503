//! The configured PBX: who and what exists before any activity. Scenario files
//! describe it; the model gives each object its live UUID.

/// The core server (iSymphony's tenant) the simulation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreServerConfig {
    /// Symbolic name used in REST paths (`getByName/default`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Whether a license is installed; without one `userStatus` is never sent (docs/protocol.md §4.3).
    pub licensed: bool,
    /// Whether conference rooms are enabled; without them `confRoomCallLeave` is never sent.
    pub conference_rooms: bool,
}

impl Default for CoreServerConfig {
    fn default() -> Self {
        CoreServerConfig {
            slug: "default".into(),
            name: "Default".into(),
            licensed: true,
            conference_rooms: true,
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

/// A configured user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserConfig {
    /// Login name (`username` in events, `userName` in REST).
    pub username: String,
    /// Display name (`displayedName` in REST).
    pub display_name: String,
    /// License level.
    pub license: License,
    /// Numbers of the extensions bound to this user.
    pub extensions: Vec<String>,
}

/// A configured extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionConfig {
    /// Extension number.
    pub number: String,
    /// Display name; also the caller-ID name of its calls.
    pub display_name: String,
}

/// A configured queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// Symbolic name used in REST paths.
    pub identifier: String,
    /// Display name (`queue` in agent events).
    pub name: String,
    /// Disabled queues are hidden from REST and emit no agent events.
    pub enabled: bool,
    /// Extensions that are permanent (non-dynamic) members, logged in from the start.
    pub static_agents: Vec<String>,
}

/// A configured conference room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomConfig {
    /// Symbolic name used in REST paths and scenario files.
    pub identifier: String,
    /// Display name (`conferenceRoomName`).
    pub name: String,
    /// The number dialed to join.
    pub dial_string: String,
}

/// Everything configured on the PBX.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Directory {
    /// The core server.
    pub core_server: CoreServerConfig,
    /// Users, in file order.
    pub users: Vec<UserConfig>,
    /// Extensions, in file order.
    pub extensions: Vec<ExtensionConfig>,
    /// Queues, in file order.
    pub queues: Vec<QueueConfig>,
    /// Conference rooms, in file order.
    pub rooms: Vec<RoomConfig>,
}
