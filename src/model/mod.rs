//! The PBX model, pure and synchronous: core server, users, extensions, queues,
//! agents, conference rooms and call segments, plus what the Configuration API
//! stores. State changes only through [`Pbx::apply`] (activity) and
//! [`Pbx::configure`] (the directory), which return the events each change caused.

mod build;
mod calls;
mod change;
pub mod command;
mod configure;
pub mod directory;
mod error;
pub mod limits;
mod live;
mod password;
mod pbx;
mod people;
mod segments;
mod snapshot;
pub mod state;
mod validate;

pub use change::{Configured, DirectoryChange, DirectoryError};
pub use command::{CallLabel, Command, Destination, Party, StatusChange, StatusType};
pub use directory::{
    Administrator, AsteriskSettings, Contact, CoreServerConfig, Directory, EmailAddress,
    ExtensionConfig, ExtensionSettings, License, ParkingLot, PbxServer, PhoneNumber, QueueConfig,
    RecordingAgent, RoomConfig, Routing, UserConfig, VoicemailAgent,
};
pub use error::ModelError;
pub use limits::{CallLimit, CallLimits};
pub use live::LiveError;
pub use password::{PASSWORD_HASH_ROUNDS, Password, PasswordHash, Secret};
pub use pbx::Pbx;
pub use state::CallState;
