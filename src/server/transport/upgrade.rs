//! Our own websocket upgrade, in place of `warp::ws()`: warp builds every stream
//! with tungstenite's default 128 KiB read buffer (allocated up front, and
//! zero-filled before each read) and has no setting for it. That cost 148 KiB of
//! RSS per connection at 19,000 connections (BENCHMARKS.md §5).
//!
//! [`handshake`] checks the request as RFC 6455 §4.1 and §4.2.1 ask (HTTP/1.1,
//! GET, `Connection: upgrade`, `Upgrade: websocket`, `Sec-WebSocket-Version:
//! 13`, a key that is 16 bytes in base64) and takes hyper's upgrade handle; [`Handshake::accept`] answers 101 with the RFC 6455
//! accept key and, once hyper hands the connection over, builds the stream with
//! [`config`]. [`Socket`] carries [`warp::ws::Message`]s, so sessions, the bus and
//! the tests keep the one message type.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_util::{Sink, Stream};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, ReadBuf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;
use warp::Filter;
use warp::http::{HeaderMap, HeaderValue, Method, StatusCode, Version, header};
use warp::hyper::upgrade::{OnUpgrade, Upgraded};
use warp::reply::Response;

use super::frame_watch::{MessageClock, Watched};

/// Read buffer per connection, allocated up front by tungstenite and kept for
/// the connection's life. Clients send a filter message now and then, mostly
/// well under 1 KiB; a larger one is read in several calls. Every connection
/// pays for this, idle or not (BENCHMARKS.md §5).
pub const READ_BUFFER_BYTES: usize = 1024;

/// Bytes tungstenite gathers before it writes to the socket; every flush writes
/// whatever is gathered anyway.
pub const WRITE_BUFFER_BYTES: usize = 16 * 1024;

/// The stream configuration: small buffers, and `max_message_bytes` as both the
/// message and the frame limit, so tungstenite refuses an over-size frame from
/// its header alone, before buffering it (the session answers with 1009).
pub fn config(max_message_bytes: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_message_bytes))
}

/// A websocket upgrade request, checked, not yet answered.
#[derive(Debug)]
pub struct Handshake {
    key: HeaderValue,
    on_upgrade: Option<OnUpgrade>,
}

/// What a request to the event path asks for.
#[derive(Debug)]
pub enum Asked {
    /// A valid websocket upgrade.
    Upgrade(Handshake),
    /// An upgrade to websocket that breaks RFC 6455: answered with this status
    /// and reason, before any upgrade.
    BadUpgrade(StatusCode, &'static str),
    /// A plain request, no upgrade asked for.
    Plain,
}

/// The HTTP version of the request, put in by our accept loop (warp has no
/// filter for it); HTTP/1.1 when absent, as in in-process tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestVersion(pub Version);

/// What a request to the event path asks for: a checked upgrade, a broken one,
/// or none.
pub fn handshake() -> impl Filter<Extract = (Asked,), Error = std::convert::Infallible> + Clone {
    warp::method()
        .and(warp::header::headers_cloned())
        .and(warp::ext::optional::<RequestVersion>())
        .and(warp::ext::optional::<OnUpgrade>())
        .map(
            |method: Method, headers: HeaderMap, version: Option<RequestVersion>, on_upgrade| {
                let version = version.map_or(Version::HTTP_11, |v| v.0);
                match upgrade_key(&method, version, &headers) {
                    Ok(Some(key)) => Asked::Upgrade(Handshake {
                        key: key.clone(),
                        on_upgrade,
                    }),
                    Ok(None) => Asked::Plain,
                    Err((status, reason)) => Asked::BadUpgrade(status, reason),
                }
            },
        )
}

/// The `Sec-WebSocket-Key` of a valid upgrade request; `None` for a request
/// that asks for no upgrade; the refusal for one that asks for a websocket and
/// breaks the handshake rules.
fn upgrade_key<'a>(
    method: &Method,
    version: Version,
    headers: &'a HeaderMap,
) -> Result<Option<&'a HeaderValue>, (StatusCode, &'static str)> {
    let connection_has_upgrade = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    let upgrade_is_websocket = headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    let key = headers.get(header::SEC_WEBSOCKET_KEY);
    if !upgrade_is_websocket && key.is_none() {
        return Ok(None);
    }
    let bad = |reason| Err((StatusCode::BAD_REQUEST, reason));
    if version != Version::HTTP_11 {
        return bad("a websocket upgrade needs HTTP/1.1 (RFC 6455 §4.1)");
    }
    if method != Method::GET {
        return bad("a websocket upgrade is a GET request (RFC 6455 §4.1)");
    }
    if !(connection_has_upgrade && upgrade_is_websocket) {
        return bad(
            "a websocket upgrade needs `Connection: Upgrade` and `Upgrade: websocket` (RFC 6455 §4.1)",
        );
    }
    let version_13 = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|value| value == "13");
    if !version_13 {
        return Err((
            StatusCode::UPGRADE_REQUIRED,
            "this server speaks websocket version 13: send `Sec-WebSocket-Version: 13` (RFC 6455 §4.4)",
        ));
    }
    match key {
        Some(key) if is_nonce(key) => Ok(Some(key)),
        _ => bad(
            "`Sec-WebSocket-Key` must be 16 random bytes in base64, e.g. dGhlIHNhbXBsZSBub25jZQ== (RFC 6455 §4.1)",
        ),
    }
}

/// Whether a key is 16 bytes in base64, as RFC 6455 §4.1 asks.
fn is_nonce(key: &HeaderValue) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(key.as_bytes())
        .is_ok_and(|bytes| bytes.len() == 16)
}

impl Handshake {
    /// Answers 101 and, once hyper has handed the connection over, runs `session`
    /// on a stream built with `config`. If the upgrade fails, `session` is dropped
    /// unrun (and whatever it owns with it).
    pub fn accept<F, U>(self, config: WebSocketConfig, session: F) -> Response
    where
        F: FnOnce(Socket) -> U + Send + 'static,
        U: Future<Output = ()> + Send + 'static,
    {
        match self.on_upgrade {
            Some(on_upgrade) => {
                tokio::spawn(async move {
                    match on_upgrade.await {
                        Ok(upgraded) => {
                            tracing::trace!("websocket upgrade complete");
                            let clock = Arc::new(MessageClock::default());
                            let io = Watched::new(TokioIo::new(upgraded), Arc::clone(&clock));
                            let inner =
                                WebSocketStream::from_raw_socket(io, Role::Server, Some(config))
                                    .await;
                            // Boxed, so the task holds the session's future once: held
                            // inline, it sat beside the upgrade's own state, and every
                            // connection paid for both (BENCHMARKS.md §5).
                            Box::pin(session(Socket { inner, clock })).await;
                        }
                        Err(err) => tracing::debug!(error = %err, "websocket upgrade failed"),
                    }
                });
            }
            None => tracing::debug!("websocket not upgraded: the request has no upgrade state"),
        }
        let mut response = Response::default();
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(self.key.as_bytes())) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        response
    }
}

/// One upgraded websocket, as a [`Stream`] and [`Sink`] of tungstenite [`Message`]s.
#[derive(Debug)]
pub struct Socket {
    inner: WebSocketStream<Watched<TokioIo<Upgraded>>>,
    /// Since when the client's current message is incomplete.
    clock: Arc<MessageClock>,
}

impl Socket {
    /// Since when the client's current data message is incomplete.
    pub fn clock(&self) -> Arc<MessageClock> {
        Arc::clone(&self.clock)
    }

    /// After a close the client's input caused (a message too big, a protocol
    /// error, a message that took too long), reads and discards what the client
    /// still sends until it closes, `within` passes or `shutdown` fires. The rest
    /// of its message is unread (tungstenite would buffer it): dropping the socket
    /// with it pending would reset the connection, and the client would lose the
    /// close frame with it. A 128 KiB read buffer happened to take in most of
    /// such a message before the error; a 1 KiB one does not.
    pub async fn linger(mut self, within: Duration, shutdown: &CancellationToken) {
        let io = self.inner.get_mut();
        // On the heap, and only while lingering: on the stack it would sit in
        // every session's future, lingering or not (BENCHMARKS.md §5).
        let mut scratch = vec![0_u8; 4096];
        let drain = std::future::poll_fn(|cx| {
            loop {
                let mut buf = ReadBuf::new(&mut scratch);
                match ready!(Pin::new(&mut *io).poll_read(cx, &mut buf)) {
                    Ok(()) if buf.filled().is_empty() => return Poll::Ready(()),
                    Ok(()) => {}
                    Err(_) => return Poll::Ready(()),
                }
            }
        });
        tokio::select! {
            _ = tokio::time::timeout(within, drain) => {}
            () = shutdown.cancelled() => {}
        }
    }
}

impl Stream for Socket {
    type Item = Result<Message, tungstenite::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

/// The fan-out's frames are tungstenite's own messages, so a frame shared by
/// every client goes to the socket as it is: no conversion, no copy, and no
/// second UTF-8 check of text already known to be UTF-8, per delivery.
impl Sink<Message> for Socket {
    type Error = tungstenite::Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        Pin::new(&mut self.inner).start_send(item)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_complete_upgrade_request_has_a_key() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, Upgrade"),
        );
        headers.insert(header::UPGRADE, HeaderValue::from_static("WebSocket"));
        headers.insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        headers.insert(
            header::SEC_WEBSOCKET_KEY,
            HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="),
        );
        let status = |method: &Method, version, headers: &HeaderMap| {
            upgrade_key(method, version, headers).map(|key| key.is_some())
        };
        let v11 = Version::HTTP_11;
        assert_eq!(status(&Method::GET, v11, &headers), Ok(true));
        assert_eq!(status(&Method::GET, v11, &HeaderMap::new()), Ok(false));
        let refused = |method, version, headers: &HeaderMap| {
            upgrade_key(method, version, headers).err().map(|(s, _)| s)
        };
        assert_eq!(
            refused(&Method::POST, v11, &headers),
            Some(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            refused(&Method::GET, Version::HTTP_10, &headers),
            Some(StatusCode::BAD_REQUEST)
        );
        let mut old = headers.clone();
        old.insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static("8"));
        assert_eq!(
            refused(&Method::GET, v11, &old),
            Some(StatusCode::UPGRADE_REQUIRED)
        );
        let mut plain = headers.clone();
        plain.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        assert_eq!(
            refused(&Method::GET, v11, &plain),
            Some(StatusCode::BAD_REQUEST)
        );
        for key in [
            "",
            "short",
            "dGhlIHNhbXBsZSBub25jZQ",
            "!!!!!!!!!!!!!!!!!!!!!!!!",
        ] {
            let mut bad_key = headers.clone();
            bad_key.insert(header::SEC_WEBSOCKET_KEY, HeaderValue::from_static(key));
            assert_eq!(
                refused(&Method::GET, v11, &bad_key),
                Some(StatusCode::BAD_REQUEST),
                "{key:?}"
            );
        }
        headers.remove(header::SEC_WEBSOCKET_KEY);
        assert_eq!(
            refused(&Method::GET, v11, &headers),
            Some(StatusCode::BAD_REQUEST)
        );
    }

    #[test]
    fn the_accept_key_is_the_rfc_6455_example() {
        // RFC 6455 §1.3.
        assert_eq!(
            derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }
}
