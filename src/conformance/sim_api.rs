//! A small client of our server's control API (`/sim/`), for replay mode: found
//! from the Event API URL (same host, port and credentials; `http` for `ws`,
//! `https` for `wss`), one HTTP/1.1 request per connection.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::server::Credentials;

use super::connection::{Connector, Endpoint};

/// What one step applied, from `POST /sim/step?to=batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Virtual ms of the batch.
    pub virtual_ms: u64,
    /// Events it published (before any connection's filter).
    pub events: u64,
}

/// The control API of the server behind one Event API URL.
#[derive(Debug, Clone)]
pub struct SimApi {
    /// Where to connect, and whether through TLS.
    endpoint: Endpoint,
    /// Opens the connections (TLS settings included).
    connector: Connector,
    /// The `Authorization` header.
    authorization: String,
    /// How long one request may take.
    patience: Duration,
    /// `http://host:port` (or `https://`), for messages.
    base: String,
}

impl SimApi {
    /// The control API next to the Event API at `url` (`ws://host:port/...` or
    /// `wss://`), reached with `connector`.
    ///
    /// # Errors
    /// A readable reason when the URL is not a websocket URL with a host.
    pub fn for_event_url(
        url: &str,
        credentials: &Credentials,
        connector: &Connector,
        patience: Duration,
    ) -> Result<SimApi, String> {
        let endpoint = Endpoint::of(url)?;
        let scheme = if endpoint.tls { "https" } else { "http" };
        Ok(SimApi {
            base: format!("{scheme}://{}", endpoint.authority()),
            endpoint,
            connector: connector.clone(),
            authorization: credentials.basic_header(),
            patience,
        })
    }

    /// `http://host:port` (or `https://`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET /sim/status`, which must be our status object.
    ///
    /// # Errors
    /// Why there is no control API there (unreachable, not 200, not our JSON).
    pub async fn status(&self) -> Result<Value, String> {
        let status = self.json("GET", "/sim/status", b"").await?;
        let ours = status.get("virtualMs").is_some() && status.get("paused").is_some();
        if ours {
            Ok(status)
        } else {
            Err(format!(
                "GET {}/sim/status answered JSON that is not our status: {status}",
                self.base
            ))
        }
    }

    /// `POST /sim/{route}` with `body`, which must answer 200 with JSON.
    ///
    /// # Errors
    /// A readable reason, with the server's answer when there is one.
    pub async fn post(&self, route: &str, body: &[u8]) -> Result<Value, String> {
        self.json("POST", &format!("/sim/{route}"), body).await
    }

    /// `POST /sim/step?to=batch`: exactly one batch; `None` when the run is over (409).
    ///
    /// # Errors
    /// A readable reason for anything else than 200 or 409.
    pub async fn step_batch(&self) -> Result<Option<Step>, String> {
        let path = "/sim/step?to=batch";
        let (code, body) = self.request("POST", path, b"").await?;
        if code == 409 {
            return Ok(None);
        }
        let stepped = self.expect_json("POST", path, code, &body)?;
        let field = |name: &str| {
            stepped.get(name).and_then(Value::as_u64).ok_or_else(|| {
                format!(
                    "POST {}{path} answered without a whole `{name}`: {stepped}",
                    self.base
                )
            })
        };
        Ok(Some(Step {
            virtual_ms: field("virtualMs")?,
            events: field("events")?,
        }))
    }

    /// `GET {path}`, which must answer 200 with JSON.
    ///
    /// # Errors
    /// A readable reason, with the server's answer when there is one.
    pub async fn get(&self, path: &str) -> Result<Value, String> {
        self.json("GET", path, b"").await
    }

    async fn json(&self, method: &str, path: &str, body: &[u8]) -> Result<Value, String> {
        let (code, answer) = self.request(method, path, body).await?;
        self.expect_json(method, path, code, &answer)
    }

    fn expect_json(
        &self,
        method: &str,
        path: &str,
        code: u16,
        body: &str,
    ) -> Result<Value, String> {
        let shown = format!("{method} {}{path}", self.base);
        if code != 200 {
            return Err(format!("{shown} answered {code}: {}", body.trim_end()));
        }
        serde_json::from_str(body)
            .map_err(|err| format!("{shown} answered 200 but not JSON ({err})"))
    }

    /// One request on a fresh connection; the status code and the body.
    async fn request(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<(u16, String), String> {
        let shown = format!("{method} {}{path}", self.base);
        let exchange = async {
            let mut socket = self.connector.stream(&self.endpoint).await?;
            let head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                self.endpoint.authority(),
                self.authorization,
                body.len()
            );
            socket
                .write_all(&[head.as_bytes(), body].concat())
                .await
                .map_err(|err| format!("cannot send: {err}"))?;
            let mut raw = Vec::new();
            // A TLS peer that closes without close_notify still sent a whole answer.
            if let Err(err) = socket.read_to_end(&mut raw).await
                && (raw.is_empty() || err.kind() != std::io::ErrorKind::UnexpectedEof)
            {
                return Err(format!("cannot read the answer: {err}"));
            }
            parse_response(&raw)
        };
        match tokio::time::timeout(self.patience, exchange).await {
            Ok(result) => result.map_err(|reason| format!("{shown}: {reason}")),
            Err(_) => Err(format!("{shown}: no answer within {:?}", self.patience)),
        }
    }
}

/// The status code and body of a whole HTTP/1.1 response.
fn parse_response(raw: &[u8]) -> Result<(u16, String), String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the answer is not HTTP (no end of headers)")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let code = lines
        .next()
        .and_then(|status| status.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("the answer is not HTTP (no status line)")?;
    let chunked = lines.any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if chunked {
        body = dechunk(&body)?;
    }
    Ok((code, String::from_utf8_lossy(&body).into_owned()))
}

/// The payload of a chunked body.
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
        let chunk = raw.get(..size).ok_or("a chunked body ends early")?;
        out.extend_from_slice(chunk);
        raw = raw.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_control_api_sits_next_to_the_event_api() {
        let at = |url: &str| {
            let connector = Connector::new(url, &Credentials::default(), &Default::default())
                .expect("connector");
            SimApi::for_event_url(url, &Credentials::default(), &connector, Duration::ZERO)
                .expect("a ws URL")
                .base()
                .to_string()
        };
        assert_eq!(
            at("ws://127.0.0.1:58080/communication_manager/ws/event"),
            "http://127.0.0.1:58080"
        );
        assert_eq!(at("ws://[::1]/x"), "http://[::1]:80");
        let insecure = crate::conformance::connection::TlsSettings {
            ca: None,
            insecure: true,
        };
        let connector =
            Connector::new("wss://pbx:55050/x", &Credentials::default(), &insecure).expect("tls");
        let api = SimApi::for_event_url(
            "wss://pbx:55050/x",
            &Credentials::default(),
            &connector,
            Duration::ZERO,
        )
        .expect("a wss URL");
        assert_eq!(api.base(), "https://pbx:55050");
    }

    #[test]
    fn responses_are_read_with_or_without_chunks() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain), Ok((200, "{}".to_string())));
        let chunked =
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnot \r\n5\r\nfound\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Ok((404, "not found".to_string())));
        assert!(parse_response(b"SSH-2.0").is_err());
    }
}
