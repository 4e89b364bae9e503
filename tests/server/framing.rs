//! Issue #17 §6: websocket protocol errors close with the RFC 6455 codes (1002
//! for framing errors, 1007 for a text frame that is not UTF-8) instead of
//! dropping the TCP connection, and a fragmented message kept open with pings
//! is closed with 1008 at the message timeout. Frames are written by hand here,
//! since no client library sends broken ones.

use std::time::Duration;

use isymphony_sim::server::{Credentials, Limits, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::harness::{TestServer, within};
use crate::pre_auth::{connect_from, until_stats};

/// A websocket connection whose frames the test writes byte by byte.
pub struct RawSocket {
    pub read: OwnedReadHalf,
    pub write: OwnedWriteHalf,
}

impl RawSocket {
    pub async fn open(server: &TestServer) -> RawSocket {
        RawSocket::open_from([127, 0, 0, 1], server).await
    }

    /// Opens one from the loopback address `from`.
    pub async fn open_from(from: [u8; 4], server: &TestServer) -> RawSocket {
        let mut socket = connect_from(from, server.addr).await;
        let request = format!(
            "GET /communication_manager/ws/event HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            Credentials::default().basic_header()
        );
        socket.write_all(request.as_bytes()).await.expect("send");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0_u8; 1];
            within("the 101", socket.read_exact(&mut byte))
                .await
                .expect("read");
            head.push(byte[0]);
        }
        assert!(
            head.starts_with(b"HTTP/1.1 101"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        let (read, write) = socket.into_split();
        RawSocket { read, write }
    }

    pub async fn frame(&mut self, first: u8, payload: &[u8], masked: bool) {
        write_frame(&mut self.write, first, payload, masked).await;
    }

    pub async fn close_frame(&mut self) -> (u16, String) {
        read_close(&mut self.read).await
    }
}

/// Writes one frame; `first` is the first byte (FIN, RSV and opcode).
pub async fn write_frame(write: &mut OwnedWriteHalf, first: u8, payload: &[u8], masked: bool) {
    let mut bytes = vec![first];
    let mask_bit = if masked { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => bytes.push(mask_bit | n as u8),
        n => {
            bytes.push(mask_bit | 126);
            bytes.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    if masked {
        let key = [0x12, 0x34, 0x56, 0x78];
        bytes.extend_from_slice(&key);
        bytes.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    } else {
        bytes.extend_from_slice(payload);
    }
    // The server may have closed already; the close frame tells.
    let _ = write.write_all(&bytes).await;
}

/// Reads server frames until its close frame: the code and reason.
pub async fn read_close(read: &mut OwnedReadHalf) -> (u16, String) {
    within("a close frame", async {
        loop {
            let mut head = [0_u8; 2];
            read.read_exact(&mut head)
                .await
                .expect("a frame from the server");
            let len = match head[1] & 0x7f {
                126 => {
                    let mut ext = [0_u8; 2];
                    read.read_exact(&mut ext).await.expect("length");
                    usize::from(u16::from_be_bytes(ext))
                }
                n => usize::from(n),
            };
            let mut payload = vec![0_u8; len];
            read.read_exact(&mut payload).await.expect("payload");
            if head[0] & 0x0f == 8 {
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                return (code, String::from_utf8_lossy(&payload[2..]).into_owned());
            }
        }
    })
    .await
}

pub const FIN: u8 = 0x80;
pub const TEXT: u8 = 1;
pub const PING: u8 = 9;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framing_errors_close_with_1002_and_bad_utf8_with_1007() {
    let server = TestServer::start(ServerConfig::default()).await;
    let filter = br#"{"type":"filter","filters":[]}"#;
    let cases: [(u8, Vec<u8>, bool, u16); 6] = [
        (FIN | TEXT, filter.to_vec(), false, 1002), // unmasked client frame
        (FIN | 0x40 | TEXT, filter.to_vec(), true, 1002), // RSV1 without an extension
        (FIN | 3, b"x".to_vec(), true, 1002),       // reserved data opcode
        (FIN | 0x0b, b"x".to_vec(), true, 1002),    // reserved control opcode
        (FIN | PING, vec![b'p'; 126], true, 1002),  // control frame over 125 bytes
        (FIN | TEXT, vec![b'{', 0xff, 0xfe, b'}'], true, 1007), // not UTF-8
    ];
    let count = cases.len() as u64;

    for (first, payload, masked, expected) in cases {
        let mut socket = RawSocket::open(&server).await;
        socket.frame(first, &payload, masked).await;
        let (code, reason) = socket.close_frame().await;
        assert_eq!(code, expected, "{first:#x}: {reason}");
        assert!(reason.len() <= 123 && !reason.is_empty(), "{reason:?}");
    }
    let mut fragmented_ping = RawSocket::open(&server).await;
    fragmented_ping.frame(PING, b"p", true).await;
    let (code, _) = fragmented_ping.close_frame().await;

    assert_eq!(code, 1002, "a fragmented control frame");
    until_stats(&server, "every violation counted", |s| {
        s.protocol_errors == count + 1 && s.connections_current == 0
    })
    .await;
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fragmented_message_kept_open_with_pings_is_closed_at_the_message_timeout() {
    let limits = Limits {
        message_timeout: Duration::from_millis(400),
        ..Limits::default()
    };
    let server = TestServer::start(ServerConfig::default().with_limits(limits)).await;
    let mut socket = RawSocket::open(&server).await;

    // A first fragment, then pings that keep the connection alive, for at most
    // 100 rounds (10 s): the message never completes.
    socket.frame(TEXT, &[b'a'; 1000], true).await;
    let RawSocket {
        mut read,
        mut write,
    } = socket;
    let pinging = async {
        for _ in 0..100 {
            write_frame(&mut write, FIN | PING, b"alive", true).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let (code, reason) = tokio::select! {
        closed = read_close(&mut read) => closed,
        () = pinging => panic!("100 pings later the message was still open"),
    };

    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("--message-timeout"), "{reason}");
    until_stats(&server, "the slow message counted", |s| {
        s.slow_messages == 1 && s.connections_current == 0
    })
    .await;
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_in_fragments_that_arrives_in_time_is_taken() {
    let limits = Limits {
        message_timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    let server = TestServer::start(ServerConfig::default().with_limits(limits)).await;
    let mut socket = RawSocket::open(&server).await;
    let (first, rest) = br#"{"type":"filter","filters":[]}"#.split_at(10);

    socket.frame(TEXT, first, true).await;
    socket.frame(FIN | PING, b"between", true).await;
    socket.frame(FIN, rest, true).await;
    until_stats(&server, "the reply", |s| s.replies_sent == 1).await;
    socket.frame(FIN | 8, &1000_u16.to_be_bytes(), true).await;
    let (code, _) = socket.close_frame().await;

    assert_eq!(code, 1000);
    assert_eq!(server.stats.snapshot().slow_messages, 0);
    server.shut_down([]).await;
}
