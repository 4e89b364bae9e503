//! The tap: the address a client under test is given. It passes every byte
//! between the client and the case's server unchanged, and on the way writes down
//! what it sees in the case's [`Journal`]: each upgrade attempt, each frame of
//! either side, each close and hang-up. The runner uses it to see what the client
//! does without changing our server, and to do three things a real network does:
//! refuse a reconnect attempt (503), ping the client (a probe that proves it still
//! reads), and end a case for a client that outlives it (close 1001).
//!
//! Plain HTTP (the Live API) passes through unread; the server's request journal
//! records it. The tap's own socket buffers are small, so a client that stops
//! reading is felt by the server about as soon as over a direct connection.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::server::{EVENT_PATH, LIVE_PATH};

use super::frames::{FrameReader, Message, server_close, server_ping};
use super::head::{Request, read_head, status_of};
use super::journal::{Conn, Journal, Seen, Side};

/// Socket buffers on the tap's side of both connections.
const SOCKET_BUFFER_BYTES: u32 = 64 * 1024;

/// What the tap's probe pings carry, before the probe's number.
pub const PROBE_PREFIX: &str = "isymphony-sim-probe ";

/// The close a case's end sends a client that is still connected.
pub const CASE_OVER: (u16, &str) = (1001, "case over");

/// What the tap answers an attempt it refuses.
const REFUSAL: &str = "isymphony-sim conform refuses this attempt on purpose, to see how the client backs off; try again\n";

/// The tap, listening on 127.0.0.1.
#[derive(Debug)]
pub struct Tap {
    addr: SocketAddr,
    link: watch::Sender<Option<Arc<Link>>>,
    tasks: Arc<Mutex<JoinSet<()>>>,
}

/// One case's side of the tap: where its server is and what it records.
#[derive(Debug)]
pub struct Link {
    journal: Arc<Journal>,
    backend: SocketAddr,
    refuse: AtomicU32,
    next_conn: AtomicU32,
    next_probe: AtomicU32,
    wires: Mutex<BTreeMap<Conn, mpsc::UnboundedSender<Control>>>,
}

/// What the runner asks of one open connection.
#[derive(Debug, Clone, Copy)]
enum Control {
    Probe(u32),
    CloseCase,
}

impl Tap {
    /// Listens on a free port of 127.0.0.1.
    ///
    /// # Errors
    /// The listener cannot be set up.
    pub async fn bind() -> std::io::Result<Tap> {
        let socket = TcpSocket::new_v4()?;
        // Accepted sockets inherit it: the client's downstream stays small.
        socket.set_send_buffer_size(SOCKET_BUFFER_BYTES)?;
        socket.bind("127.0.0.1:0".parse().map_err(std::io::Error::other)?)?;
        let listener = socket.listen(64)?;
        let addr = listener.local_addr()?;
        let (link, _) = watch::channel(None);
        let tasks = Arc::new(Mutex::new(JoinSet::new()));
        let tap = Tap { addr, link, tasks };
        tap.spawn_accept(listener);
        Ok(tap)
    }

    /// The Event API URL to give the client.
    pub fn url(&self) -> String {
        format!("ws://{}{EVENT_PATH}", self.addr)
    }

    /// The Live API base URL to give the client.
    pub fn live_url(&self) -> String {
        format!("http://{}{LIVE_PATH}", self.addr)
    }

    /// Sends what arrives from now on to `backend`, recorded in `journal`.
    pub fn link(&self, journal: Arc<Journal>, backend: SocketAddr) -> Arc<Link> {
        let link = Arc::new(Link {
            journal,
            backend,
            refuse: AtomicU32::new(0),
            next_conn: AtomicU32::new(0),
            next_probe: AtomicU32::new(0),
            wires: Mutex::new(BTreeMap::new()),
        });
        self.link.send_replace(Some(Arc::clone(&link)));
        link
    }

    /// Ends the case's side: connections still open get close 1001 "case over";
    /// new ones wait for the next link.
    pub fn unlink(&self) {
        if let Some(link) = self.link.send_replace(None) {
            let wires = std::mem::take(&mut *lock(&link.wires));
            for wire in wires.values() {
                let _ = wire.send(Control::CloseCase);
            }
        }
    }

    fn spawn_accept(&self, listener: TcpListener) {
        let link = self.link.subscribe();
        let tasks = Arc::clone(&self.tasks);
        let accepting = async move {
            while let Ok((stream, _)) = listener.accept().await {
                let link = link.clone();
                lock(&tasks).spawn(serve(stream, link));
            }
        };
        lock(&self.tasks).spawn(accepting);
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        lock(&self.tasks).abort_all();
    }
}

impl Link {
    /// Refuses the next `attempts` upgrade attempts with 503.
    pub fn refuse(&self, attempts: u32) {
        self.refuse.store(attempts, Ordering::Release);
    }

    /// Pings the client on `conn` behind everything already forwarded to it;
    /// the probe's number, or `None` when `conn` is not open.
    pub fn probe(&self, conn: Conn) -> Option<u32> {
        let probe = self.next_probe.fetch_add(1, Ordering::AcqRel) + 1;
        let wires = lock(&self.wires);
        wires.get(&conn)?.send(Control::Probe(probe)).ok()?;
        Some(probe)
    }

    fn take_refusal(&self) -> bool {
        self.refuse
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One accepted connection, start to end.
async fn serve(mut client: TcpStream, mut link: watch::Receiver<Option<Arc<Link>>>) {
    let _ = client.set_nodelay(true);
    let Ok((head, rest)) = read_head(&mut client).await else {
        return;
    };
    // Between cases nothing is linked: the connection waits for the next case.
    let link = loop {
        if let Some(link) = link.borrow_and_update().clone() {
            break link;
        }
        if link.changed().await.is_err() {
            return;
        }
    };
    let request = Request::parse(&head);
    if !request.upgrade {
        let _ = plain_http(client, &head, &rest, link.backend).await;
        return;
    }
    let conn = link.next_conn.fetch_add(1, Ordering::AcqRel) + 1;
    let journal = &link.journal;
    journal.push(Seen::Attempt {
        conn,
        path: request.path.clone(),
        auth: request.auth.clone(),
    });
    if link.take_refusal() {
        let response = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{REFUSAL}",
            REFUSAL.len()
        );
        let _ = client.write_all(response.as_bytes()).await;
        let _ = client.shutdown().await;
        journal.push(Seen::Refused { conn, status: 503 });
        return;
    }
    let Ok(mut server) = connect(link.backend).await else {
        journal.push(Seen::Answered { conn, status: 502 });
        return;
    };
    if server.write_all(&head).await.is_err() {
        journal.push(Seen::Answered { conn, status: 502 });
        return;
    }
    let Ok((response, server_rest)) = read_head(&mut server).await else {
        journal.push(Seen::Answered { conn, status: 502 });
        return;
    };
    let status = status_of(&response);
    journal.push(Seen::Answered { conn, status });
    if client.write_all(&response).await.is_err() {
        return;
    }
    if status != 101 {
        let _ = client.write_all(&server_rest).await;
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        return;
    }
    let (control, controls) = mpsc::unbounded_channel();
    lock(&link.wires).insert(conn, control);
    let closed = AtomicBool::new(false);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let wire = Wire {
        conn,
        journal,
        closed: &closed,
    };
    tokio::join!(
        wire.upstream(client_read, server_write, rest),
        wire.downstream(server_read, client_write, server_rest, controls),
    );
    lock(&link.wires).remove(&conn);
}

/// A connection to the case's server with small buffers.
async fn connect(backend: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.set_recv_buffer_size(SOCKET_BUFFER_BYTES)?;
    let stream = socket.connect(backend).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// A plain HTTP connection (the Live API): passed through, unread.
async fn plain_http(
    mut client: TcpStream,
    head: &[u8],
    rest: &[u8],
    backend: SocketAddr,
) -> std::io::Result<()> {
    let mut server = connect(backend).await?;
    server.write_all(head).await?;
    server.write_all(rest).await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}

/// One open websocket connection's two directions.
struct Wire<'a> {
    conn: Conn,
    journal: &'a Journal,
    /// Whether a close frame passed either way (a hang-up after one is clean).
    closed: &'a AtomicBool,
}

impl Wire<'_> {
    /// Client to server: records and forwards each frame; answers to the tap's
    /// own probes stop here.
    async fn upstream(&self, mut from: OwnedReadHalf, mut to: OwnedWriteHalf, early: Vec<u8>) {
        let mut reader = FrameReader::default();
        reader.push(&early);
        let mut unframed = false;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            if !unframed && !self.drain(&mut reader, Side::Client, &mut to).await {
                unframed = true;
            }
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if unframed {
                if to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            } else {
                reader.push(&buf[..n]);
            }
        }
        self.hangup(Side::Client);
        let _ = to.shutdown().await;
    }

    /// Server to client: records and forwards each frame; sends the tap's probes
    /// and the end-of-case close between frames.
    async fn downstream(
        &self,
        mut from: OwnedReadHalf,
        mut to: OwnedWriteHalf,
        early: Vec<u8>,
        mut controls: mpsc::UnboundedReceiver<Control>,
    ) {
        let mut reader = FrameReader::default();
        reader.push(&early);
        let mut unframed = false;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            if !unframed && !self.drain(&mut reader, Side::Server, &mut to).await {
                unframed = true;
            }
            tokio::select! {
                biased;
                control = controls.recv() => match control {
                    Some(Control::Probe(probe)) => {
                        let payload = format!("{PROBE_PREFIX}{probe}");
                        if to.write_all(&server_ping(payload.as_bytes())).await.is_err() {
                            return;
                        }
                        self.journal.push(Seen::ProbeSent { conn: self.conn, probe });
                    }
                    Some(Control::CloseCase) | None => {
                        let (code, reason) = CASE_OVER;
                        let _ = to.write_all(&server_close(code, reason)).await;
                        let _ = to.shutdown().await;
                        return;
                    }
                },
                read = from.read(&mut buf) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) if unframed => {
                        if to.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                    Ok(n) => reader.push(&buf[..n]),
                },
            }
        }
        self.hangup(Side::Server);
        let _ = to.shutdown().await;
    }

    /// Forwards every whole frame in `reader`, recording each message; `false`
    /// once the stream stops being framing the tap can follow (the rest is then
    /// forwarded unread).
    async fn drain<W: AsyncWrite + Unpin>(
        &self,
        reader: &mut FrameReader,
        from: Side,
        to: &mut W,
    ) -> bool {
        // One write for every whole frame of a read: a burst costs a syscall per
        // read, not per event.
        let mut out = Vec::new();
        let framed = loop {
            let frame = match reader.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => break true,
                Err(err) => {
                    self.journal.push(Seen::Unframed {
                        conn: self.conn,
                        from,
                        reason: err.to_string(),
                    });
                    out.extend_from_slice(&reader.take_buffer());
                    break false;
                }
            };
            match frame.message {
                Some(Message::Pong(payload)) if from == Side::Client => {
                    if let Some(probe) = probe_number(&payload) {
                        self.journal.push(Seen::ProbeAnswered {
                            conn: self.conn,
                            probe,
                        });
                        continue;
                    }
                    self.record(from, Message::Pong(payload));
                }
                Some(message) => self.record(from, message),
                None => {}
            }
            out.extend_from_slice(&frame.raw);
        };
        // A failed write is the other side's hang-up, which its own read will see.
        if !out.is_empty() {
            let _ = to.write_all(&out).await;
        }
        framed
    }

    fn record(&self, from: Side, message: Message) {
        if matches!(message, Message::Close(..)) {
            self.closed.store(true, Ordering::Release);
        }
        self.journal.push(Seen::Frame {
            conn: self.conn,
            from,
            message,
        });
    }

    fn hangup(&self, by: Side) {
        self.journal.push(Seen::Hangup {
            conn: self.conn,
            by,
            after_close: self.closed.load(Ordering::Acquire),
        });
    }
}

/// The probe number a pong's payload carries, if it answers one of ours.
fn probe_number(payload: &[u8]) -> Option<u32> {
    std::str::from_utf8(payload)
        .ok()?
        .strip_prefix(PROBE_PREFIX)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_taps_own_pongs_carry_a_probe_number() {
        assert_eq!(probe_number(format!("{PROBE_PREFIX}7").as_bytes()), Some(7));
        assert_eq!(probe_number(b"isymphony-sim"), None);
    }
}
