//! TLS for `wss://` and `https://` (docs/protocol.md §1.3: the real server serves both on port
//! 55050). The certificate comes from PEM files, or is generated self-signed at
//! start; either way its SHA-256 fingerprint is printed so a client can pin it.
//!
//! rustls with the `ring` provider, chosen explicitly, so no C toolchain is needed
//! for aws-lc and no process-wide default provider is assumed.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig as TlsServerConfig;
use rustls::crypto::ring::default_provider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The default TLS address (docs/protocol.md §1.1: `wss://<host>:55050/...`).
pub const DEFAULT_TLS_LISTEN: &str = "127.0.0.1:55050";

/// A certificate chain and its private key.
#[derive(Debug)]
pub struct TlsIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    self_signed: bool,
}

/// Why TLS could not be set up; each names the file or step and the fix.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file has no usable certificate.
    #[error(
        "cannot read a certificate from {path}: {reason}; pass a PEM file with -----BEGIN CERTIFICATE----- blocks (--cert)"
    )]
    Certificate {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The key file has no usable private key.
    #[error(
        "cannot read a private key from {path}: {reason}; pass a PEM file with a PKCS#8, PKCS#1 or SEC1 key (--key)"
    )]
    Key {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// Generating the self-signed certificate failed.
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(String),
    /// rustls refused the certificate and key (e.g. they do not belong together).
    #[error("the certificate and key cannot be used together: {0}")]
    Config(String),
}

impl TlsIdentity {
    /// A new self-signed certificate for `names` (DNS names or IP addresses, such
    /// as `localhost` and `127.0.0.1`), with a fresh key.
    ///
    /// # Errors
    /// [`TlsError::Generate`].
    pub fn self_signed(names: &[String]) -> Result<TlsIdentity, TlsError> {
        let generated = rcgen::generate_simple_self_signed(names.to_vec())
            .map_err(|e| TlsError::Generate(e.to_string()))?;
        let key = PrivatePkcs8KeyDer::from(generated.signing_key.serialize_der());
        Ok(TlsIdentity {
            chain: vec![generated.cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(key),
            self_signed: true,
        })
    }

    /// The chain in `cert` and the first private key in `key`, both PEM.
    ///
    /// # Errors
    /// [`TlsError::Certificate`] or [`TlsError::Key`] naming the file.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsIdentity, TlsError> {
        let cert_error = |reason: String| TlsError::Certificate {
            path: cert.display().to_string(),
            reason,
        };
        let chain = CertificateDer::pem_file_iter(cert)
            .map_err(|e| cert_error(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| cert_error(e.to_string()))?;
        if chain.is_empty() {
            return Err(cert_error("no certificate in the file".into()));
        }
        let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
            path: key.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(TlsIdentity {
            chain,
            key,
            self_signed: false,
        })
    }

    /// Whether the certificate was generated at start.
    pub fn is_self_signed(&self) -> bool {
        self.self_signed
    }

    /// The leaf certificate, DER-encoded: what a client trusts or pins.
    pub fn certificate(&self) -> &CertificateDer<'static> {
        &self.chain[0]
    }

    /// The leaf certificate as PEM text, e.g. for a client's trust store.
    pub fn certificate_pem(&self) -> String {
        pem("CERTIFICATE", self.certificate().as_ref())
    }

    /// The SHA-256 fingerprint of the leaf certificate, as `AB:CD:...` (the form
    /// browsers and `openssl x509 -fingerprint -sha256` show).
    pub fn fingerprint(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, self.certificate().as_ref());
        let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
        hex.join(":")
    }

    /// An acceptor serving this identity over TLS 1.2 and 1.3, HTTP/1.1 only.
    ///
    /// # Errors
    /// [`TlsError::Config`] when rustls refuses the pair.
    pub fn acceptor(&self) -> Result<TlsAcceptor, TlsError> {
        let mut config = TlsServerConfig::builder_with_provider(Arc::new(default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| TlsError::Config(e.to_string()))?;
        // Websocket upgrades need HTTP/1.1; say so to clients that negotiate ALPN.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

/// DER bytes as a PEM block with `label`, 64 base64 characters a line.
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .filter_map(|line| std::str::from_utf8(line).ok())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_identity_has_a_sha256_fingerprint_and_serves() {
        let identity = TlsIdentity::self_signed(&["localhost".to_string()]).expect("generated");

        let fingerprint = identity.fingerprint();

        assert_eq!(fingerprint.len(), 32 * 3 - 1, "{fingerprint}");
        assert!(fingerprint.split(':').all(|b| b.len() == 2));
        assert!(identity.acceptor().is_ok());
        assert!(
            identity
                .certificate_pem()
                .starts_with("-----BEGIN CERTIFICATE-----\n")
        );
    }

    #[test]
    fn pem_files_round_trip_and_bad_files_name_themselves() {
        let dir = std::env::temp_dir().join(format!("isym-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let generated =
            rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("generated");
        let (cert, key, junk) = (
            dir.join("cert.pem"),
            dir.join("key.pem"),
            dir.join("junk.pem"),
        );
        std::fs::write(&cert, pem("CERTIFICATE", generated.cert.der())).expect("write cert");
        let key_der = generated.signing_key.serialize_der();
        std::fs::write(&key, pem("PRIVATE KEY", &key_der)).expect("write key");
        std::fs::write(&junk, "not pem").expect("write junk");

        let loaded = TlsIdentity::from_pem_files(&cert, &key).expect("loaded");
        let no_cert = TlsIdentity::from_pem_files(&junk, &key).expect_err("no certificate");
        let no_key = TlsIdentity::from_pem_files(&cert, &junk).expect_err("no key");
        let _ = std::fs::remove_dir_all(&dir);

        assert!(loaded.acceptor().is_ok());
        assert!(!loaded.is_self_signed());
        assert!(no_cert.to_string().contains("junk.pem"), "{no_cert}");
        assert!(no_key.to_string().contains("--key"), "{no_key}");
    }
}
