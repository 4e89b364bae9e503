//! `serve`'s bounds on connections before anyone is authenticated, on reading
//! requests, and on shutdown (ours; defaults in `server::transport::limits`).

use std::time::Duration;

use isymphony_sim::scenario::duration::{format_duration, parse_duration};

use super::serve_flags::{Interval, parse_message_timeout};
use isymphony_sim::server::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_FD_RESERVE, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_PENDING,
    DEFAULT_MAX_PENDING_PER_ADDRESS, DEFAULT_MESSAGE_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT,
    TransportLimits,
};

/// Longest timeout any of these flags takes: a day.
const MAX_TIMEOUT_MS: u64 = 24 * 3_600_000;

/// Most pending connections or reserved descriptors: far above any descriptor limit.
const MAX_CONNECTIONS: u64 = 1 << 24;

/// Bounds on connections that have not authenticated yet, and on requests.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionLimitArgs {
    /// Close a connection that sends no complete request head this long after it
    /// is accepted, or after its last response, e.g. 10s (ours). Counted.
    #[arg(long, value_name = "DURATION", default_value_t = millis(DEFAULT_HEADER_TIMEOUT),
          value_parser = parse_timeout)]
    header_timeout: String,

    /// Answer 408 and close when a request body takes longer than this, e.g. 30s
    /// (ours). Counted.
    #[arg(long, value_name = "DURATION", default_value_t = millis(DEFAULT_BODY_TIMEOUT),
          value_parser = parse_timeout)]
    body_timeout: String,

    /// Most connections not yet authenticated, in all (ours); more are closed at
    /// accept, before a byte is read. Counted.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PENDING as u64,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..=MAX_CONNECTIONS))]
    max_pending: u64,

    /// Most connections not yet authenticated from one source address (ours);
    /// more are closed at accept. Counted.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PENDING_PER_ADDRESS as u64,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..=MAX_CONNECTIONS))]
    max_pending_per_address: u64,

    /// File descriptors kept free (ours): connections beyond the process's
    /// descriptor limit (ulimit -n) less this many are closed at accept, so the
    /// server never runs out. Counted.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_FD_RESERVE as u64,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(0..=MAX_CONNECTIONS))]
    fd_reserve: u64,

    /// Close a websocket with 1008 when one of its messages (every fragment of
    /// it) has not arrived this long after it began, e.g. 30s (ours). Counted.
    #[arg(long, value_name = "DURATION", value_parser = parse_message_timeout,
          default_value_t = Interval(Some(DEFAULT_MESSAGE_TIMEOUT)))]
    message_timeout: Interval,

    /// On Ctrl-C or SIGTERM, how long connections get to close before they are
    /// dropped and the process exits 0, e.g. 5s (ours). A second signal exits at once.
    #[arg(long, value_name = "DURATION", default_value_t = millis(DEFAULT_SHUTDOWN_TIMEOUT),
          value_parser = parse_shutdown)]
    shutdown_timeout: String,
}

impl ConnectionLimitArgs {
    /// The limits the flags ask for.
    pub fn limits(&self) -> TransportLimits {
        // Each was checked by its parser; a default covers an impossible failure.
        let read = |text: &str, default: Duration| {
            parse_duration(text).map_or(default, Duration::from_millis)
        };
        TransportLimits {
            header_timeout: read(&self.header_timeout, DEFAULT_HEADER_TIMEOUT),
            body_timeout: read(&self.body_timeout, DEFAULT_BODY_TIMEOUT),
            max_pending: to_usize(self.max_pending),
            max_pending_per_address: to_usize(self.max_pending_per_address),
            fd_reserve: to_usize(self.fd_reserve),
            shutdown_timeout: read(&self.shutdown_timeout, DEFAULT_SHUTDOWN_TIMEOUT),
        }
    }

    /// The message timeout (`--message-timeout`).
    pub fn message_timeout(&self) -> Duration {
        self.message_timeout.0.unwrap_or(DEFAULT_MESSAGE_TIMEOUT)
    }

    /// One line for the start-up banner.
    pub fn banner(&self) -> String {
        format!(
            "  connection limits (ours): request head within {}, body within {}, {} connections not yet authenticated ({} per address), {} descriptors kept free, shutdown within {}",
            self.header_timeout,
            self.body_timeout,
            self.max_pending,
            self.max_pending_per_address,
            self.fd_reserve,
            self.shutdown_timeout
        )
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn millis(duration: Duration) -> String {
    format_duration(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// A timeout from 1 ms to a day.
fn parse_timeout(text: &str) -> Result<String, String> {
    match parse_duration(text)? {
        0 => Err("a timeout of 0 would close every connection at once; give e.g. 10s".into()),
        ms if ms > MAX_TIMEOUT_MS => Err(format!(
            "`{text}` is longer than {}, the longest timeout",
            format_duration(MAX_TIMEOUT_MS)
        )),
        _ => Ok(text.to_string()),
    }
}

/// A shutdown deadline from 0 (drop at once) to a day.
fn parse_shutdown(text: &str) -> Result<String, String> {
    match parse_duration(text)? {
        ms if ms > MAX_TIMEOUT_MS => Err(format!(
            "`{text}` is longer than {}, the longest deadline",
            format_duration(MAX_TIMEOUT_MS)
        )),
        _ => Ok(text.to_string()),
    }
}
