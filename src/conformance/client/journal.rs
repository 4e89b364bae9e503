//! What one case saw: every connection attempt, every frame either side sent,
//! every close, and the runner's own actions, in the order they passed the tap,
//! each with the virtual time of the moment and the wall instant.
//!
//! The tap writes; the case script waits on it (`wait_for`), never on a sleep; the
//! checks and the transcript read it once the case is over.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::frames::Message;

/// A websocket connection's number within its case: 1, 2, ... in order of arrival.
pub type Conn = u32;

/// Which end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The client under test.
    Client,
    /// Our server.
    Server,
}

/// The credentials an upgrade request carried (never the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    Missing,
    /// HTTP Basic, with this username.
    Basic(String),
    /// Another scheme, or Basic that does not decode.
    Other(String),
}

/// One thing seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A websocket upgrade request arrived.
    Attempt {
        /// Its connection number.
        conn: Conn,
        /// The request path.
        path: String,
        /// Its credentials.
        auth: Auth,
    },
    /// The runner answered the attempt itself, so that the client must try again.
    Refused {
        /// The connection.
        conn: Conn,
        /// The status sent (503).
        status: u16,
    },
    /// The server answered the upgrade request.
    Answered {
        /// The connection.
        conn: Conn,
        /// 101 when the websocket opened.
        status: u16,
    },
    /// A frame from one side, forwarded to the other.
    Frame {
        /// The connection.
        conn: Conn,
        /// Who sent it.
        from: Side,
        /// What it was.
        message: Message,
    },
    /// The runner pinged the client through the tap.
    ProbeSent {
        /// The connection.
        conn: Conn,
        /// The probe's number, in its payload.
        probe: u32,
    },
    /// The client answered a probe.
    ProbeAnswered {
        /// The connection.
        conn: Conn,
        /// The probe's number.
        probe: u32,
    },
    /// One side's byte stream stopped being websocket framing the tap can follow;
    /// the rest was forwarded unread.
    Unframed {
        /// The connection.
        conn: Conn,
        /// Whose bytes.
        from: Side,
        /// Why.
        reason: String,
    },
    /// One side ended its TCP connection (or it failed).
    Hangup {
        /// The connection.
        conn: Conn,
        /// Who ended it first.
        by: Side,
        /// Whether a close frame had passed on it before.
        after_close: bool,
    },
    /// The runner did something: a fault, steps of the scenario, a burst.
    Mark(String),
    /// The client process ended before the case did (how, in words).
    ClientExited(String),
}

impl Seen {
    /// The connection it belongs to, if any.
    pub fn conn(&self) -> Option<Conn> {
        match self {
            Seen::Attempt { conn, .. }
            | Seen::Refused { conn, .. }
            | Seen::Answered { conn, .. }
            | Seen::Frame { conn, .. }
            | Seen::ProbeSent { conn, .. }
            | Seen::ProbeAnswered { conn, .. }
            | Seen::Unframed { conn, .. }
            | Seen::Hangup { conn, .. } => Some(*conn),
            Seen::Mark(_) | Seen::ClientExited(_) => None,
        }
    }
}

/// One entry of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Virtual ms of the scenario when it was seen.
    pub at_ms: u64,
    /// Wall time since the case started.
    pub wall: Duration,
    /// What was seen.
    pub seen: Seen,
}

/// One case's journal, shared by the tap and the case script.
#[derive(Debug)]
pub struct Journal {
    records: Mutex<Vec<Record>>,
    /// Bumped on every push, so waiters wake.
    changed: watch::Sender<u64>,
    /// The virtual time the runner has stepped the scenario to.
    virtual_ms: AtomicU64,
    /// Text frames from the server so far, kept as records come, so that
    /// waiting on it costs nothing however long the journal grows.
    server_texts: AtomicU64,
    /// When the case started.
    started: Instant,
    /// The same moment in Unix microseconds, to place the server's request
    /// journal among the records.
    started_unix_us: u64,
}

impl Default for Journal {
    fn default() -> Self {
        Journal {
            records: Mutex::new(Vec::new()),
            changed: watch::Sender::new(0),
            virtual_ms: AtomicU64::new(0),
            server_texts: AtomicU64::new(0),
            started: Instant::now(),
            started_unix_us: unix_us_now(),
        }
    }
}

impl Journal {
    /// Appends what was seen, at the current virtual time.
    pub fn push(&self, seen: Seen) {
        if let Seen::Frame {
            from: Side::Server,
            message: Message::Text(_),
            ..
        } = &seen
        {
            self.server_texts.fetch_add(1, Ordering::AcqRel);
        }
        let record = Record {
            at_ms: self.virtual_ms.load(Ordering::Acquire),
            wall: self.started.elapsed(),
            seen,
        };
        self.lock().push(record);
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Text frames the server has sent so far, on every connection.
    pub fn server_texts(&self) -> u64 {
        self.server_texts.load(Ordering::Acquire)
    }

    /// Sets the virtual time later records carry.
    pub fn set_virtual_ms(&self, ms: u64) {
        self.virtual_ms.store(ms, Ordering::Release);
    }

    /// The virtual time records carry now.
    pub fn virtual_ms(&self) -> u64 {
        self.virtual_ms.load(Ordering::Acquire)
    }

    /// Wall time since the case started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// When the case started, Unix microseconds.
    pub fn started_unix_us(&self) -> u64 {
        self.started_unix_us
    }

    /// Runs `read` over the records as they stand.
    pub fn with<T>(&self, read: impl FnOnce(&[Record]) -> T) -> T {
        read(&self.lock())
    }

    /// A copy of every record.
    pub fn records(&self) -> Vec<Record> {
        self.lock().clone()
    }

    /// Waits until `found` returns `Some` over the records, or until `deadline`
    /// (then `None`). Wakes on every new record, never polls.
    pub async fn wait_for<T>(
        &self,
        deadline: Instant,
        mut found: impl FnMut(&[Record]) -> Option<T>,
    ) -> Option<T> {
        let mut changes = self.changed.subscribe();
        loop {
            // Marked seen before reading, so a push in between still wakes us.
            changes.borrow_and_update();
            if let Some(value) = self.with(&mut found) {
                return Some(value);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                // The sender lives in `self`, so only the deadline ends the wait.
                Ok(Err(_)) | Err(_) => return self.with(&mut found),
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Record>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The wall clock now, Unix microseconds (0 before 1970).
pub fn unix_us_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// Helpers over a slice of records.
pub trait Records {
    /// Text messages the client sent on `conn` (every connection when `None`).
    fn client_texts(&self, conn: Option<Conn>) -> Vec<(usize, &str)>;
    /// Connections the server opened (101), in order.
    fn opened(&self) -> Vec<Conn>;
    /// Whether `conn` has ended on either side.
    fn ended(&self, conn: Conn) -> bool;
}

impl Records for [Record] {
    fn client_texts(&self, conn: Option<Conn>) -> Vec<(usize, &str)> {
        self.iter()
            .enumerate()
            .filter_map(|(i, r)| match &r.seen {
                Seen::Frame {
                    conn: c,
                    from: Side::Client,
                    message: Message::Text(text),
                } if conn.is_none_or(|want| want == *c) => Some((i, text.as_str())),
                _ => None,
            })
            .collect()
    }

    fn opened(&self) -> Vec<Conn> {
        self.iter()
            .filter_map(|r| match r.seen {
                Seen::Answered { conn, status: 101 } => Some(conn),
                _ => None,
            })
            .collect()
    }

    fn ended(&self, conn: Conn) -> bool {
        self.iter()
            .any(|r| matches!(r.seen, Seen::Hangup { conn: c, .. } if c == conn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_wake_on_a_push_and_give_up_at_the_deadline() {
        let journal = std::sync::Arc::new(Journal::default());
        let writer = std::sync::Arc::clone(&journal);
        tokio::spawn(async move {
            writer.set_virtual_ms(5_000);
            writer.push(Seen::Mark("step".into()));
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        let at = journal
            .wait_for(deadline, |records| records.first().map(|r| r.at_ms))
            .await;
        assert_eq!(at, Some(5_000));
        let soon = Instant::now() + Duration::from_millis(10);
        let none: Option<()> = journal.wait_for(soon, |_| None).await;
        assert_eq!(none, None);
    }
}
