//! POSTs, PUTs and DELETEs: each becomes one [`DirectoryChange`], built from the
//! object as it stands with what the body sent written over it, and checked here
//! as far as the body goes (types, required fields, ids matching the path); the
//! model checks the rest (names and ids taken, objects that do not exist).

mod checks;
mod extensions;
mod pending;
mod places;
mod server;
mod users;

pub use extensions::*;
pub use pending::Pending;
pub(crate) use pending::{After, IdSlot};
pub use places::*;
pub use server::*;
pub use users::*;
