//! Reaching a target: websocket connections (`ws://`, `wss://`) and plain HTTP
//! requests (`http://`, `https://` for `/sim/`), with Basic credentials.
//!
//! TLS is rustls with the ring provider (the one the server uses). Certificates
//! are checked against the operating system's roots (rustls-native-certs: the
//! store a company installs its private CAs into, kept up to date by the OS, where
//! a compiled-in bundle would miss those and go stale), or against `--ca FILE`
//! alone, or not at all with `--insecure`, which every report names loudly.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::ClientConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring::default_provider};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::Uri;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;

use crate::server::Credentials;

/// A websocket to the target.
pub type Socket = WebSocketStream<Transport>;

/// How a TLS target's certificate is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// Trust only the CA certificates in this PEM file (instead of the system's).
    pub ca: Option<PathBuf>,
    /// Do not check the certificate at all.
    pub insecure: bool,
}

/// Opens connections to one target, with its TLS settings prepared once.
#[derive(Clone)]
pub struct Connector {
    credentials: Credentials,
    tls: Option<Arc<ClientConfig>>,
    /// How certificates are checked, for the report.
    checking: String,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("checking", &self.checking)
            .finish_non_exhaustive()
    }
}

/// The plain or TLS byte stream under a connection.
pub enum Transport {
    /// `ws://`, `http://`.
    Plain(TcpStream),
    /// `wss://`, `https://`.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Where one URL points: scheme, host (without IPv6 brackets) and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Whether the scheme is `wss` or `https`.
    pub tls: bool,
    /// The host as written, without brackets.
    pub host: String,
    /// The port, or the scheme's default.
    pub port: u16,
}

impl Endpoint {
    /// The endpoint of a `ws`, `wss`, `http` or `https` URL.
    ///
    /// # Errors
    /// A readable reason for any other URL.
    pub fn of(url: &str) -> Result<Endpoint, String> {
        let uri: Uri = url
            .parse()
            .map_err(|err| format!("invalid target URL {url}: {err}"))?;
        let tls = match uri.scheme_str() {
            Some("ws" | "http") => false,
            Some("wss" | "https") => true,
            _ => {
                return Err(format!(
                    "invalid target URL {url}: expected ws://, wss://, http:// or https://"
                ));
            }
        };
        let host = uri
            .host()
            .ok_or_else(|| format!("invalid target URL {url}: no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        Ok(Endpoint { tls, host, port })
    }

    /// `host:port`, with brackets around an IPv6 address.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl Connector {
    /// A connector sending `credentials`, checking certificates as `tls` says. The
    /// TLS configuration is built only when `url` is a TLS URL.
    ///
    /// # Errors
    /// A readable reason when the CA file cannot be used.
    pub fn new(
        url: &str,
        credentials: &Credentials,
        tls: &TlsSettings,
    ) -> Result<Connector, String> {
        let uses_tls = Endpoint::of(url).is_ok_and(|e| e.tls);
        let (config, checking) = if uses_tls {
            let (config, checking) = client_config(tls)?;
            (Some(Arc::new(config)), checking)
        } else {
            (None, "no TLS (plain ws:// and http://)".to_string())
        };
        Ok(Connector {
            credentials: credentials.clone(),
            tls: config,
            checking,
        })
    }

    /// How certificates are checked, for the report; `None` without TLS.
    pub fn tls_note(&self) -> Option<&str> {
        self.tls.as_ref().map(|_| self.checking.as_str())
    }

    /// A byte stream to `endpoint`, through TLS when it asks for it.
    ///
    /// # Errors
    /// Why the connection or the TLS handshake failed.
    pub async fn stream(&self, endpoint: &Endpoint) -> Result<Transport, String> {
        let address = endpoint.authority();
        let tcp = TcpStream::connect(&address)
            .await
            .map_err(|err| format!("cannot connect to {address}: {err}"))?;
        if !endpoint.tls {
            return Ok(Transport::Plain(tcp));
        }
        let config = self.tls.clone().ok_or_else(|| {
            format!("{address} needs TLS, but this connector was made for a plain URL")
        })?;
        let name = ServerName::try_from(endpoint.host.clone())
            .map_err(|err| format!("{} is not a valid TLS server name: {err}", endpoint.host))?;
        let tls = TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|err| {
                format!(
                    "TLS handshake with {address} failed: {err} (certificates checked: {}; --ca FILE trusts a private CA, --insecure skips the check)",
                    self.checking
                )
            })?;
        Ok(Transport::Tls(Box::new(tls)))
    }

    /// Opens an Event API connection to `url` with Basic credentials.
    ///
    /// # Errors
    /// A readable reason when the URL is invalid or the upgrade fails.
    pub async fn websocket(&self, url: &str) -> Result<Socket, String> {
        let endpoint = Endpoint::of(url)?;
        let mut request = url
            .into_client_request()
            .map_err(|err| format!("invalid target URL {url}: {err}"))?;
        let header = self
            .credentials
            .basic_header()
            .parse()
            .map_err(|err| format!("credentials cannot be sent as a header: {err}"))?;
        request.headers_mut().insert(AUTHORIZATION, header);
        let stream = self.stream(&endpoint).await?;
        let (socket, _) = tokio_tungstenite::client_async(request, stream)
            .await
            .map_err(|err| format!("cannot connect to {url}: {err}"))?;
        Ok(socket)
    }
}

fn client_config(tls: &TlsSettings) -> Result<(ClientConfig, String), String> {
    let provider = Arc::new(default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("cannot set up TLS: {err}"))?;
    if tls.insecure {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth();
        return Ok((
            config,
            "certificate NOT verified (--insecure): the connection is encrypted, but anyone between here and the target could pose as it".to_string(),
        ));
    }
    let mut roots = RootCertStore::empty();
    let checking = match &tls.ca {
        Some(path) => {
            let shown = path.display();
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|err| format!("--ca {shown}: cannot read it: {err}"))?
                .collect::<Result<_, _>>()
                .map_err(|err| format!("--ca {shown}: not PEM certificates: {err}"))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "--ca {shown}: no usable certificate; pass a PEM file with -----BEGIN CERTIFICATE----- blocks"
                ));
            }
            format!("certificate verified against --ca {shown} only ({added} CA certificate(s))")
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(format!(
                    "no system root certificates found ({}); pass --ca FILE, or --insecure to skip the check",
                    found
                        .errors
                        .first()
                        .map_or_else(|| "the store is empty".to_string(), ToString::to_string)
                ));
            }
            format!("certificate verified against the system's {added} root certificates")
        }
    };
    Ok((
        builder.with_root_certificates(roots).with_no_client_auth(),
        checking,
    ))
}

/// `--insecure`: accepts any certificate, but still checks that the handshake is
/// signed by the key the certificate names, as the protocol requires.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

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
            &self.0.signature_verification_algorithms,
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
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_have_scheme_defaults_and_bracketed_ipv6() {
        let e = Endpoint::of("wss://pbx.example/communication_manager/ws/event").expect("url");
        assert_eq!(
            (e.tls, e.port, e.authority().as_str()),
            (true, 443, "pbx.example:443")
        );
        let v6 = Endpoint::of("ws://[::1]:58080/x").expect("url");
        assert_eq!(
            (v6.host.as_str(), v6.authority().as_str()),
            ("::1", "[::1]:58080")
        );
        assert!(Endpoint::of("ftp://x/").is_err());
    }

    #[test]
    fn insecure_is_named_loudly_and_a_bad_ca_file_is_an_error() {
        let insecure = TlsSettings {
            ca: None,
            insecure: true,
        };
        let connector = Connector::new("wss://h/x", &Credentials::default(), &insecure)
            .expect("insecure config");
        assert!(
            connector
                .tls_note()
                .is_some_and(|n| n.contains("NOT verified"))
        );
        let missing = TlsSettings {
            ca: Some(PathBuf::from("/nonexistent/ca.pem")),
            insecure: false,
        };
        let err = Connector::new("wss://h/x", &Credentials::default(), &missing).unwrap_err();
        assert!(err.contains("--ca /nonexistent/ca.pem"), "{err}");
        let plain = Connector::new("ws://h/x", &Credentials::default(), &missing)
            .expect("a plain URL needs no CA");
        assert_eq!(plain.tls_note(), None);
    }
}
