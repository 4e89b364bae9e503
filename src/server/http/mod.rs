//! The HTTP side: every route the server answers, behind one admission filter.
//!
//! `routes` puts the event endpoint (the websocket upgrade) next to the Live API
//! (`live`), the Configuration API (`config`) and the `/sim/` control API
//! (`control`); `admission` decides who may use any of them; `reply` holds the
//! capped request body and the plain-text and JSON answers they share; `journal`
//! records every Live API request.

pub(crate) mod admission;
pub(crate) mod config;
pub(crate) mod control;
pub(crate) mod cors;
pub(crate) mod journal;
pub(crate) mod live;
pub(crate) mod reply;
pub(crate) mod routes;
pub(crate) mod ui;
