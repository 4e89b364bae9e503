//! How a differential run is set up: where it connects, how long it watches, its
//! seed. Apart from the run itself, so the files that watch and judge read it
//! without importing the runner.

use std::time::Duration;

use crate::server::Credentials;

use super::connection::TlsSettings;

/// How long the runner learns, and then judges, by default (`--window`).
pub const DEFAULT_WINDOW: &str = "10s";
/// The window's tail edge by default (`--edge`).
pub const DEFAULT_EDGE: &str = "1s";

/// How a differential run connects, how long it watches, and its seed.
#[derive(Debug, Clone)]
pub struct DifferentialOptions {
    /// The Event API URL (`ws://host:58080/communication_manager/ws/event`, or `wss://`).
    pub url: String,
    /// Sent as HTTP Basic on every upgrade.
    pub credentials: Credentials,
    /// How long the learning connection reads, and then how long both kinds of
    /// connection read side by side.
    pub window: Duration,
    /// The window's tail edge (see [`compare`](super::compare)).
    pub edge: Duration,
    /// How long to wait for a filter response before going on without one.
    pub reply_timeout: Duration,
    /// How a `wss://` target's certificate is checked.
    pub tls: TlsSettings,
    /// The seed the rule instances are drawn with.
    pub seed: u64,
    /// Appended to `isymphony-sim conform --case NAME` in each rerun command.
    pub rerun_flags: String,
}
