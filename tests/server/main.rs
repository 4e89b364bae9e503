//! The Event API server end to end: admission before the upgrade, filter messages
//! and replies, the fan-out bus (encode once, exact filtering, slow consumers), the
//! feed driver and graceful shutdown; plus the session loop over channels.
//!
//! Every server binds 127.0.0.1:0. Tests wait on frames and replies, never on
//! sleeps; the only timeouts are safety nets (`harness::PATIENCE`).

mod admission;
mod events;
mod fanout;
mod filters;
mod harness;
mod lifecycle;
mod load;
mod session;
