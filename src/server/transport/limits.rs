//! What a connection may cost before anyone is authenticated, and how long its
//! request may take: the bounds checked at accept time and while HTTP is read.
//! Ours, not iSymphony's. Without them, 20,000 idle TCP sockets (the machine's
//! fd limit) locked every new client out, and 300 unfinished request heads from
//! a refused address held 112 MiB.
//!
//! A connection is *pending* from accept until one of its requests passes the
//! admission rules (allow-list and credentials). Pending connections are bounded
//! in total and per source address; the open connections of every kind are
//! bounded by the file-descriptor limit less a reserve, so the server never runs
//! out of descriptors and can always accept, refuse and close.

use std::time::Duration;

/// Default time from accept (or from the end of the last response) to a complete
/// request head (`--header-timeout`).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time a request body may take to arrive (`--body-timeout`).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Default most pending connections in all (`--max-pending`).
pub const DEFAULT_MAX_PENDING: usize = 1024;

/// Default most pending connections from one source address
/// (`--max-pending-per-address`).
pub const DEFAULT_MAX_PENDING_PER_ADDRESS: usize = 256;

/// Default file descriptors kept free for everything else the process opens
/// (`--fd-reserve`): listeners, logs, scenario files, and room to accept and
/// close a connection over the limit.
pub const DEFAULT_FD_RESERVE: usize = 64;

/// Default deadline for a graceful shutdown (`--shutdown-timeout`): after it,
/// connections still open are dropped.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest request head (request line and headers) hyper buffers; a longer one
/// is answered 431. Upgrade requests with credentials take under 2 KiB.
pub const MAX_REQUEST_HEAD_BYTES: usize = 64 * 1024;

/// The bounds on connections before and while HTTP is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportLimits {
    /// A connection that has sent no complete request head this long after it
    /// was accepted, or after its last response, is closed.
    pub header_timeout: Duration,
    /// A request body that has not fully arrived this long after its head is
    /// answered 408, and the connection closed.
    pub body_timeout: Duration,
    /// Most pending connections in all; more are closed at once.
    pub max_pending: usize,
    /// Most pending connections from one source address; more are closed at once.
    pub max_pending_per_address: usize,
    /// File descriptors kept free: connections beyond the process's descriptor
    /// limit less this reserve are closed at once.
    pub fd_reserve: usize,
    /// How long a shutdown waits for connections to finish before it drops them.
    pub shutdown_timeout: Duration,
}

impl Default for TransportLimits {
    fn default() -> Self {
        TransportLimits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_pending: DEFAULT_MAX_PENDING,
            max_pending_per_address: DEFAULT_MAX_PENDING_PER_ADDRESS,
            fd_reserve: DEFAULT_FD_RESERVE,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

/// The soft limit on open file descriptors of this process, if the platform
/// has one and says.
pub fn descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` through the pointer, which points
        // at a live local of that type.
        let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        if read == 0 && limit.rlim_cur != libc::RLIM_INFINITY {
            #[allow(
                clippy::unnecessary_cast,
                reason = "rlim_t is u64 on Linux but not on every unix"
            )]
            return Some(limit.rlim_cur as u64);
        }
        None
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Most connections open at once under `limits`: the descriptor limit less the
/// reserve (at least one), or no bound when the platform has no limit.
pub fn max_open_connections(limits: &TransportLimits) -> Option<u64> {
    descriptor_limit().map(|fds| fds.saturating_sub(limits.fd_reserve as u64).max(1))
}
