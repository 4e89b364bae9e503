//! Everything a server run is configured with, validated once by
//! [`Server::new`](super::Server::new).

use std::time::Duration;

use crate::protocol::Profile;
use crate::scenario::RunLimits;

use super::http::admission::cidr::Cidr;
use super::http::admission::gate::Credentials;
use super::http::cors::policy::CorsPolicy;
use super::transport::limits::TransportLimits;

/// Default capacity of each client's outgoing queue, in frames (`--client-queue`).
pub const DEFAULT_CLIENT_QUEUE: usize = 1024;

/// What `serve` does with a client whose queue is full (`--slow-consumer`): ours.
/// `drop-oldest`, so that overload sheds the stalest events of the one slow
/// client, counted and announced to it, rather than ending its connection.
pub const DEFAULT_SLOW_CONSUMER: SlowConsumer = SlowConsumer::DropOldest;

/// The slow-consumer policy: what happens when a client's queue is full
/// (docs/protocol.md §10.6). Either way the dispatcher never waits for a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SlowConsumer {
    /// Close the connection with 1008 "slow consumer: N events pending".
    Disconnect,
    /// Evict the oldest queued events to make room, count them per client and
    /// tell the client with a `simNotice` before its next frame.
    DropOldest,
}

impl SlowConsumer {
    /// The flag value.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SlowConsumer::Disconnect => "disconnect",
            SlowConsumer::DropOldest => "drop-oldest",
        }
    }
}

impl std::fmt::Display for SlowConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Default largest client message (`--max-message-bytes`). Filter messages are a
/// few hundred bytes; the library default (64 MiB) would let one client make the
/// server buffer that much.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// Default most filter entries in one filter message (`--max-filters`).
pub const DEFAULT_MAX_FILTERS: usize = 10_000;

/// Default time between the server's pings (`--ping-interval`).
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(30);

/// Default time a client may stay silent (`--idle-timeout`): three missed pings.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Default time one client message may take to arrive, from its first frame to
/// its last (`--message-timeout`).
pub const DEFAULT_MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// Default bound on one close handshake ([`ServerConfig::close_timeout`]).
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Slowest speed of the virtual clock (`--speed`, `POST /sim/speed`): a
/// thousand times slower than real time.
pub const MIN_SPEED: f64 = 0.001;

/// Fastest speed of the virtual clock: a virtual day in under a tenth of a
/// second. Far faster only spins; an absurd one (1e308) made deadlines meaningless.
pub const MAX_SPEED: f64 = 1_000_000.0;

/// Whether `speed` is a finite factor from [`MIN_SPEED`] to [`MAX_SPEED`].
pub fn speed_in_range(speed: f64) -> bool {
    (MIN_SPEED..=MAX_SPEED).contains(&speed)
}

/// What each connection may do before the server refuses or closes it. Ours, not
/// iSymphony's (its limits are undocumented).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest client message; a bigger one closes that connection with 1009.
    pub max_message_bytes: usize,
    /// Most websocket connections at once; more are refused with 503 before the
    /// upgrade. `None`: no limit.
    pub max_connections: Option<usize>,
    /// Most entries in one filter message; more get a failure reply naming the limit.
    pub max_filters: usize,
    /// The server pings every connection this often. `None`: never.
    pub ping_interval: Option<Duration>,
    /// A connection from which nothing (not even a pong) arrives this long is
    /// closed with 1001. `None`: never.
    pub idle_timeout: Option<Duration>,
    /// A client message (all its fragments) must have arrived this long after
    /// its first frame began, or the connection is closed with 1008.
    pub message_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_connections: None,
            max_filters: DEFAULT_MAX_FILTERS,
            ping_interval: Some(DEFAULT_PING_INTERVAL),
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            message_timeout: DEFAULT_MESSAGE_TIMEOUT,
        }
    }
}

/// How one server behaves. Build with [`ServerConfig::default`] and the `with_*`
/// methods.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The username/password accepted on the upgrade request.
    pub credentials: Credentials,
    /// The username/password of the `/sim/` control API, which can load
    /// scenarios, inject events and restart; `None`: the same as `credentials`.
    pub control_credentials: Option<Credentials>,
    /// Source networks allowed to connect; default loopback only.
    pub allow: Vec<Cidr>,
    /// Accept the documentation's invalid filter entry form (`--lenient-filters`).
    pub lenient_filters: bool,
    /// Which catalogue entries the server emits; filters are linted against it.
    pub profile: Profile,
    /// Frames a client may have waiting before it is disconnected as a slow consumer.
    pub client_queue: usize,
    /// What happens when a client's queue is full.
    pub slow_consumer: SlowConsumer,
    /// Wall-clock speed factor of the feed: virtual ms / speed = wall ms.
    pub speed: f64,
    /// Start with the virtual clock stopped (`--paused`), so a test can connect
    /// and filter first, then step through the scenario with `POST /sim/step`.
    pub paused: bool,
    /// How long a closing session waits for its close frame to go out and be
    /// answered, so shutdown cannot hang on a client that stopped reading.
    pub close_timeout: Duration,
    /// Append `"simSentUs"` (wall clock at encoding, Unix microseconds) and
    /// `"simSeq"` (0, 1, 2, ... per server) to every event, so a load generator can
    /// measure latency below the `time` property's millisecond resolution and
    /// detect gaps. Off by default: real servers send neither.
    pub send_stamp: bool,
    /// Per-connection limits: message size, connections, filters, ping and idle.
    pub limits: Limits,
    /// Origins whose pages may call the Live API and `/sim/` (`--cors-origin`);
    /// default none: CORS off (ours).
    pub cors: CorsPolicy,
    /// How much work a scenario may ask for: what `POST /sim/scenario` reads
    /// files against and plays them under.
    pub run_limits: RunLimits,
    /// Bounds before authentication (pending connections, descriptors) and on
    /// reading requests (header and body timeouts), and the shutdown deadline.
    pub transport: TransportLimits,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            credentials: Credentials::default(),
            control_credentials: None,
            allow: Cidr::loopback(),
            lenient_filters: false,
            profile: Profile::default(),
            client_queue: DEFAULT_CLIENT_QUEUE,
            slow_consumer: DEFAULT_SLOW_CONSUMER,
            speed: 1.0,
            paused: false,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            send_stamp: false,
            limits: Limits::default(),
            cors: CorsPolicy::default(),
            run_limits: RunLimits::default(),
            transport: TransportLimits::default(),
        }
    }
}

impl ServerConfig {
    /// Sets the accepted credentials.
    #[must_use]
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Gives the `/sim/` control API credentials of its own.
    #[must_use]
    pub fn with_control_credentials(mut self, credentials: Credentials) -> Self {
        self.control_credentials = Some(credentials);
        self
    }

    /// Replaces the allow-list.
    #[must_use]
    pub fn with_allow(mut self, allow: Vec<Cidr>) -> Self {
        self.allow = allow;
        self
    }

    /// Accepts (or not) the documentation's invalid filter form.
    #[must_use]
    pub fn with_lenient_filters(mut self, lenient: bool) -> Self {
        self.lenient_filters = lenient;
        self
    }

    /// Sets the emitted profile.
    #[must_use]
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Sets the per-client queue capacity.
    #[must_use]
    pub fn with_client_queue(mut self, frames: usize) -> Self {
        self.client_queue = frames;
        self
    }

    /// Sets the slow-consumer policy.
    #[must_use]
    pub fn with_slow_consumer(mut self, policy: SlowConsumer) -> Self {
        self.slow_consumer = policy;
        self
    }

    /// Sets the feed's speed factor.
    #[must_use]
    pub fn with_speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    /// Starts (or not) with the virtual clock stopped; see [`ServerConfig::paused`].
    #[must_use]
    pub fn with_paused(mut self, paused: bool) -> Self {
        self.paused = paused;
        self
    }

    /// Sets how long a close may take.
    #[must_use]
    pub fn with_close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Adds (or not) the load-measurement stamp to every event; see [`ServerConfig::send_stamp`].
    #[must_use]
    pub fn with_send_stamp(mut self, stamp: bool) -> Self {
        self.send_stamp = stamp;
        self
    }

    /// Sets the per-connection limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the origins allowed to call the APIs from a browser; see [`CorsPolicy`].
    #[must_use]
    pub fn with_cors(mut self, cors: CorsPolicy) -> Self {
        self.cors = cors;
        self
    }

    /// Sets the scenario limits `POST /sim/scenario` reads and plays under.
    #[must_use]
    pub fn with_run_limits(mut self, run_limits: RunLimits) -> Self {
        self.run_limits = run_limits;
        self
    }

    /// Sets the bounds on connections before authentication, the request
    /// timeouts and the shutdown deadline.
    #[must_use]
    pub fn with_transport_limits(mut self, transport: TransportLimits) -> Self {
        self.transport = transport;
        self
    }

    /// Checks the values that have a valid range.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the field, the value and the fix.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=MAX_CLIENT_QUEUE).contains(&self.client_queue) {
            return Err(ConfigError::ClientQueue(self.client_queue));
        }
        if !speed_in_range(self.speed) {
            return Err(ConfigError::Speed(self.speed));
        }
        if self.allow.is_empty() {
            return Err(ConfigError::EmptyAllowList);
        }
        let limits = &self.limits;
        if !(MIN_MESSAGE_BYTES..=MAX_MESSAGE_BYTES).contains(&limits.max_message_bytes) {
            return Err(ConfigError::MaxMessageBytes(limits.max_message_bytes));
        }
        if limits
            .max_connections
            .is_some_and(|n| !(1..=MAX_CONNECTIONS).contains(&n))
        {
            return Err(ConfigError::MaxConnections);
        }
        if !(1..=MAX_FILTERS).contains(&limits.max_filters) {
            return Err(ConfigError::MaxFilters);
        }
        let interval_ok = |d: Option<Duration>| d.is_none_or(|d| !d.is_zero() && d <= MAX_INTERVAL);
        if !(interval_ok(limits.ping_interval) && interval_ok(limits.idle_timeout)) {
            return Err(ConfigError::ZeroInterval);
        }
        let transport = &self.transport;
        let timeouts = [
            Some(transport.header_timeout),
            Some(transport.body_timeout),
            Some(self.close_timeout),
            Some(limits.message_timeout),
        ];
        if !timeouts.into_iter().all(interval_ok) || transport.shutdown_timeout > MAX_INTERVAL {
            return Err(ConfigError::ZeroRequestTimeout);
        }
        if transport.max_pending == 0 || transport.max_pending_per_address == 0 {
            return Err(ConfigError::NoPending);
        }
        Ok(())
    }
}

/// Smallest `max_message_bytes`: room for a filter message with a few entries.
pub const MIN_MESSAGE_BYTES: usize = 256;

/// Largest `max_message_bytes`: 64 MiB, what tungstenite itself allows by default.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Largest `client_queue`: a million frames. A channel that large already holds
/// far more than any client can be behind; past `usize::MAX >> 3` tokio panics.
pub const MAX_CLIENT_QUEUE: usize = 1 << 20;

/// Largest `max_filters`: a million entries in one filter message.
pub const MAX_FILTERS: usize = 1_000_000;

/// Largest `max_connections`: far above any descriptor limit.
pub const MAX_CONNECTIONS: usize = 1 << 24;

/// Longest interval or timeout of the configuration: a day. Much longer ones
/// overflow the clock's instants.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// A configuration value out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A queue of zero frames would disconnect every client on its first
    /// event; one too large cannot be allocated.
    #[error("client queue must hold from 1 to {MAX_CLIENT_QUEUE} frames, got {0} (--client-queue)")]
    ClientQueue(usize),
    /// Speed must be a finite factor within the documented range.
    #[error(
        "speed must be a number from {MIN_SPEED} to {MAX_SPEED}, such as 1 (real time) or 10, got {0} (--speed)"
    )]
    Speed(f64),
    /// No address could ever connect.
    #[error("the allow-list is empty, so no client could connect; pass --allow CIDR")]
    EmptyAllowList,
    /// Too small for any filter message.
    #[error(
        "the message size limit must be from {MIN_MESSAGE_BYTES} to {MAX_MESSAGE_BYTES} bytes, got {0} (--max-message-bytes)"
    )]
    MaxMessageBytes(usize),
    /// Zero connections would refuse everyone.
    #[error(
        "the connection limit must be from 1 to {MAX_CONNECTIONS}; leave it out for no limit (--max-connections)"
    )]
    MaxConnections,
    /// Zero filters would refuse every filter message.
    #[error("the filter limit must be from 1 to {MAX_FILTERS} (--max-filters)")]
    MaxFilters,
    /// A zero interval would spin; `None` turns pings or the idle timeout off.
    #[error(
        "ping interval and idle timeout must be longer than 0 and at most a day; use `off` to turn them off (--ping-interval, --idle-timeout)"
    )]
    ZeroInterval,
    /// A zero request timeout would close every connection at once.
    #[error(
        "header, body, message and close timeouts must be longer than 0, and they and the shutdown deadline at most a day (--header-timeout, --body-timeout, --message-timeout, --shutdown-timeout)"
    )]
    ZeroRequestTimeout,
    /// No pending connection allowed means no connection at all.
    #[error(
        "at least 1 connection must be allowed to wait for authentication (--max-pending, --max-pending-per-address)"
    )]
    NoPending,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::duration::format_duration;

    /// The README's row for `flag` in its table of limits.
    fn readme_row(readme: &str, flag: &str) -> String {
        let start = format!("| `{flag} ");
        readme
            .lines()
            .find(|line| line.starts_with(&start))
            .unwrap_or_else(|| panic!("README.md has no row for {flag}"))
            .to_string()
    }

    #[test]
    fn the_readme_shows_the_limits_defaults_as_the_code_has_them() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md");
        let ms = |d: Duration| format_duration(d.as_millis() as u64);
        for (flag, default) in [
            (
                "--max-message-bytes",
                format!("| {DEFAULT_MAX_MESSAGE_BYTES} "),
            ),
            ("--max-filters", format!("| {DEFAULT_MAX_FILTERS} ")),
            ("--client-queue", format!("| {DEFAULT_CLIENT_QUEUE} ")),
            (
                "--ping-interval",
                format!("| `{}` ", ms(DEFAULT_PING_INTERVAL)),
            ),
            (
                "--idle-timeout",
                format!("| `{}` ", ms(DEFAULT_IDLE_TIMEOUT)),
            ),
        ] {
            let row = readme_row(&readme, flag);
            assert!(
                row.contains(&default),
                "README.md: {row} should show {default}|"
            );
        }
    }
}
