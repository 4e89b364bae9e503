//! What `serve` sets up before it listens: the TLS identity `--tls` presents (the
//! certificate from `--cert`/`--key`, or a self-signed one generated at start), and
//! the wall-clock epoch when `--epoch` is not given.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use isymphony_sim::server::TlsIdentity;

/// The certificate from `cert`/`key`, or a self-signed one for the local names
/// and the TLS address.
pub fn tls_identity(
    cert: Option<&Path>,
    key: Option<&Path>,
    tls_listen: SocketAddr,
) -> anyhow::Result<TlsIdentity> {
    if let (Some(cert), Some(key)) = (cert, key) {
        return Ok(TlsIdentity::from_pem_files(cert, key)?);
    }
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let ip = tls_listen.ip();
    if !ip.is_unspecified() && !names.contains(&ip.to_string()) {
        names.push(ip.to_string());
    }
    Ok(TlsIdentity::self_signed(&names)?)
}

/// Now, in Unix epoch milliseconds.
pub fn wall_clock_ms() -> anyhow::Result<i64> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970; pass --epoch")?;
    i64::try_from(since.as_millis()).context("the system clock is out of range; pass --epoch")
}
