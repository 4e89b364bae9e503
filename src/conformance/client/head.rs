//! HTTP heads as the tap reads them: where a request head ends, its path, whether
//! it asks for a websocket, whose Basic credentials it carries (the username,
//! never the password), and a response's status.

use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::journal::Auth;

/// Longest request or response head the tap reads.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// How long a head may take to arrive.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads up to the end of an HTTP head; returns the head and what came after it.
pub async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + HEAD_TIMEOUT;
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = bytes.split_off(end + 4);
            return Ok((bytes, rest));
        }
        if bytes.len() > MAX_HEAD_BYTES {
            return Err(std::io::Error::other("HTTP head too long"));
        }
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .map_err(|_| std::io::Error::other("no HTTP head"))??;
        if n == 0 {
            return Err(std::io::Error::other("closed before the HTTP head ended"));
        }
        bytes.extend_from_slice(&buf[..n]);
    }
}

/// What the tap needs of a request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The request path (and query).
    pub path: String,
    /// Whether it asks for a websocket upgrade.
    pub upgrade: bool,
    /// Its credentials.
    pub auth: Auth,
}

impl Request {
    /// Reads a request head.
    pub fn parse(head: &[u8]) -> Request {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let path = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .unwrap_or("")
            .to_string();
        let mut upgrade = false;
        let mut auth = Auth::Missing;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("upgrade") {
                upgrade |= value.eq_ignore_ascii_case("websocket");
            } else if name.eq_ignore_ascii_case("authorization") {
                auth = auth_of(value);
            }
        }
        Request {
            path,
            upgrade,
            auth,
        }
    }
}

/// The username of a Basic `Authorization` value, never the password.
fn auth_of(value: &str) -> Auth {
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Auth::Other(scheme.to_string());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    match decoded.as_deref().and_then(|d| d.split_once(':')) {
        Some((username, _)) => Auth::Basic(username.to_string()),
        None => Auth::Other("Basic (not base64 of user:password)".to_string()),
    }
}

/// The status code of a response head; 0 when it has none.
pub fn status_of(head: &[u8]) -> u16 {
    String::from_utf8_lossy(head)
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::EVENT_PATH;

    #[test]
    fn request_heads_give_path_upgrade_and_username_only() {
        let head = b"GET /communication_manager/ws/event HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nAuthorization: Basic bWFuYWdlcjptYW5hZzNycGE1NXdvcmQ=\r\n\r\n";
        let request = Request::parse(head);
        assert_eq!(request.path, EVENT_PATH);
        assert!(request.upgrade);
        assert_eq!(request.auth, Auth::Basic("manager".to_string()));
        let plain = Request::parse(b"GET /x HTTP/1.1\r\nAuthorization: Bearer t\r\n\r\n");
        assert!(!plain.upgrade);
        assert_eq!(plain.auth, Auth::Other("Bearer".to_string()));
        assert_eq!(status_of(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"), 101);
    }
}
