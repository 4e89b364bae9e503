//! Our own accept loop, in place of `warp::serve`: it sets `TCP_NODELAY` on every
//! accepted socket, which warp does not. With Nagle's algorithm on, small event
//! frames wait for ACKs: p99 went from 1.3 ms to 23 ms at 100 clients x 1,000
//! events/s when we measured with and without it (that comparison is not kept in
//! the repository; BENCHMARKS.md §3 shows the same load with `TCP_NODELAY` on).
//!
//! Each connection is served by hyper-util's auto builder with upgrades, as warp
//! does inside `serve`. warp's remote-address extension is private to warp, so the
//! peer address travels in our own [`PeerAddr`] extension; [`remote_addr`] reads it.
//!
//! The same loop terminates TLS (warp 0.4 has none): with an acceptor, each
//! connection's task first completes the handshake (bounded by
//! [`TLS_HANDSHAKE_TIMEOUT`], so a silent client cannot hold a task) and then serves
//! the same routes over the encrypted stream, websockets included.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use warp::Filter;
use warp::hyper::body::Incoming;
use warp::hyper::service::Service;
use warp::reply::Response;

use crate::server::stats::Stats;

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

/// Longest a TLS handshake may take before the connection is dropped.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What every accepted connection shares.
#[derive(Debug, Clone)]
pub struct Transport {
    /// Counts connections and failed handshakes.
    pub stats: Arc<Stats>,
    /// Every connection task, so the server can wait for all of them.
    pub tasks: TaskTracker,
    /// Fires when the server shuts down.
    pub shutdown: CancellationToken,
}

/// Serves `routes` on `listener` (over TLS with `tls`) until shutdown fires; then
/// stops accepting and waits for connections still speaking HTTP to finish
/// (upgraded websockets have left hyper by then and are closed by their sessions).
pub async fn serve<F>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    routes: F,
    transport: Transport,
) where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    let shutdown = transport.shutdown.clone();
    let graceful = GracefulShutdown::new();
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
        if let Err(err) = socket.set_nodelay(true) {
            tracing::debug!(peer = %peer, error = %err, "cannot set TCP_NODELAY");
        }
        let service = WithPeer {
            inner: TowerToHyperService::new(warp::service(routes.clone())),
            peer,
        };
        let watcher = graceful.watcher();
        let (tls, shared) = (tls.clone(), transport.clone());
        transport.tasks.spawn(async move {
            let _gauge = TransportGauge::open(&shared.stats);
            let Some(acceptor) = tls else {
                return serve_http(socket, service, watcher, peer).await;
            };
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(socket));
            let encrypted = tokio::select! {
                () = shared.shutdown.cancelled() => return,
                done = handshake => done,
            };
            match encrypted {
                Ok(Ok(stream)) => serve_http(stream, service, watcher, peer).await,
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
    drop(listener);
    graceful.shutdown().await;
}

/// Serves HTTP (and websocket upgrades) on one connection, plain or encrypted.
async fn serve_http<I, S>(io: I, service: S, watcher: Watcher, peer: SocketAddr)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<warp::http::Request<Incoming>, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let builder = Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    if let Err(err) = watcher.watch(connection.into_owned()).await {
        tracing::debug!(peer = %peer, error = %err, "HTTP connection ended with an error");
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

/// Adds the peer address to every request of one connection.
#[derive(Debug, Clone)]
struct WithPeer<S> {
    inner: S,
    peer: SocketAddr,
}

impl<S> Service<warp::http::Request<Incoming>> for WithPeer<S>
where
    S: Service<warp::http::Request<Incoming>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, mut request: warp::http::Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(PeerAddr(self.peer));
        self.inner.call(request)
    }
}
