//! Reaching a real server from the recorder: its URLs (credentials taken out of
//! them, so they are never written), plain or TLS streams, the websocket upgrade
//! with HTTP Basic, and one small HTTP/1.1 GET for the Live API.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::ring::default_provider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::{self, protocol::WebSocketConfig};

use crate::server::Credentials;

/// Files where Linux and BSD systems keep their CA bundle; `SSL_CERT_FILE` first.
const SYSTEM_CA_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// How long a connection (TCP, TLS and upgrade) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A `ws`/`wss`/`http`/`https` URL split into what a connection needs; shown
/// without any `user:password@`.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// TLS or not.
    pub secure: bool,
    /// Host as written (an IPv6 address keeps its brackets).
    pub host: String,
    /// Port, explicit or the scheme's default.
    pub port: u16,
    /// Path and query, at least `/`.
    pub path: String,
    /// Credentials from the URL's userinfo, if it had any.
    pub userinfo: Option<Credentials>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown("ws"))
    }
}

impl Endpoint {
    /// Parses `url`; `schemes` are the plain and TLS scheme names it may use.
    ///
    /// # Errors
    /// A readable reason naming the expected form.
    pub fn parse(url: &str, schemes: (&str, &str)) -> Result<Endpoint, String> {
        let expected = format!(
            "expected {}://HOST:PORT/PATH or {}://...",
            schemes.0, schemes.1
        );
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("`{}` is not a URL; {expected}", redact(url)))?;
        let secure = match scheme.to_ascii_lowercase() {
            s if s == schemes.0 => false,
            s if s == schemes.1 => true,
            _ => {
                return Err(format!(
                    "`{}`: unsupported scheme `{scheme}`; {expected}",
                    redact(url)
                ));
            }
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((info, hostport)) => {
                let (user, password) = info.split_once(':').unwrap_or((info, ""));
                (
                    Some(Credentials::new(
                        percent_decode(user),
                        percent_decode(password),
                    )),
                    hostport,
                )
            }
            None => (None, authority),
        };
        let default_port = if secure { 443 } else { 80 };
        let (host, port) = split_host_port(hostport, default_port)
            .ok_or_else(|| format!("`{}`: bad host or port; {expected}", redact(url)))?;
        Ok(Endpoint {
            secure,
            host,
            port,
            path,
            userinfo,
        })
    }

    /// The URL without credentials, with `plain` or its TLS form as the scheme.
    pub fn shown(&self, plain: &str) -> String {
        let scheme = if self.secure {
            format!("{plain}s")
        } else {
            plain.to_string()
        };
        format!("{scheme}://{}:{}{}", self.host, self.port, self.path)
    }

    /// `host:port` for the connection and the `Host` header.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The same server with another path.
    pub fn with_path(&self, path: &str) -> Endpoint {
        Endpoint {
            path: path.to_string(),
            ..self.clone()
        }
    }
}

/// `url` with any `user:password@` replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start && !url[start + 3..at].contains('/') => {
            format!("{}***@{}", &url[..start + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn split_host_port(hostport: &str, default_port: u16) -> Option<(String, u16)> {
    if hostport.is_empty() {
        return None;
    }
    if let Some(rest) = hostport.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => port.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((format!("[{ip}]"), port));
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => Some((host.to_string(), port.parse().ok()?)),
        Some(_) => None,
        None => Some((hostport.to_string(), default_port)),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How TLS servers are trusted.
#[derive(Debug, Clone, Default)]
pub struct TlsTrust {
    /// Trust only the certificates in this PEM file.
    pub ca: Option<PathBuf>,
    /// Trust any certificate (a self-signed box, at the user's risk).
    pub insecure: bool,
}

impl TlsTrust {
    /// The rustls client configuration: `--insecure`, else `--ca`, else the system's bundle.
    ///
    /// # Errors
    /// A readable reason: an unreadable or empty CA file, no system bundle.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, String> {
        let builder = ClientConfig::builder_with_provider(Arc::new(default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let config = if self.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate))
                .with_no_client_auth()
        } else {
            let roots = match &self.ca {
                Some(path) => roots_from(path)?,
                None => system_roots()?,
            };
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        Ok(Arc::new(config))
    }
}

fn roots_from(path: &std::path::Path) -> Result<RootCertStore, String> {
    let shown = path.display();
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|err| format!("--ca {shown}: cannot read it: {err}"))?;
    for cert in certs {
        let cert = cert.map_err(|err| format!("--ca {shown}: not PEM certificates: {err}"))?;
        roots
            .add(cert)
            .map_err(|err| format!("--ca {shown}: a certificate rustls refuses: {err}"))?;
    }
    if roots.is_empty() {
        return Err(format!(
            "--ca {shown}: no `BEGIN CERTIFICATE` block in it; give the server's certificate or its CA in PEM"
        ));
    }
    Ok(roots)
}

fn system_roots() -> Result<RootCertStore, String> {
    let from_env = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
    let candidates = from_env
        .into_iter()
        .chain(SYSTEM_CA_BUNDLES.iter().map(PathBuf::from));
    for path in candidates {
        if path.is_file()
            && let Ok(roots) = roots_from(&path)
        {
            return Ok(roots);
        }
    }
    Err(format!(
        "no system CA bundle found (looked at $SSL_CERT_FILE and {}); pass --ca FILE with the server's certificate, or --insecure for a self-signed one",
        SYSTEM_CA_BUNDLES.join(", ")
    ))
}

/// `--insecure`: accepts any certificate, still checking the handshake signatures.
#[derive(Debug)]
struct AnyCertificate;

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &default_provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &default_provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

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

/// The answer to one GET: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// The status code.
    pub status: u16,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

/// Bodies larger than this are cut off (a Live API collection is far smaller).
pub const MAX_BODY: usize = 64 << 20;

/// `GET endpoint` with HTTP Basic `credentials`, on a fresh connection.
///
/// # Errors
/// A readable reason when no whole HTTP answer came.
pub async fn get(
    endpoint: &Endpoint,
    credentials: &Credentials,
    tls: Option<&Arc<ClientConfig>>,
    patience: Duration,
) -> Result<HttpAnswer, String> {
    let exchange = async {
        let mut stream = open(endpoint, tls).await?;
        let head = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
            endpoint.path,
            endpoint.address(),
            credentials.basic_header()
        );
        stream
            .write_all(head.as_bytes())
            .await
            .map_err(|err| format!("cannot send the request: {err}"))?;
        let mut raw = Vec::new();
        let read = (&mut stream)
            .take(MAX_BODY as u64)
            .read_to_end(&mut raw)
            .await;
        // A TLS server may close without close_notify; what arrived still counts.
        if let Err(err) = read
            && raw.is_empty()
        {
            return Err(format!("cannot read the answer: {err}"));
        }
        parse_answer(&raw)
    };
    tokio::time::timeout(patience, exchange)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {patience:?}")))
}

fn parse_answer(raw: &[u8]) -> Result<HttpAnswer, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the answer is not HTTP (no end of headers)")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("the answer is not HTTP (no status line)")?;
    let mut body = raw[split + 4..].to_vec();
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = value.parse::<usize>().ok();
        }
        if name == "transfer-encoding" && value.to_ascii_lowercase().contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        body = dechunk(&body)?;
    } else if let Some(length) = length {
        body.truncate(length);
    }
    Ok(HttpAnswer { status, body })
}

fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a chunked body ends early")?;
        let size_text = String::from_utf8_lossy(&raw[..end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size `{size_text}`"))?;
        raw = &raw[end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(raw.get(..size).ok_or("a chunked body ends early")?);
        raw = raw.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials_but_keep_the_rest() {
        let e = Endpoint::parse(
            "wss://me:p%40ss@pbx.example:55050/communication_manager/ws/event",
            ("ws", "wss"),
        )
        .expect("a URL");
        assert!(e.secure);
        assert_eq!(e.port, 55050);
        let creds = e.userinfo.clone().expect("userinfo");
        assert_eq!((creds.username(), creds.password()), ("me", "p@ss"));
        assert_eq!(
            e.shown("ws"),
            "wss://pbx.example:55050/communication_manager/ws/event"
        );
        assert_eq!(redact("ws://me:secret@h:1/x"), "ws://***@h:1/x");
        assert_eq!(redact("ws://h:1/x@y"), "ws://h:1/x@y");
    }

    #[test]
    fn ports_default_by_scheme_and_ipv6_keeps_brackets() {
        let e = Endpoint::parse("http://[::1]/a", ("http", "https")).expect("a URL");
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("[::1]", 80, "/a")
        );
        let e = Endpoint::parse("https://h", ("http", "https")).expect("a URL");
        assert_eq!((e.port, e.path.as_str()), (443, "/"));
        for bad in [
            "h:1/x",
            "ftp://h/x",
            "ws://:5/x",
            "ws://h:port/x",
            "ws:///x",
        ] {
            assert!(Endpoint::parse(bad, ("ws", "wss")).is_err(), "{bad}");
        }
    }

    #[test]
    fn answers_are_read_with_length_or_chunks() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}junk";
        assert_eq!(parse_answer(plain).map(|a| a.body), Ok(b"{}".to_vec()));
        let chunked =
            b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nnot\r\n0\r\n\r\n";
        assert_eq!(
            parse_answer(chunked),
            Ok(HttpAnswer {
                status: 404,
                body: b"not".to_vec()
            })
        );
    }
}
