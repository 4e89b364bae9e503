//! One small HTTP/1.1 GET with Basic auth, for the Live API snapshots.

use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Endpoint, open};
use crate::server::Credentials;

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
