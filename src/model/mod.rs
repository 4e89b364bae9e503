//! The PBX model, pure and synchronous: core server, users, extensions, queues,
//! agents, conference rooms and call segments. State changes only through
//! [`Pbx::apply`], which returns the events each change caused.

mod calls;
pub mod command;
pub mod directory;
mod error;
mod live;
mod pbx;
mod people;
mod segments;
pub mod state;

pub use command::{CallLabel, Command, Destination, Party, StatusChange, StatusType};
pub use directory::{
    CoreServerConfig, Directory, ExtensionConfig, License, QueueConfig, RoomConfig, UserConfig,
};
pub use error::ModelError;
pub use live::LiveError;
pub use pbx::Pbx;
pub use state::CallState;
