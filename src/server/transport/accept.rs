//! Our own accept loop, in place of `warp::serve`: it sets `TCP_NODELAY` on every
//! accepted socket, which warp does not. With Nagle's algorithm on, small event
//! frames wait for ACKs: p99 went from 1.3 ms to 23 ms at 100 clients x 1,000
//! events/s when we measured with and without it (that comparison is not kept in
//! the repository; BENCHMARKS.md §3 shows the same load with `TCP_NODELAY` on).
//!
//! Each connection is served by hyper's HTTP/1.1 builder with upgrades: the
//! Event API and the Live API are HTTP/1.1 and websocket, so HTTP/2 is not
//! served at all (an h2 preface is refused by the HTTP/1 parser, and TLS offers
//! only `http/1.1` by ALPN). warp's remote-address extension is private to warp,
//! so the peer address travels in our own [`PeerAddr`] extension; [`remote_addr`]
//! reads it.
//!
//! Before a byte is read, [`Intake`] decides whether the connection may stay
//! (allow-list, pending connections, spare descriptors); hyper then closes a
//! connection that sends no complete request head within the header timeout.
//! On shutdown each connection finishes what it is answering; at the shutdown
//! deadline whatever is left is dropped.
//!
//! The same loop terminates TLS (warp 0.4 has none): with an acceptor, each
//! connection's task first completes the handshake (bounded by
//! [`TLS_HANDSHAKE_TIMEOUT`], so a silent client cannot hold a task) and then serves
//! the same routes over the encrypted stream, websockets included.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use warp::Filter;
use warp::hyper::body::Incoming;
use warp::hyper::server::conn::http1;
use warp::hyper::service::Service;
use warp::reply::Response;

use crate::server::stats::Stats;

use super::intake::{Intake, PendingSlot, Turnaway};
use super::limits::{MAX_REQUEST_HEAD_BYTES, TransportLimits};
use super::upgrade::RequestVersion;

/// Pause after an accept error that is not about one connection (such as running
/// out of file descriptors), so the loop does not spin while nothing can be accepted.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(100);

/// The peer address of the connection a request came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// The remote address of the request's connection: ours when served by
/// [`serve`], warp's when served by warp (e.g. `warp::test` with `remote_addr`).
pub fn remote_addr() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Clone {
    warp::ext::optional::<PeerAddr>()
        .and(warp::addr::remote())
        .map(|ours: Option<PeerAddr>, warps: Option<SocketAddr>| ours.map(|p| p.0).or(warps))
}

/// The pending slot of the request's connection, released by admission.
#[derive(Debug, Clone)]
pub struct Pending(pub Arc<PendingSlot>);

/// Longest a TLS handshake may take before the connection is dropped.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What every accepted connection shares.
#[derive(Debug, Clone)]
pub struct Transport {
    /// Counts connections and failed handshakes.
    pub stats: Arc<Stats>,
    /// Every connection task, so the server can wait for all of them.
    pub tasks: TaskTracker,
    /// Fires when the server shuts down: stop accepting, finish what is answered.
    pub shutdown: CancellationToken,
    /// Fires at the shutdown deadline: drop every connection still open.
    pub hard_stop: CancellationToken,
    /// The accept-time rules.
    pub intake: Arc<Intake>,
    /// Header and body timeouts.
    pub limits: TransportLimits,
}

/// Serves `routes` on `listener` (over TLS with `tls`) until shutdown fires; then
/// stops accepting. Connections still speaking HTTP finish on their own tasks
/// (tracked in `tasks`), dropped at the deadline; upgraded websockets have left
/// hyper by then and are closed by their sessions.
pub async fn serve<F>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    routes: F,
    transport: Transport,
) where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    let shutdown = transport.shutdown.clone();
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (socket, peer) = match accepted {
            Ok(pair) => pair,
            Err(err) if is_connection_error(&err) => continue,
            Err(err) => {
                tracing::error!(error = %err, "accept failed; retrying shortly");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(ACCEPT_ERROR_BACKOFF) => continue,
                }
            }
        };
        let slot = match transport.intake.admit(peer) {
            Ok(slot) => slot,
            Err(turnaway) => {
                turn_away(socket, turnaway, tls.is_some());
                continue;
            }
        };
        if let Err(err) = socket.set_nodelay(true) {
            tracing::debug!(peer = %peer, error = %err, "cannot set TCP_NODELAY");
        }
        let service = WithPeer {
            inner: TowerToHyperService::new(warp::service(routes.clone())),
            peer,
            pending: Arc::clone(&slot),
        };
        let (tls, shared) = (tls.clone(), transport.clone());
        transport.tasks.spawn(async move {
            let _gauge = TransportGauge::open(&shared.stats);
            // Held until the task ends, so a connection never admitted stays
            // counted as pending for as long as it is open.
            let _slot = slot;
            let Some(acceptor) = tls else {
                return serve_http(socket, service, &shared, peer).await;
            };
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(socket));
            let encrypted = tokio::select! {
                () = shared.shutdown.cancelled() => return,
                done = handshake => done,
            };
            match encrypted {
                Ok(Ok(stream)) => serve_http(stream, service, &shared, peer).await,
                Ok(Err(err)) => {
                    Stats::bump(&shared.stats.tls_handshake_failures);
                    tracing::info!(peer = %peer, error = %err, "TLS handshake failed");
                }
                Err(_) => {
                    Stats::bump(&shared.stats.tls_handshake_failures);
                    tracing::info!(peer = %peer, "TLS handshake timed out");
                }
            }
        });
    }
}

/// Closes a connection turned away at accept, unread. On the plain listener a
/// one-line answer is tried first (without waiting: the socket is new, so it
/// takes the bytes or is dropped anyway); over TLS there is nothing to say in
/// the clear.
fn turn_away(socket: TcpStream, turnaway: Turnaway, tls: bool) {
    if tls {
        return;
    }
    let answer: &[u8] = match turnaway {
        Turnaway::Address => {
            b"HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 64\r\nconnection: close\r\n\r\nforbidden: the source address is not in the allow-list (--allow)\n"
        }
        Turnaway::PendingTotal | Turnaway::PendingPerAddress | Turnaway::Descriptors => {
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 58\r\nconnection: close\r\n\r\ntoo many connections not yet served; try again shortly\n"
        }
    };
    let _ = socket.try_write(answer);
}

/// Serves HTTP/1.1 (and websocket upgrades) on one connection, plain or encrypted,
/// with the header timeout; on shutdown it finishes the request in hand, at the
/// deadline it is dropped.
async fn serve_http<I, S>(io: I, service: S, transport: &Transport, peer: SocketAddr)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<warp::http::Request<Incoming>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(transport.limits.header_timeout)
        .max_buf_size(MAX_REQUEST_HEAD_BYTES)
        .max_header_size(MAX_REQUEST_HEAD_BYTES);
    let mut connection = pin!(
        builder
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades()
    );
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        () = transport.shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                ended = connection.as_mut() => ended,
                () = transport.hard_stop.cancelled() => {
                    tracing::debug!(peer = %peer, "HTTP connection dropped at the shutdown deadline");
                    return;
                }
            }
        }
    };
    match ended {
        Ok(()) => {}
        Err(err) if err.is_timeout() => {
            Stats::bump(&transport.stats.header_timeouts);
            tracing::debug!(peer = %peer, "closed: no complete request head within the header timeout");
        }
        Err(err) => {
            tracing::debug!(peer = %peer, error = %err, "HTTP connection ended with an error");
        }
    }
}

/// Counts a transport connection as open for as long as its task lives.
struct TransportGauge<'a>(&'a Stats);

impl<'a> TransportGauge<'a> {
    fn open(stats: &'a Stats) -> Self {
        Stats::bump(&stats.transport_connections_current);
        TransportGauge(stats)
    }
}

impl Drop for TransportGauge<'_> {
    fn drop(&mut self) {
        self.0
            .transport_connections_current
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Errors that concern one connection only; the listener itself is fine.
fn is_connection_error(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Adds the peer address and the connection's pending slot to every request of
/// one connection.
#[derive(Debug, Clone)]
struct WithPeer<S> {
    inner: S,
    peer: SocketAddr,
    pending: Arc<PendingSlot>,
}

impl<S> Service<warp::http::Request<Incoming>> for WithPeer<S>
where
    S: Service<warp::http::Request<Incoming>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, mut request: warp::http::Request<Incoming>) -> Self::Future {
        let version = request.version();
        request.extensions_mut().insert(PeerAddr(self.peer));
        request.extensions_mut().insert(RequestVersion(version));
        request
            .extensions_mut()
            .insert(Pending(Arc::clone(&self.pending)));
        self.inner.call(request)
    }
}
