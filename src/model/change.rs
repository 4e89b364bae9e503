//! The changes to the directory the model accepts ([`Pbx::configure`]): what the
//! Configuration API (docs/protocol.md §9) asks for, one variant per write.
//!
//! Updates carry the object's whole new configuration, its id inside; the caller
//! reads the current one, changes what the client sent, and hands it back. A
//! create whose id is `None` gets one drawn by the model.
//!
//! [`Pbx::configure`]: super::Pbx::configure

use super::directory::{
    Administrator, CoreServerConfig, ExtensionConfig, ParkingLot, PbxServer, QueueConfig,
    RecordingAgent, RoomConfig, UserConfig, VoicemailAgent,
};
use crate::protocol::Event;

/// A change to the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryChange {
    /// Creates the core server; there is at most one.
    CreateCoreServer(CoreServerConfig),
    /// Replaces the core server's configuration (its id stays).
    UpdateCoreServer(CoreServerConfig),
    /// Removes the core server and everything that belongs to it, ending its
    /// calls, agents and logins first.
    DeleteCoreServer,
    /// Installs a license: `userStatus` events start (§4.3).
    ActivateLicense {
        /// The serial key.
        serial: String,
    },
    /// Binds a voicemail agent identifier to the core server.
    BindVoicemailAgent(String),
    /// Unbinds a voicemail agent identifier.
    UnbindVoicemailAgent(String),
    /// Creates or replaces a voicemail agent.
    PutVoicemailAgent(VoicemailAgent),
    /// Creates or replaces a recording agent.
    PutRecordingAgent(RecordingAgent),
    /// Creates a PBX connection.
    CreatePbxServer {
        /// The id to keep, or `None` for a drawn one.
        id: Option<String>,
        /// Everything else (its `id` is ignored).
        server: PbxServer,
    },
    /// Replaces a PBX connection.
    UpdatePbxServer(PbxServer),
    /// Removes a PBX connection.
    DeletePbxServer(String),
    /// Creates an administrator.
    CreateAdministrator {
        /// The id to keep, or `None` for a drawn one.
        id: Option<String>,
        /// Everything else (its `id` is ignored).
        administrator: Administrator,
    },
    /// Replaces an administrator.
    UpdateAdministrator(Administrator),
    /// Removes an administrator.
    DeleteAdministrator(String),
    /// Creates a user; it manages no extension yet (see `SetManagingUser`).
    CreateUser(UserConfig),
    /// Replaces a user's configuration; its extensions stay as they are.
    UpdateUser(UserConfig),
    /// Removes a user, ending its login and its extensions' calls and agents first.
    DeleteUser(String),
    /// Adds an e-mail address to a user's contact.
    AddEmailAddress {
        /// The user's id.
        user: String,
        /// The id to keep, or `None` for a drawn one.
        id: Option<String>,
        /// Kind ("Work").
        kind: String,
        /// The address.
        address: String,
    },
    /// Adds a phone number to a user's contact.
    AddPhoneNumber {
        /// The user's id.
        user: String,
        /// The id to keep, or `None` for a drawn one.
        id: Option<String>,
        /// Kind ("Cell").
        kind: String,
        /// The number.
        number: String,
    },
    /// Removes an e-mail address from a user's contact.
    RemoveEmailAddress {
        /// The user's id.
        user: String,
        /// The e-mail address's id.
        id: String,
    },
    /// Removes a phone number from a user's contact.
    RemovePhoneNumber {
        /// The user's id.
        user: String,
        /// The phone number's id.
        id: String,
    },
    /// Creates an extension, managed by no user.
    CreateExtension(ExtensionConfig),
    /// Replaces an extension's configuration.
    UpdateExtension(ExtensionConfig),
    /// Removes an extension, ending its calls and agent memberships first.
    DeleteExtension(String),
    /// Sets (or, with `None`, clears) the user managing an extension.
    SetManagingUser {
        /// The extension's id.
        extension: String,
        /// The user's id.
        user: Option<String>,
    },
    /// Creates a queue.
    CreateQueue(QueueConfig),
    /// Replaces a queue's configuration; its static agents stay as they are.
    UpdateQueue(QueueConfig),
    /// Removes a queue, ending its waiting calls and agent memberships first.
    DeleteQueue(String),
    /// Creates a conference room.
    CreateRoom(RoomConfig),
    /// Replaces a conference room's configuration.
    UpdateRoom(RoomConfig),
    /// Removes a conference room, ending the calls in it first.
    DeleteRoom(String),
    /// Creates a parking lot.
    CreateParkingLot {
        /// The id to keep, or `None` for a drawn one.
        id: Option<String>,
        /// Everything else (its `id` is ignored).
        lot: ParkingLot,
    },
    /// Replaces a parking lot.
    UpdateParkingLot(ParkingLot),
    /// Removes a parking lot.
    DeleteParkingLot(String),
}

/// What an accepted change did.
#[derive(Debug, Clone, PartialEq)]
pub struct Configured {
    /// The events of the activity it ended, in order.
    pub events: Vec<Event>,
    /// The id of the object it created, if it created one.
    pub created: Option<String>,
}

/// Why the model refused a directory change. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// The object the change names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The change clashes with what exists: a name or id taken, a limit reached.
    #[error("{0}")]
    Conflict(String),
    /// The change itself is not acceptable.
    #[error("{0}")]
    Invalid(String),
}
