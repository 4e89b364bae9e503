//! The JSON of each Configuration API object: the fields the FreePBX module sends
//! and reads [SEEN S22] (docs/protocol.md §9.2), plus `id` where a GET shows it.
//! Each body is declared once ([`wire!`](super::body)), with a conversion from the
//! model's configuration (what a GET shows) and onto it (what a POST or PUT
//! changes): `server` for the core server and the server-wide objects,
//! `directory` for extensions, users and the places calls go to.

mod directory;
mod overlay;
mod server;

pub use directory::*;
pub use server::*;
