//! The Live REST API over the model (docs/protocol.md §6): resolves a path under
//! `/communication_manager/rest/live/` to a JSON representation (GET) or to a
//! [`Command`] (POST actions). Pure: the server maps the results to HTTP.
//!
//! Representations follow docs/protocol.md §6.2 (SEEN). The action paths and bodies are our
//! guesses (FAKE-DEFAULT, docs/protocol.md §6.3); so is the shape of agent statistics and the
//! core-server list.

mod action;
mod answer;
mod error;
mod json;
mod read;
mod select;

pub use error::LiveError;
