//! The fake iSymphony server over warp: the websocket Event API
//! (docs/protocol.md §1, §2, §5), the REST Live API (docs/protocol.md §6), the
//! Configuration API (docs/protocol.md §9) and our control API under `/sim/`
//! (docs/protocol.md §10).
//!
//! The caller owns the listener and the shutdown future:
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use isymphony_sim::server::{EmptyFeed, Server, ServerConfig};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let server = Server::new(ServerConfig::default())?;
//! let publisher = server.publisher(); // publish events directly, e.g. from tests
//! server.run(listener, EmptyFeed, async { let _ = tokio::signal::ctrl_c().await; }).await;
//! # Ok(()) }
//! ```
//!
//! Inside, in the order a connection meets them:
//! - `transport/`: our accept loop (TCP_NODELAY, TLS) and websocket upgrade, and
//!   the connection limit taken before the upgrade;
//! - `http/`: the routes, with one admission filter in front of all of them
//!   (allow-list, credentials), the Live API, the `/sim/` control API and the
//!   plain-text and JSON replies;
//! - [`session`]: one task per websocket connection, one `select!` loop;
//! - [`fanout`]: the bus: publishers put events in, one dispatcher encodes each
//!   once and hands it to every client whose filters admit it;
//! - `simulation/`: what plays (the scenario player and its model) on a pausable
//!   virtual clock, and the driver that plays it onto the bus.

mod config;
pub mod fanout;
mod http;
pub mod session;
mod simulation;
mod state;
mod stats;
mod transport;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use warp::Filter;
use warp::reply::Response;

use crate::protocol::ParseOptions;

use fanout::message::BusCommand;
use http::admission::challenge::Challenges;
use http::control::Dispatcher;
use http::journal::RequestJournal;
use state::ServerState;
use transport::capacity::ConnectionLimit;
use transport::intake::Intake;

pub use config::{
    ConfigError, DEFAULT_CLIENT_QUEUE, DEFAULT_CLOSE_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_FILTERS, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MESSAGE_TIMEOUT, DEFAULT_PING_INTERVAL,
    DEFAULT_SLOW_CONSUMER, Limits, MAX_CLIENT_QUEUE, MAX_CONNECTIONS, MAX_FILTERS, MAX_INTERVAL,
    MAX_MESSAGE_BYTES, MAX_SPEED, MIN_MESSAGE_BYTES, MIN_SPEED, ServerConfig, SlowConsumer,
    speed_in_range,
};
pub use fanout::publisher::{BusClosed, PublishSlot, Publisher};
pub use http::admission::challenge::{CHALLENGE_WINDOW, MAX_HELD_CHALLENGES};
pub use http::admission::cidr::{Cidr, CidrError};
pub use http::admission::gate::{Credentials, DEFAULT_PASSWORD, DEFAULT_USERNAME, Gate, Refusal};
pub use http::control::CONTROL_PATH;
pub use http::cors::{CorsOrigin, CorsOriginError, CorsPolicy};
pub use http::journal::{JournalEntry, JournalPage, MAX_JOURNAL_ENTRIES, REQUESTS_PATH};
pub use http::live::LIVE_PATH;
pub use http::reply::MAX_REQUEST_BODY;
pub use http::routes::{EVENT_PATH, MAX_CLIENT_MESSAGE};
pub use http::ui::stream::{MAX_EVENTS_PER_SAMPLE, SAMPLE_INTERVAL};
pub use http::ui::{MAX_DASHBOARDS, UI_PATH};
pub use simulation::clock::utc_text;
pub use simulation::feed::{EmptyFeed, EventFeed, FeedInfo};
pub use stats::{Stats, StatsSnapshot};
pub use transport::limits::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_FD_RESERVE, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_PENDING,
    DEFAULT_MAX_PENDING_PER_ADDRESS, DEFAULT_SHUTDOWN_TIMEOUT, MAX_REQUEST_HEAD_BYTES,
    TransportLimits, descriptor_limit,
};
pub use transport::tls::{DEFAULT_TLS_LISTEN, TlsError, TlsIdentity};

/// How long tasks get to end after the shutdown deadline dropped them; they end
/// at their next poll, so this only guards against a task that never yields.
const HARD_STOP_GRACE: Duration = Duration::from_secs(1);

/// Bus commands that may wait for the dispatcher before publishers are slowed down.
const BUS_CAPACITY: usize = 1024;

/// Where a server listens: plain `ws://`/`http://`, TLS `wss://`/`https://`, or both.
#[derive(Default)]
pub struct Listeners {
    plain: Option<TcpListener>,
    tls: Option<(TcpListener, TlsAcceptor)>,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners")
            .field("plain", &self.plain)
            .field("tls", &self.tls.as_ref().map(|(listener, _)| listener))
            .finish()
    }
}

impl Listeners {
    /// Plain connections on `listener`.
    pub fn plain(listener: TcpListener) -> Self {
        Listeners {
            plain: Some(listener),
            tls: None,
        }
    }

    /// Adds TLS connections on `listener`, served with `acceptor`.
    #[must_use]
    pub fn with_tls(mut self, listener: TcpListener, acceptor: TlsAcceptor) -> Self {
        self.tls = Some((listener, acceptor));
        self
    }
}

/// Reads the directory of the model in play: what the Configuration API and the
/// scenario made of it.
#[derive(Debug, Clone)]
pub struct DirectoryReader(Arc<simulation::Simulation>);

impl DirectoryReader {
    /// The directory as it stands; `None` when no model plays (a replayed capture).
    pub fn directory(&self) -> Option<crate::model::Directory> {
        self.0.directory()
    }
}

/// One server, configured and ready to run. Take [`publisher`](Server::publisher)
/// and [`stats`](Server::stats) handles before calling [`run`](Server::run).
#[derive(Debug)]
pub struct Server {
    state: Arc<ServerState>,
    bus: mpsc::Receiver<BusCommand>,
}

impl Server {
    /// Builds a server from a validated configuration.
    ///
    /// # Errors
    /// A [`ConfigError`] for values out of range.
    pub fn new(config: ServerConfig) -> Result<Server, ConfigError> {
        config.validate()?;
        let (bus_tx, bus_rx) = mpsc::channel(BUS_CAPACITY);
        let stats = Arc::new(Stats::default());
        let max_open = transport::limits::max_open_connections(&config.transport);
        let intake = Intake::new(
            config.allow.clone(),
            config.transport,
            max_open,
            Arc::clone(&stats),
        );
        let state = ServerState {
            control_gate: Gate::new(
                config
                    .control_credentials
                    .unwrap_or_else(|| config.credentials.clone()),
                config.allow.clone(),
            ),
            gate: Gate::new(config.credentials, config.allow),
            challenges: Challenges::new(CHALLENGE_WINDOW),
            cors: config.cors,
            parse: ParseOptions {
                lenient: config.lenient_filters,
            },
            client_queue: config.client_queue,
            slow_consumer: config.slow_consumer,
            close_timeout: config.close_timeout,
            limits: config.limits,
            connections: ConnectionLimit::new(config.limits.max_connections),
            dashboards: ConnectionLimit::new(Some(http::ui::MAX_DASHBOARDS)),
            simulation: Arc::new(simulation::Simulation::new(
                Box::new(EmptyFeed),
                config.speed,
                config.paused,
                config.profile,
                config.run_limits,
            )),
            stats,
            send_stamp: config.send_stamp,
            bus: bus_tx,
            shutdown: CancellationToken::new(),
            hard_stop: CancellationToken::new(),
            intake,
            transport_limits: config.transport,
            sessions: TaskTracker::new(),
            transports: TaskTracker::new(),
            next_client: AtomicU64::new(1),
            requests: RequestJournal::default(),
            tap: tokio::sync::broadcast::channel(fanout::encoder::TAP_CAPACITY).0,
        };
        Ok(Server {
            state: Arc::new(state),
            bus: bus_rx,
        })
    }

    /// A handle that publishes events to every connected client.
    pub fn publisher(&self) -> Publisher {
        self.state.publisher()
    }

    /// Plays `feed` from virtual time zero, replacing what played; the REST API
    /// answers from its model when it is a scenario player. [`run`](Server::run)
    /// calls this; call it directly to test the routes in-process.
    pub fn play(&self, feed: impl EventFeed) {
        self.state.simulation.play(Box::new(feed));
    }

    /// The server's live counters.
    pub fn stats(&self) -> Arc<Stats> {
        Arc::clone(&self.state.stats)
    }

    /// A reader of the directory as it stands, usable after [`Server::run`] has
    /// returned (to save it, as `serve --state` does).
    pub fn directory_reader(&self) -> DirectoryReader {
        DirectoryReader(Arc::clone(&self.state.simulation))
    }

    /// Where the run's virtual clock stands, readable while the server runs
    /// (`serve`'s activity line).
    pub fn clock(&self) -> ClockHandle {
        ClockHandle(Arc::clone(&self.state.simulation))
    }

    /// The HTTP routes, for in-process tests with `warp::test`. Nothing reads the
    /// bus then, so `GET /sim/status` lists no clients and `POST /sim/fault`
    /// answers 503; [`run`](Server::run) serves routes of its own.
    pub fn routes(
        &self,
    ) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
    {
        http::routes::routes(Arc::clone(&self.state), Dispatcher::Absent)
    }

    /// Serves `listener` and plays `feed` (see [`play`](Server::play)) until
    /// `shutdown` resolves, starting the clock now (or paused, per the config). Then every
    /// client gets a 1001 close frame, the listener stops accepting, and this
    /// returns once every session has finished its close handshake (each bounded
    /// by the close timeout).
    pub async fn run<F, S>(self, listener: TcpListener, feed: F, shutdown: S)
    where
        F: EventFeed,
        S: Future<Output = ()> + Send + 'static,
    {
        self.run_on(Listeners::plain(listener), feed, shutdown)
            .await;
    }

    /// As [`run`](Server::run), on every listener of `listeners`, plain and TLS
    /// alike: the same routes, the same simulation, the same clients.
    pub async fn run_on<F, S>(self, listeners: Listeners, feed: F, shutdown: S)
    where
        F: EventFeed,
        S: Future<Output = ()> + Send + 'static,
    {
        self.play(feed);
        let Server { state, bus } = self;
        let token = state.shutdown.clone();
        let encoder = fanout::encoder::Encoder::new(Arc::clone(&state.stats), state.send_stamp)
            .with_tap(state.tap.clone());
        let dispatcher = tokio::spawn(fanout::dispatch::dispatch(bus, encoder, token.clone()));
        let driver = tokio::spawn(simulation::driver::drive(
            Arc::clone(&state.simulation),
            state.publisher(),
            token.clone(),
        ));

        let settling = tokio::spawn({
            let (state, token) = (Arc::clone(&state), token.clone());
            async move { state.challenges.settle_until(&state.stats, token).await }
        });

        let trigger = token.clone();
        let trigger_task = tokio::spawn(async move {
            tokio::select! {
                () = shutdown => {}
                () = trigger.cancelled() => {}
            }
            tracing::info!("shutting down: closing client connections");
            trigger.cancel();
        });

        let transport = transport::accept::Transport {
            stats: Arc::clone(&state.stats),
            tasks: state.transports.clone(),
            shutdown: token.clone(),
            hard_stop: state.hard_stop.clone(),
            intake: Arc::clone(&state.intake),
            limits: state.transport_limits,
        };
        let routes = http::routes::routes(Arc::clone(&state), Dispatcher::Running);
        let plain = listeners.plain.map(|listener| {
            transport::accept::serve(listener, None, routes.clone(), transport.clone())
        });
        let tls = listeners.tls.map(|(listener, acceptor)| {
            transport::accept::serve(listener, Some(acceptor), routes, transport.clone())
        });
        tokio::join!(run_if_some(plain), run_if_some(tls));
        // Both return on shutdown, or at once when nothing listens: stop the rest too.
        token.cancel();

        state.sessions.close();
        state.transports.close();
        let finished = async {
            state.sessions.wait().await;
            state.transports.wait().await;
        };
        let deadline = state.transport_limits.shutdown_timeout;
        if tokio::time::timeout(deadline, finished).await.is_err() {
            tracing::warn!(
                sessions = state.sessions.len(),
                connections = state.transports.len(),
                "shutdown deadline of {deadline:?} passed: dropping the connections still open"
            );
            // Every connection task and session selects on this and ends at once.
            state.hard_stop.cancel();
            let dropped = async {
                state.sessions.wait().await;
                state.transports.wait().await;
            };
            let _ = tokio::time::timeout(HARD_STOP_GRACE, dropped).await;
        }
        // Both stop on the token; a join error would mean a panic, already reported.
        let _ = dispatcher.await;
        let _ = driver.await;
        let _ = settling.await;
        let _ = trigger_task.await;
        tracing::info!("server stopped");
    }
}

/// A read-only view of a server's virtual clock; see [`Server::clock`].
#[derive(Clone)]
pub struct ClockHandle(Arc<simulation::Simulation>);

impl std::fmt::Debug for ClockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ClockHandle")
            .field(&self.virtual_ms())
            .finish()
    }
}

impl ClockHandle {
    /// Virtual ms since the start of the run in play.
    pub fn virtual_ms(&self) -> u64 {
        self.0.status().virtual_ms
    }
}

async fn run_if_some(serving: Option<impl Future<Output = ()>>) {
    if let Some(serving) = serving {
        serving.await;
    }
}

/// Builds a [`Server`] from `config` and runs it; see [`Server::run`].
///
/// # Errors
/// A [`ConfigError`] for values out of range, before anything is served.
pub async fn run<F, S>(
    listener: TcpListener,
    config: ServerConfig,
    feed: F,
    shutdown: S,
) -> Result<(), ConfigError>
where
    F: EventFeed,
    S: Future<Output = ()> + Send + 'static,
{
    Server::new(config)?.run(listener, feed, shutdown).await;
    Ok(())
}
