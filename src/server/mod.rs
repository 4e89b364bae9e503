//! The fake iSymphony server over warp: the websocket Event API (spec §1, §2, §5),
//! the REST Live API (spec §6) and our control API under `/sim/`.
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
//! Inside: [`routes`] admits every request and upgrades websocket connections;
//! each connection is one [`session`] task; the [`bus`] dispatcher encodes every
//! event once and fans it out to bounded per-client queues. One [`simulation`]
//! holds what plays (the scenario player and its model) on a pausable virtual
//! [`clock`]: the [`driver`] plays it onto the bus, [`rest`] reads and changes the
//! model, and [`control`] steers it.

pub mod accept;
pub mod auth;
pub mod bus;
pub mod capacity;
pub mod cidr;
pub mod clock;
pub mod config;
pub mod control;
pub mod driver;
mod encoder;
pub mod feed;
mod http;
pub mod injection;
mod publisher;
pub mod rest;
pub mod routes;
pub mod session;
pub mod simulation;
pub mod stats;
mod subscribers;
pub mod tls;
pub mod upgrade;
mod writer;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use warp::Filter;
use warp::reply::Response;

use crate::protocol::ParseOptions;

use bus::BusCommand;
use capacity::ConnectionLimit;

pub use auth::{Credentials, Gate, Refusal};
pub use bus::{BusClosed, Publisher};
pub use cidr::{Cidr, CidrError};
pub use config::{ConfigError, Limits, ServerConfig};
pub use control::{CONTROL_PATH, SimStatus};
pub use feed::{EmptyFeed, EventFeed, FeedInfo};
pub use http::MAX_REQUEST_BODY;
pub use injection::ClientSummary;
pub use rest::LIVE_PATH;
pub use routes::EVENT_PATH;
pub use simulation::{RunStatus, SimError, Simulation, StepTo, Stepped};
pub use stats::{Stats, StatsSnapshot};
pub use tls::{TlsError, TlsIdentity};

/// Bus commands that may wait for the dispatcher before publishers are slowed down.
const BUS_CAPACITY: usize = 1024;

/// What every connection and task of one server shares.
#[derive(Debug)]
pub(crate) struct ServerState {
    /// Admission rules, checked before each upgrade.
    gate: Gate,
    /// How client messages are parsed.
    parse: ParseOptions,
    /// Capacity of each client's queue; a full queue disconnects the client.
    client_queue: usize,
    /// Upper bound on each close handshake, so shutdown cannot hang.
    close_timeout: Duration,
    /// Message size, connection, filter, ping and idle limits.
    limits: Limits,
    /// Websocket connections against `--max-connections`.
    connections: Arc<ConnectionLimit>,
    /// What plays and its clock, shared by the driver, REST and `/sim/`.
    simulation: Arc<Simulation>,
    /// Counters, readable through [`Server::stats`].
    stats: Arc<Stats>,
    /// Whether the dispatcher stamps events for load measurement.
    send_stamp: bool,
    /// The bus every session attaches to and every publisher writes to.
    bus: mpsc::Sender<BusCommand>,
    /// Fires once, when the server starts shutting down.
    shutdown: CancellationToken,
    /// Every session task, so shutdown can wait for their close handshakes.
    sessions: TaskTracker,
    /// Every transport connection task (plain or TLS), so `run` returns only
    /// once all of them have ended.
    transports: TaskTracker,
    /// The id the next session gets on the bus.
    next_client: AtomicU64,
    /// Whether the dispatcher runs: routes tested in-process without
    /// [`Server::run`] must not wait for it.
    dispatching: AtomicBool,
}

impl ServerState {
    /// A publisher onto this server's bus.
    fn publisher(&self) -> Publisher {
        Publisher::new(self.bus.clone(), Arc::clone(&self.stats))
    }

    /// Whether anything answers on the bus (false for routes tested in-process).
    fn is_dispatching(&self) -> bool {
        self.dispatching.load(Ordering::Acquire)
    }
}

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
        let state = ServerState {
            gate: Gate::new(config.credentials, config.allow),
            parse: ParseOptions {
                lenient: config.lenient_filters,
            },
            client_queue: config.client_queue,
            close_timeout: config.close_timeout,
            limits: config.limits,
            connections: ConnectionLimit::new(config.limits.max_connections),
            simulation: Arc::new(Simulation::new(
                Box::new(EmptyFeed),
                config.speed,
                config.paused,
                config.profile,
            )),
            stats: Arc::new(Stats::default()),
            send_stamp: config.send_stamp,
            bus: bus_tx,
            shutdown: CancellationToken::new(),
            sessions: TaskTracker::new(),
            transports: TaskTracker::new(),
            next_client: AtomicU64::new(1),
            dispatching: AtomicBool::new(false),
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

    /// The HTTP routes, for serving or for in-process tests with `warp::test`.
    pub fn routes(
        &self,
    ) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
    {
        routes::routes(Arc::clone(&self.state))
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
        let encoder = encoder::Encoder::new(Arc::clone(&state.stats), state.send_stamp);
        let dispatcher = tokio::spawn(bus::dispatch(bus, encoder, token.clone()));
        state.dispatching.store(true, Ordering::Release);
        let driver = tokio::spawn(driver::drive(
            Arc::clone(&state.simulation),
            state.publisher(),
            token.clone(),
        ));

        let trigger = token.clone();
        let trigger_task = tokio::spawn(async move {
            tokio::select! {
                () = shutdown => {}
                () = trigger.cancelled() => {}
            }
            tracing::info!("shutting down: closing client connections");
            trigger.cancel();
        });

        let transport = accept::Transport {
            stats: Arc::clone(&state.stats),
            tasks: state.transports.clone(),
            shutdown: token.clone(),
        };
        let routes = routes::routes(Arc::clone(&state));
        let plain = listeners
            .plain
            .map(|listener| accept::serve(listener, None, routes.clone(), transport.clone()));
        let tls = listeners.tls.map(|(listener, acceptor)| {
            accept::serve(listener, Some(acceptor), routes, transport.clone())
        });
        tokio::join!(run_if_some(plain), run_if_some(tls));
        // Both return on shutdown, or at once when nothing listens: stop the rest too.
        token.cancel();

        state.sessions.close();
        state.sessions.wait().await;
        state.transports.close();
        state.transports.wait().await;
        // Both stop on the token; a join error would mean a panic, already reported.
        let _ = dispatcher.await;
        let _ = driver.await;
        let _ = trigger_task.await;
        tracing::info!("server stopped");
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
