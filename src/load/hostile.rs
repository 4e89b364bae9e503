//! Hostile clients beside the measured ones (`load --hostile N`), to measure
//! what careless or hostile clients cost the well-behaved ones: idle TCP
//! sockets, slowloris request heads, filter-vocabulary churn and a fragment
//! kept open with pings, in turn over the N actors. Written over raw sockets
//! (no websocket library), since no library sends broken frames.
//!
//! Against a loopback target each kind connects from its own loopback address
//! (127.0.0.2 to 127.0.0.5), so per-address limits see them apart from the
//! measured clients on 127.0.0.1. Every actor stops when told.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;

/// Idle sockets one actor holds at a time.
const IDLE_SOCKETS: usize = 50;

/// Made-up property names in each churn filter message.
const CHURN_NAMES: usize = 1000;

/// What the hostile actors did, for the report.
#[derive(Debug, Default)]
pub struct HostileTally {
    /// TCP connections opened, of every kind.
    pub connections: AtomicU64,
    /// Connections that ended on the server's side (closed or reset).
    pub ended_by_server: AtomicU64,
    /// Filter messages of made-up names sent.
    pub churn_messages: AtomicU64,
}

/// What one actor does.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Idle,
    Slowloris,
    Churn,
    Fragment,
}

impl Kind {
    fn of(actor: usize) -> Kind {
        match actor % 4 {
            0 => Kind::Idle,
            1 => Kind::Slowloris,
            2 => Kind::Churn,
            _ => Kind::Fragment,
        }
    }

    /// The loopback source address of this kind.
    fn source(self) -> Ipv4Addr {
        match self {
            Kind::Idle => Ipv4Addr::new(127, 0, 0, 2),
            Kind::Slowloris => Ipv4Addr::new(127, 0, 0, 3),
            Kind::Churn => Ipv4Addr::new(127, 0, 0, 4),
            Kind::Fragment => Ipv4Addr::new(127, 0, 0, 5),
        }
    }
}

/// Where and how the actors connect.
#[derive(Debug, Clone)]
pub struct HostileTarget {
    /// The server.
    pub addr: SocketAddr,
    /// The Event API path.
    pub path: String,
    /// The `Authorization` header value for the websocket kinds, if any.
    pub authorization: Option<String>,
}

/// Runs `actors` hostile actors against `target` until `stop` fires.
pub async fn run(
    target: HostileTarget,
    actors: usize,
    stop: CancellationToken,
    tally: Arc<HostileTally>,
) {
    let mut tasks = Vec::new();
    for actor in 0..actors {
        let (target, stop, tally) = (target.clone(), stop.clone(), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move {
            let kind = Kind::of(actor);
            while !stop.is_cancelled() {
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = round(kind, actor, &target, &tally) => {}
                }
                // Do not spin when the server refuses at once.
                tokio::select! {
                    () = stop.cancelled() => {}
                    () = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        }));
    }
    for task in tasks {
        // An actor that panicked has stopped acting; the run goes on.
        let _ = task.await;
    }
}

/// One round of an actor; returns when the server ended its connection(s).
async fn round(kind: Kind, actor: usize, target: &HostileTarget, tally: &HostileTally) {
    match kind {
        Kind::Idle => {
            let mut held = Vec::new();
            for _ in 0..IDLE_SOCKETS {
                if let Some(socket) = connect(kind, target, tally).await {
                    held.push(socket);
                }
            }
            // Held until the server closes the first of them.
            if let Some(first) = held.first_mut() {
                let mut byte = [0_u8; 1];
                let _ = first.read(&mut byte).await;
            }
            tally
                .ended_by_server
                .fetch_add(held.len() as u64, Ordering::Relaxed);
        }
        Kind::Slowloris => {
            let Some(mut socket) = connect(kind, target, tally).await else {
                return;
            };
            let head = format!("GET {} HTTP/1.1\r\nX-Slow: ", target.path);
            for byte in head.bytes().chain(std::iter::repeat(b'a')) {
                if socket.write_all(&[byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tally.ended_by_server.fetch_add(1, Ordering::Relaxed);
        }
        Kind::Churn | Kind::Fragment => {
            let Some(socket) = connect(kind, target, tally).await else {
                return;
            };
            let Some(socket) = upgrade(socket, target).await else {
                tally.ended_by_server.fetch_add(1, Ordering::Relaxed);
                return;
            };
            let (mut read, mut write) = socket.into_split();
            // Replies and events are read and thrown away, so the server's queue
            // for this client never fills: only the churn itself is measured.
            let drained = async {
                let mut sink = vec![0_u8; 16 * 1024];
                while matches!(read.read(&mut sink).await, Ok(n) if n > 0) {}
            };
            let acting = async {
                if matches!(kind, Kind::Fragment) {
                    // A first fragment, never finished; pings keep it looking alive.
                    if write.write_all(&frame(0x01, &[b'a'; 1000])).await.is_err() {
                        return;
                    }
                }
                for round in 0_u64.. {
                    let bytes = match kind {
                        Kind::Churn => {
                            tally.churn_messages.fetch_add(1, Ordering::Relaxed);
                            frame(0x81, churn_message(actor, round).as_bytes())
                        }
                        _ => frame(0x89, b"alive"),
                    };
                    if write.write_all(&bytes).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            };
            tokio::select! {
                () = drained => {}
                () = acting => {}
            }
            tally.ended_by_server.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A TCP connection from `kind`'s own loopback address when the target is on
/// loopback; `None` when the server or the machine refuses it.
async fn connect(kind: Kind, target: &HostileTarget, tally: &HostileTally) -> Option<TcpStream> {
    let socket = match target.addr {
        SocketAddr::V4(_) => TcpSocket::new_v4().ok()?,
        SocketAddr::V6(_) => TcpSocket::new_v6().ok()?,
    };
    if target.addr.ip().is_loopback() && target.addr.is_ipv4() {
        socket
            .bind(SocketAddr::new(IpAddr::V4(kind.source()), 0))
            .ok()?;
    }
    let stream = socket.connect(target.addr).await.ok()?;
    tally.connections.fetch_add(1, Ordering::Relaxed);
    Some(stream)
}

/// The websocket handshake by hand; `None` unless the server answers 101.
async fn upgrade(mut socket: TcpStream, target: &HostileTarget) -> Option<TcpStream> {
    let authorization = target
        .authorization
        .as_ref()
        .map_or_else(String::new, |value| format!("Authorization: {value}\r\n"));
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\n{authorization}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        target.path, target.addr
    );
    socket.write_all(request.as_bytes()).await.ok()?;
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") && head.len() < 4096 {
        let mut byte = [0_u8; 1];
        socket.read_exact(&mut byte).await.ok()?;
        head.push(byte[0]);
    }
    head.starts_with(b"HTTP/1.1 101").then_some(socket)
}

/// A masked client frame; `first` is FIN, RSV and the opcode.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![first];
    match payload.len() {
        n if n < 126 => bytes.push(0x80 | n as u8),
        n if n <= usize::from(u16::MAX) => {
            bytes.push(0x80 | 126);
            bytes.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            bytes.push(0x80 | 127);
            bytes.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let key = [0x5a, 0x17, 0xc3, 0x08];
    bytes.extend_from_slice(&key);
    bytes.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    bytes
}

/// A filter message of names nobody used before.
fn churn_message(actor: usize, round: u64) -> String {
    let entries: Vec<String> = (0..CHURN_NAMES)
        .map(|i| format!(r#"{{"property":"h{actor}-{round}-{i}","value":"*"}}"#))
        .collect();
    format!(r#"{{"type":"filter","filters":[{}]}}"#, entries.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_masked_and_sized_as_rfc_6455_says() {
        let short = frame(0x81, b"hi");
        let long = frame(0x81, &[0; 300]);

        assert_eq!(&short[..2], &[0x81, 0x82]);
        assert_eq!(short.len(), 2 + 4 + 2);
        assert_eq!(&long[..4], &[0x81, 0x80 | 126, 1, 44]);
        let message = churn_message(1, 2);
        assert!(serde_json::from_str::<serde_json::Value>(&message).is_ok());
    }

    #[test]
    fn the_kinds_take_turns_and_each_has_its_address() {
        let sources: Vec<Ipv4Addr> = (0..4).map(|a| Kind::of(a).source()).collect();
        assert_eq!(sources.len(), 4);
        assert!(sources.windows(2).all(|w| w[0] != w[1]));
    }
}
