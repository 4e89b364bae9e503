//! What every connection and task of one server shares, built once by
//! [`Server::new`](super::Server::new) and handed to the routes behind an `Arc`.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::protocol::ParseOptions;

use super::config::Limits;
use super::fanout::encoder::EventTap;
use super::fanout::message::BusCommand;
use super::fanout::publisher::Publisher;
use super::http::admission::challenge::Challenges;
use super::http::admission::gate::Gate;
use super::http::cors::policy::CorsPolicy;
use super::http::journal::RequestJournal;
use super::simulation::Simulation;
use super::stats::Stats;
use super::transport::capacity::ConnectionLimit;
use super::transport::intake::Intake;
use super::transport::limits::TransportLimits;

/// What every connection and task of one server shares.
#[derive(Debug)]
pub(crate) struct ServerState {
    /// Admission rules, checked before each upgrade and REST request.
    pub(crate) gate: Gate,
    /// 401s waiting to be told apart: the browser's auth flow or a refusal.
    pub(crate) challenges: Challenges,
    /// Which origins may call the Live API and `/sim/` from a browser.
    pub(crate) cors: CorsPolicy,
    /// Admission rules of the `/sim/` control API: its own credentials, or the
    /// same as `gate`'s.
    pub(crate) control_gate: Gate,
    /// How client messages are parsed.
    pub(crate) parse: ParseOptions,
    /// Capacity of each client's queue; a full queue disconnects the client.
    pub(crate) client_queue: usize,
    /// What a full queue does (`--slow-consumer`).
    pub(crate) slow_consumer: crate::server::config::SlowConsumer,
    /// Upper bound on each close handshake, so shutdown cannot hang.
    pub(crate) close_timeout: Duration,
    /// Message size, connection, filter, ping and idle limits.
    pub(crate) limits: Limits,
    /// Dashboard streams against [`MAX_DASHBOARDS`](super::http::ui::MAX_DASHBOARDS).
    pub(crate) dashboards: Arc<ConnectionLimit>,
    /// Websocket connections against `--max-connections`.
    pub(crate) connections: Arc<ConnectionLimit>,
    /// What plays and its clock, shared by the driver, REST and `/sim/`.
    pub(crate) simulation: Arc<Simulation>,
    /// Counters, readable through [`Server::stats`](super::Server::stats).
    pub(crate) stats: Arc<Stats>,
    /// Whether the dispatcher stamps events for load measurement.
    pub(crate) send_stamp: bool,
    /// The bus every session attaches to and every publisher writes to.
    pub(crate) bus: mpsc::Sender<BusCommand>,
    /// Fires once, when the server starts shutting down.
    pub(crate) shutdown: CancellationToken,
    /// Fires at the shutdown deadline: every connection still open is dropped.
    pub(crate) hard_stop: CancellationToken,
    /// The accept-time rules: allow-list, pending connections, descriptors.
    pub(crate) intake: Arc<Intake>,
    /// Request timeouts and the shutdown deadline.
    pub(crate) transport_limits: TransportLimits,
    /// Every session task, so shutdown can wait for their close handshakes.
    pub(crate) sessions: TaskTracker,
    /// Every transport connection task (plain or TLS), so `run` returns only
    /// once all of them have ended.
    pub(crate) transports: TaskTracker,
    /// Every event frame as it is encoded, for the dashboard's stream view.
    pub(crate) tap: EventTap,
    /// The id the next session gets on the bus.
    pub(crate) next_client: AtomicU64,
    /// Every Live API request, for `GET /sim/requests`.
    pub(crate) requests: RequestJournal,
}

impl ServerState {
    /// A publisher onto this server's bus.
    pub(crate) fn publisher(&self) -> Publisher {
        Publisher::new(self.bus.clone(), Arc::clone(&self.stats))
    }
}
