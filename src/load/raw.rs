//! A minimal websocket client transport for the load generator (RFC 6455, `ws://`
//! only, no extensions): our own upgrade request, then frames read straight out of
//! one growing buffer.
//!
//! Why not tokio-tungstenite: at two million frames a second on two cores shared
//! with the server under test, its per-frame allocation and UTF-8 validation made
//! the load generator, not the server, the bottleneck. The load generator needs
//! no more than a frame's opcode and payload bytes.

use std::io;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Largest upgrade response accepted.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;

/// Bytes requested per read; the buffer grows only for larger frames.
const READ_CHUNK: usize = 64 * 1024;

/// Largest frame accepted: events are a few hundred bytes.
const MAX_FRAME: u64 = 16 * 1024 * 1024;

/// What arrived.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// A complete text message (its payload bytes, not validated as UTF-8).
    Text(&'a [u8]),
    /// The server closed the connection, with its close code if it sent one.
    Close(Option<u16>),
}

/// A `ws://` address split into what the upgrade needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsAddress {
    /// Host name or address, without brackets.
    pub host: String,
    /// TCP port (80 when the URL names none).
    pub port: u16,
    /// `host[:port]` as written, for the Host header.
    pub authority: String,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl WsAddress {
    /// Splits a `ws://` URL; `None` when it is not one.
    pub fn parse(url: &str) -> Option<WsAddress> {
        let rest = url.strip_prefix("ws://")?;
        let (authority, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']')?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        let port = match port {
            Some(p) => p.parse().ok()?,
            None => 80,
        };
        (!host.is_empty()).then(|| WsAddress {
            host: host.to_string(),
            port,
            authority: authority.to_string(),
            path: path.to_string(),
        })
    }
}

/// One client connection after the upgrade.
#[derive(Debug)]
pub struct RawSocket {
    stream: TcpStream,
    buffer: Vec<u8>,
    /// Where unread bytes start in `buffer`.
    start: usize,
    /// Payload of a fragmented text message being assembled.
    fragments: Vec<u8>,
    /// `fragments` holds a message already handed out.
    assembled: bool,
    /// Keeps masking keys changing from frame to frame.
    mask_seed: u32,
}

/// Why an upgrade did not give a websocket.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    /// The TCP connection could not be made.
    #[error("cannot connect: {0}")]
    Connect(io::Error),
    /// The connection failed during the upgrade.
    #[error("upgrade failed: {0}")]
    Io(io::Error),
    /// The server answered with another status than 101 (the status line follows).
    #[error("upgrade refused: {1}")]
    Status(u16, String),
    /// The server's answer was not an HTTP response, or broke off.
    #[error("bad upgrade answer: {0}")]
    Malformed(String),
}

fn invalid(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

impl RawSocket {
    /// Connects and upgrades, sending `authorization` as the header value if given.
    ///
    /// # Errors
    /// [`UpgradeError`]: the TCP connection failed, the server answered another
    /// status than 101, or the exchange broke off.
    pub async fn connect(
        address: &WsAddress,
        authorization: Option<&str>,
    ) -> Result<Self, UpgradeError> {
        let stream = TcpStream::connect((address.host.as_str(), address.port))
            .await
            .map_err(UpgradeError::Connect)?;
        stream.set_nodelay(true).map_err(UpgradeError::Io)?;
        let key = tokio_tungstenite::tungstenite::handshake::client::generate_key();
        let mut request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n",
            address.path, address.authority
        );
        if let Some(value) = authorization {
            request.push_str(&format!("Authorization: {value}\r\n"));
        }
        request.push_str("\r\n");
        let mut socket = RawSocket {
            stream,
            buffer: Vec::with_capacity(READ_CHUNK),
            start: 0,
            fragments: Vec::new(),
            assembled: false,
            mask_seed: u32::from_le_bytes(key.as_bytes()[..4].try_into().unwrap_or([7; 4])),
        };
        socket
            .stream
            .write_all(request.as_bytes())
            .await
            .map_err(UpgradeError::Io)?;
        let head_end = loop {
            if let Some(at) = find(&socket.buffer, b"\r\n\r\n") {
                break at + 4;
            }
            if socket.buffer.len() > MAX_RESPONSE_HEAD {
                return Err(UpgradeError::Malformed("upgrade response too long".into()));
            }
            match socket.stream.read_buf(&mut socket.buffer).await {
                Ok(0) => {
                    return Err(UpgradeError::Malformed(
                        "connection closed during the upgrade".into(),
                    ));
                }
                Ok(_) => {}
                Err(err) => return Err(UpgradeError::Io(err)),
            }
        };
        let status_line = socket
            .buffer
            .split(|b| *b == b'\n')
            .next()
            .unwrap_or_default();
        let line = String::from_utf8_lossy(status_line).trim().to_string();
        // "HTTP/1.1 101 Switching Protocols": the status is the second word.
        let status = line
            .strip_prefix("HTTP/1.")
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|code| code.parse::<u16>().ok());
        match status {
            Some(101) => {}
            Some(status) => return Err(UpgradeError::Status(status, line)),
            None => {
                return Err(UpgradeError::Malformed(format!(
                    "not an HTTP answer: {line}"
                )));
            }
        }
        // Bytes after the response head are already websocket frames.
        socket.start = head_end;
        Ok(socket)
    }

    /// Sends one masked text frame.
    ///
    /// # Errors
    /// Any I/O error.
    pub async fn send_text(&mut self, text: &str) -> io::Result<()> {
        self.send_frame(0x1, text.as_bytes()).await
    }

    /// Sends a close frame (1000), best effort.
    ///
    /// # Errors
    /// Any I/O error.
    pub async fn close(&mut self) -> io::Result<()> {
        self.send_frame(0x8, &1000u16.to_be_bytes()).await
    }

    async fn send_frame(&mut self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        self.mask_seed = self
            .mask_seed
            .wrapping_mul(1_664_525)
            .wrapping_add(1_013_904_223);
        let mask = self.mask_seed.to_be_bytes();
        let mut frame = Vec::with_capacity(payload.len() + 14);
        frame.push(0x80 | opcode);
        match payload.len() {
            n @ 0..=125 => frame.push(0x80 | n as u8),
            n @ 126..=0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&frame).await
    }

    /// The next text message or close; pings are answered, other frames skipped.
    ///
    /// # Errors
    /// Any I/O error, `UnexpectedEof` when the connection ends without a close
    /// frame, `InvalidData` for a frame this client cannot read.
    pub async fn next(&mut self) -> io::Result<Incoming<'_>> {
        if self.assembled {
            self.fragments.clear();
            self.assembled = false;
        }
        let payload = loop {
            let Some((header, length)) = self.frame_bounds()? else {
                self.fill().await?;
                continue;
            };
            let first = self.buffer[self.start];
            let payload = self.start + header..self.start + header + length;
            self.start = payload.end;
            let fin = first & 0x80 != 0;
            match first & 0x0f {
                0x1 if fin && self.fragments.is_empty() => break payload,
                0x0 | 0x1 => {
                    self.fragments.extend_from_slice(&self.buffer[payload]);
                    if fin {
                        self.assembled = true;
                        return Ok(Incoming::Text(&self.fragments));
                    }
                }
                0x8 => {
                    let bytes = &self.buffer[payload];
                    let code = (bytes.len() >= 2).then(|| u16::from_be_bytes([bytes[0], bytes[1]]));
                    // Answer the close so the server's handshake completes.
                    let _ = self
                        .send_frame(0x8, &code.unwrap_or(1000).to_be_bytes())
                        .await;
                    return Ok(Incoming::Close(code));
                }
                0x9 => {
                    let ping = self.buffer[payload].to_vec();
                    self.send_frame(0xA, &ping).await?;
                }
                _ => {}
            }
        };
        Ok(Incoming::Text(&self.buffer[payload]))
    }

    /// Header length and payload length of the frame at `start`, once it is
    /// wholly in the buffer.
    fn frame_bounds(&mut self) -> io::Result<Option<(usize, usize)>> {
        let bytes = &self.buffer[self.start..];
        if bytes.len() < 2 {
            return Ok(None);
        }
        let masked = bytes[1] & 0x80 != 0;
        let (mut header, length) = match bytes[1] & 0x7f {
            126 if bytes.len() >= 4 => (4, u64::from(u16::from_be_bytes([bytes[2], bytes[3]]))),
            127 if bytes.len() >= 10 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(&bytes[2..10]);
                (10, u64::from_be_bytes(n))
            }
            126 | 127 => return Ok(None),
            n => (2, u64::from(n)),
        };
        if length > MAX_FRAME {
            return Err(invalid(format!("frame of {length} bytes is too large")));
        }
        if masked {
            header += 4;
        }
        let length = length as usize;
        if bytes.len() < header + length {
            return Ok(None);
        }
        if masked {
            // Servers must not mask (RFC 6455 §5.1), but unmasking costs little.
            let key = [
                bytes[header - 4],
                bytes[header - 3],
                bytes[header - 2],
                bytes[header - 1],
            ];
            let at = self.start + header;
            for (i, b) in self.buffer[at..at + length].iter_mut().enumerate() {
                *b ^= key[i % 4];
            }
        }
        Ok(Some((header, length)))
    }

    /// Reads more bytes, first dropping what has been consumed.
    async fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.reserve(READ_CHUNK);
        if self.stream.read_buf(&mut self.buffer).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Where `needle` last occurs in `haystack`.
pub fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
/// A fake server: answers the upgrade, then writes `frames` in one go and
/// returns what the client sent after the upgrade. For the tests of `load`.
pub(crate) async fn serve_once(frames: Vec<u8>) -> (WsAddress, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        while find(&request, b"\r\n\r\n").is_none() {
            socket.read_buf(&mut request).await.expect("read request");
        }
        let mut reply = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
        reply.extend_from_slice(&frames);
        socket.write_all(&reply).await.expect("write");
        let mut sent = Vec::new();
        let _ = socket.read_to_end(&mut sent).await;
        sent
    });
    let address = WsAddress::parse(&format!("ws://{addr}/e")).expect("url");
    (address, server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_urls_split_into_host_port_and_path() {
        let a =
            WsAddress::parse("ws://127.0.0.1:58080/communication_manager/ws/event").expect("url");
        assert_eq!(
            (a.host.as_str(), a.port, a.path.as_str()),
            ("127.0.0.1", 58080, "/communication_manager/ws/event")
        );
        let b = WsAddress::parse("ws://[::1]/x?y=1").expect("url");
        assert_eq!(
            (
                b.host.as_str(),
                b.port,
                b.path.as_str(),
                b.authority.as_str()
            ),
            ("::1", 80, "/x?y=1", "[::1]")
        );
        assert_eq!(
            WsAddress::parse("ws://localhost").map(|a| a.path),
            Some("/".into())
        );
        assert!(WsAddress::parse("http://x/").is_none());
        assert!(WsAddress::parse("ws://:80/").is_none());
        assert!(WsAddress::parse("ws://h:port/").is_none());
    }

    #[test]
    fn byte_search_finds_first_and_last() {
        assert_eq!(find(b"a:b:c", b":"), Some(1));
        assert_eq!(rfind(b"a:b:c", b":"), Some(3));
        assert_eq!(find(b"abc", b"x"), None);
    }

    #[tokio::test]
    async fn frames_fragments_pings_and_close_are_read() {
        let mut frames = vec![0x81, 5];
        frames.extend_from_slice(b"hello");
        frames.extend_from_slice(&[0x01, 2, b'a', b'b', 0x89, 1, b'p', 0x80, 1, b'c']);
        frames.extend_from_slice(&[0x81, 126, 0, 200]);
        frames.extend_from_slice(&[b'x'; 200]);
        frames.extend_from_slice(&[0x88, 2, 0x03, 0xf0]);
        let (address, server) = serve_once(frames).await;

        let mut socket = RawSocket::connect(&address, Some("Basic x"))
            .await
            .expect("upgrade");
        let mut texts = Vec::new();
        let close = loop {
            match socket.next().await.expect("a frame") {
                Incoming::Text(text) => texts.push(text.to_vec()),
                Incoming::Close(code) => break code,
            }
        };
        drop(socket);
        let sent = server.await.expect("server");

        assert_eq!(
            texts,
            vec![b"hello".to_vec(), b"abc".to_vec(), vec![b'x'; 200]]
        );
        assert_eq!(close, Some(1008));
        // The pong and the close answer, both masked client frames.
        assert_eq!((sent[0], sent[1], sent[6] ^ sent[2]), (0x8A, 0x81, b'p'));
        assert_eq!((sent[7], sent[8]), (0x88, 0x82));
        assert_eq!((sent[13] ^ sent[9], sent[14] ^ sent[10]), (0x03, 0xf0));
    }

    #[tokio::test]
    async fn a_refused_upgrade_is_an_error_naming_the_status() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut request = Vec::new();
            while find(&request, b"\r\n\r\n").is_none() {
                socket.read_buf(&mut request).await.expect("read request");
            }
            let _ = socket.write_all(b"HTTP/1.1 401 Unauthorized\r\n\r\n").await;
        });
        let address = WsAddress::parse(&format!("ws://{addr}/e")).expect("url");

        let err = RawSocket::connect(&address, None)
            .await
            .expect_err("refused");

        assert!(matches!(err, UpgradeError::Status(401, _)), "{err}");
        assert!(err.to_string().contains("401 Unauthorized"), "{err}");
    }
}
