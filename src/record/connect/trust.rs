//! Which TLS servers the recorder trusts: a `--ca` file, `--insecure`, or the
//! system's CA bundle (read from the usual files, so no extra crate is needed).

use std::path::PathBuf;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::ring::default_provider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// Files where Linux and BSD systems keep their CA bundle; `SSL_CERT_FILE` first.
const SYSTEM_CA_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

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
