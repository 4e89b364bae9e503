//! The server end to end: admission before the upgrade, filter messages and
//! replies, the fan-out bus (encode once, exact filtering, slow consumers), the
//! clock driver and graceful shutdown; the session loop over channels; the Live
//! REST API and the `/sim/` control API in-process, and steering a paused server
//! over real sockets.
//!
//! Every server binds 127.0.0.1:0. Tests wait on frames and replies, never on
//! sleeps; the only timeouts are safety nets (`harness::PATIENCE`).

mod abuse;
mod actions;
mod admission;
mod control;
mod control_credentials;
mod cors;
mod costs;
mod dashboard;
mod desk;
mod events;
mod fanout;
mod faults;
mod filters;
mod framing;
mod harness;
mod hostile_soak;
mod http_client;
mod journal;
mod lifecycle;
mod limits;
mod load;
mod load_evictions;
mod overload;
mod pre_auth;
mod provisioning;
mod rest;
mod robustness;
mod secrets;
mod session;
mod shutdown;
mod soak;
mod steering;
mod sync_client;
mod tls;
mod vocabulary;
