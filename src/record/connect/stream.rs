//! A plain or TLS byte stream to the server, opened within [`CONNECT_TIMEOUT`]:
//! what both the websocket upgrade and the Live API GET run over.

use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::endpoint::Endpoint;

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
