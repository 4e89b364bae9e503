//! Reaching a real server from the recorder: its URLs ([`endpoint`]: credentials
//! taken out of them, so they are never written), TLS trust ([`trust`]), plain or
//! TLS streams, the websocket upgrade with HTTP Basic, and one small HTTP/1.1 GET
//! for the Live API ([`http`]).

pub mod endpoint;
pub mod http;
pub mod trust;

use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::{self, protocol::WebSocketConfig};

pub use endpoint::{Endpoint, redact};
pub use http::{HttpAnswer, MAX_BODY, get};
pub use trust::TlsTrust;

use crate::server::Credentials;

/// How long a connection (TCP, TLS and upgrade) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A plain or TLS byte stream.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Opens a TCP (and, for a secure endpoint, TLS) connection.
///
/// # Errors
/// A readable reason, within [`CONNECT_TIMEOUT`].
pub async fn open(
    endpoint: &Endpoint,
    tls: Option<&Arc<ClientConfig>>,
) -> Result<Box<dyn Io>, String> {
    let connecting = async {
        let tcp = TcpStream::connect(endpoint.address())
            .await
            .map_err(|err| format!("cannot connect to {}: {err}", endpoint.address()))?;
        let _ = tcp.set_nodelay(true);
        if !endpoint.secure {
            return Ok(Box::new(tcp) as Box<dyn Io>);
        }
        let config = tls.ok_or("a TLS endpoint needs a TLS configuration")?;
        let name = endpoint.host.trim_start_matches('[').trim_end_matches(']');
        let server_name = ServerName::try_from(name.to_string())
            .map_err(|err| format!("`{name}` is not a TLS server name: {err}"))?;
        let stream = TlsConnector::from(Arc::clone(config))
            .connect(server_name, tcp)
            .await
            .map_err(|err| format!("TLS handshake with {} failed: {err}", endpoint.address()))?;
        Ok(Box::new(stream) as Box<dyn Io>)
    };
    tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no connection to {} within {CONNECT_TIMEOUT:?}",
                endpoint.address()
            ))
        })
}

/// Why a websocket could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpgradeFailure {
    /// The server answered the upgrade with an HTTP status: retrying will not help.
    Refused(String),
    /// The network or the handshake failed: worth another try.
    Unreachable(String),
}

/// Opens the Event API websocket with HTTP Basic `credentials`.
///
/// # Errors
/// [`UpgradeFailure`], telling a refusal (401, 403) from a network problem.
pub async fn websocket(
    endpoint: &Endpoint,
    credentials: &Credentials,
    tls: Option<&Arc<ClientConfig>>,
) -> Result<WebSocketStream<Box<dyn Io>>, UpgradeFailure> {
    let stream = open(endpoint, tls)
        .await
        .map_err(UpgradeFailure::Unreachable)?;
    let mut request = endpoint
        .shown("ws")
        .into_client_request()
        .map_err(|err| UpgradeFailure::Refused(format!("bad target URL: {err}")))?;
    let header = HeaderValue::from_str(&credentials.basic_header())
        .map_err(|_| UpgradeFailure::Refused("the credentials do not fit in a header".into()))?;
    request.headers_mut().insert(AUTHORIZATION, header);
    // Frames of any size a server may send; the capture keeps them whole.
    let config = WebSocketConfig::default()
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20));
    let upgrade = tokio_tungstenite::client_async_with_config(request, stream, Some(config));
    match tokio::time::timeout(CONNECT_TIMEOUT, upgrade).await {
        Err(_) => Err(UpgradeFailure::Unreachable(format!(
            "no websocket upgrade from {} within {CONNECT_TIMEOUT:?}",
            endpoint.address()
        ))),
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(tungstenite::Error::Http(response))) => {
            let status = response.status();
            let hint = match status.as_u16() {
                401 | 403 => {
                    "; check --username/--password and that the server's ACL allows this address"
                }
                404 => "; check the path (/communication_manager/ws/event)",
                _ => "",
            };
            Err(UpgradeFailure::Refused(format!(
                "{} refused the websocket upgrade with {status}{hint}",
                endpoint.shown("ws")
            )))
        }
        Ok(Err(err)) => Err(UpgradeFailure::Unreachable(format!(
            "websocket upgrade with {} failed: {err}",
            endpoint.address()
        ))),
    }
}
