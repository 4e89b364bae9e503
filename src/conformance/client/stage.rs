//! What a case script works with: its server, the tap's link, the journal, the
//! thresholds, and the moves every case makes (wait for the client to connect and
//! filter, step the scenario, inject a fault, probe). Every wait is on the
//! journal, bounded, and says what it waits for while it lasts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::protocol::Profile;
use crate::server::EVENT_PATH;

use super::backend::Backend;
use super::check::{Check, CheckId};
use super::frames::Message;
use super::journal::{Auth, Conn, Journal, Record, Records as _, Seen, Side};
use super::tap::Link;
use super::thresholds::Thresholds;

/// How often a wait reports that it is still waiting.
const STILL_WAITING_EVERY: Duration = Duration::from_secs(1);

/// How often [`Stage::sync`] looks at the server's counters, which have no
/// notifier of their own (the journal wakes it too).
const SYNC_RECHECK: Duration = Duration::from_millis(10);

/// Where a case reports progress.
pub type Progress<'a> = &'a (dyn Fn(&str) + Sync);

/// One case's running context.
pub struct Stage<'a> {
    /// What the case saw.
    pub journal: Arc<Journal>,
    /// The tap's side for this case.
    pub link: Arc<Link>,
    /// The case's server.
    pub backend: Backend,
    /// The run's thresholds.
    pub thresholds: Thresholds,
    /// The profile the server emits.
    pub profile: Profile,
    /// Epoch ms of virtual time zero (event `time` minus this is virtual ms).
    pub epoch_ms: i64,
    /// The checks decided so far.
    pub checks: Vec<Check>,
    /// Whether the client's first connection may take as long as it likes (a
    /// client started by someone else, `--client-url-only`).
    pub wait_forever_for_first: bool,
    /// Virtual ms before the last restart: the server's clock starts over then,
    /// the transcript's does not.
    pub base_ms: u64,
    /// Set once a [`Stage::sync`] gave up (a client that stopped reading): later
    /// ones do not wait again.
    unsynced: AtomicBool,
    progress: Progress<'a>,
}

/// The client's connection once it has filtered.
#[derive(Debug, Clone)]
pub struct Opened {
    /// Its connection number.
    pub conn: Conn,
    /// The journal index of its first message.
    pub first_message: usize,
    /// That message.
    pub filter: String,
}

impl<'a> Stage<'a> {
    /// A stage over a started server and a link to it.
    pub fn new(
        journal: Arc<Journal>,
        link: Arc<Link>,
        backend: Backend,
        thresholds: Thresholds,
        profile: Profile,
        epoch_ms: i64,
        progress: Progress<'a>,
    ) -> Self {
        Stage {
            journal,
            link,
            backend,
            thresholds,
            profile,
            epoch_ms,
            checks: Vec::new(),
            wait_forever_for_first: false,
            base_ms: 0,
            unsynced: AtomicBool::new(false),
            progress,
        }
    }

    /// Records a check's outcome.
    pub fn check(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// Notes a runner action in the journal (and so in the transcript), after
    /// everything the server sent before has passed the tap.
    pub async fn mark(&self, text: impl Into<String>) {
        self.sync().await;
        self.journal.push(Seen::Mark(text.into()));
    }

    /// Waits until every frame the server has queued so far has passed the tap
    /// (or was discarded with its connection), so that what the runner records
    /// next comes after it, on every run. Bounded by the patience; after one
    /// give-up (a client that does not read) it no longer waits.
    pub async fn sync(&self) {
        if self.unsynced.load(Ordering::Acquire) {
            return;
        }
        let deadline = Instant::now() + self.thresholds.patience;
        loop {
            let (queued, discarded) = self.backend.queued_frames().await;
            let seen = self.journal.server_texts();
            let count = self.journal.with(<[Record]>::len);
            if seen + discarded >= queued {
                return;
            }
            if Instant::now() >= deadline {
                self.unsynced.store(true, Ordering::Release);
                return;
            }
            let until = deadline.min(Instant::now() + SYNC_RECHECK);
            let _ = self
                .journal
                .wait_for(until, |records| (records.len() > count).then_some(()))
                .await;
        }
    }

    /// Waits for `found` over the journal for at most `within` (forever with
    /// `None`), saying every second what it waits for.
    pub async fn wait<T>(
        &self,
        what: &str,
        within: Option<Duration>,
        mut found: impl FnMut(&[Record]) -> Option<T>,
    ) -> Option<T> {
        let start = Instant::now();
        let deadline = within.map(|w| start + w);
        let gone = |records: &[Record]| {
            records
                .iter()
                .any(|r| matches!(r.seen, Seen::ClientExited(_)))
        };
        loop {
            // A client that has exited sends nothing more: no wait is worth its time.
            if self.journal.with(gone) {
                return self.journal.with(&mut found);
            }
            let until = match deadline {
                Some(deadline) => deadline.min(Instant::now() + STILL_WAITING_EVERY),
                None => Instant::now() + STILL_WAITING_EVERY,
            };
            let found_or_gone = |records: &[Record]| match found(records) {
                Some(value) => Some(Some(value)),
                None if gone(records) => Some(None),
                None => None,
            };
            if let Some(answer) = self.journal.wait_for(until, found_or_gone).await {
                return answer;
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return None;
            }
            let limit = within.map_or_else(|| "no limit".to_string(), |w| format!("{w:?}"));
            (self.progress)(&format!(
                "waiting for {what} ({:.1}s, {limit})",
                start.elapsed().as_secs_f64()
            ));
        }
    }

    /// Waits for the client's first websocket connection and its first message
    /// and the reply to it; decides the credentials and filter-early checks.
    pub async fn open(&mut self) -> Option<Opened> {
        let within = if self.wait_forever_for_first {
            None
        } else {
            Some(self.thresholds.patience)
        };
        let opened = self
            .wait("the client to connect", within, |records| {
                records.iter().enumerate().find_map(|(i, r)| match r.seen {
                    Seen::Answered { conn, status: 101 } => Some((conn, r.wall, i)),
                    _ => None,
                })
            })
            .await;
        let Some((conn, opened_at, opened_index)) = opened else {
            let refusals = self.journal.with(refusals);
            let exited = self.journal.with(|records| {
                records.iter().find_map(|r| match &r.seen {
                    Seen::ClientExited(how) => Some(how.clone()),
                    _ => None,
                })
            });
            let detail = if let Some(how) = exited {
                format!("the client process {how} before it connected; see its output")
            } else if refusals.is_empty() {
                format!(
                    "the client did not connect within {:?} (it is given ISYM_URL, ISYM_USERNAME and ISYM_PASSWORD)",
                    self.thresholds.patience
                )
            } else {
                format!("the server refused every upgrade: {}", refusals.join("; "))
            };
            self.check(Check::fail(CheckId::Credentials, detail));
            return None;
        };
        let credentials = self
            .journal
            .with(|records| credentials_check(records, conn));
        self.check(credentials);
        let deadline = self.thresholds.filter_deadline;
        let first = self
            .await_message(conn, opened_index, "the client's filter message", deadline)
            .await;
        let Some((first_message, filter, after)) = first else {
            self.check(Check::fail(
                CheckId::FilterEarly,
                format!(
                    "no message within {deadline:?} of the websocket opening on connection #{conn}; send a filter (an empty list to get everything)"
                ),
            ));
            return None;
        };
        let took = after.saturating_sub(opened_at);
        self.check(Check::pass_if(
            CheckId::FilterEarly,
            took <= deadline,
            format!(
                "first message {} ms after the websocket opened (at most {deadline:?})",
                took.as_millis()
            ),
        ));
        self.await_reply(conn, first_message).await;
        Some(Opened {
            conn,
            first_message,
            filter,
        })
    }

    /// The client's first text message on `conn` after journal index `from`:
    /// its index, text and wall time.
    pub async fn await_message(
        &self,
        conn: Conn,
        from: usize,
        what: &str,
        within: Duration,
    ) -> Option<(usize, String, Duration)> {
        self.wait(what, Some(within), |records| {
            records
                .iter()
                .enumerate()
                .skip(from)
                .find_map(|(i, r)| match &r.seen {
                    Seen::Frame {
                        conn: c,
                        from: Side::Client,
                        message: Message::Text(text),
                    } if *c == conn => Some((i, text.clone(), r.wall)),
                    _ => None,
                })
        })
        .await
    }

    /// Waits for the server's reply (or the connection's end) after journal index `after`.
    pub async fn await_reply(&self, conn: Conn, after: usize) -> bool {
        self.wait(
            "the server's reply to it",
            Some(self.thresholds.patience),
            |records| {
                records.iter().skip(after).find_map(|r| match &r.seen {
                    Seen::Frame {
                        conn: c,
                        from: Side::Server,
                        message: Message::Text(text),
                    } if *c == conn && text.contains("filterResponse") => Some(true),
                    Seen::Hangup { conn: c, .. } if *c == conn => Some(false),
                    _ => None,
                })
            },
        )
        .await
        .unwrap_or(false)
    }

    /// Waits for a new websocket connection (a number above `old`) to open: its
    /// number and the journal index where it opened.
    pub async fn await_reconnect(&self, old: Conn) -> Option<(Conn, usize)> {
        let within = self.thresholds.reconnect_deadline;
        self.wait("the client to reconnect", Some(within), |records| {
            records.iter().enumerate().find_map(|(i, r)| match r.seen {
                Seen::Answered { conn, status: 101 } if conn > old => Some((conn, i)),
                _ => None,
            })
        })
        .await
    }

    /// Waits `window` of wall time, ending early if `conn` ends.
    pub async fn watch(&self, what: &str, conn: Conn, window: Duration) {
        let _ = self
            .wait(what, Some(window), |records| {
                records.ended(conn).then_some(())
            })
            .await;
    }

    /// Applies the scenario's batches due up to virtual `target_ms` of the
    /// current run; later records carry `target_ms` (plus the restart base).
    ///
    /// # Errors
    /// The control API failed.
    pub async fn step_to(&self, target_ms: u64) -> Result<(), String> {
        loop {
            let (_, next) = self.backend.clock().await?;
            match next {
                Some(due) if due <= target_ms => {
                    // Set first: the batch's frames may pass the tap before the step returns.
                    self.journal.set_virtual_ms(self.base_ms + due);
                    if !self.backend.step().await? {
                        break;
                    }
                }
                _ => break,
            }
        }
        self.journal.set_virtual_ms(self.base_ms + target_ms);
        Ok(())
    }

    /// Applies every batch left in the run; later records carry the last one's time.
    ///
    /// # Errors
    /// The control API failed.
    pub async fn step_all(&self) -> Result<(), String> {
        while let (_, Some(due)) = self.backend.clock().await? {
            self.journal.set_virtual_ms(self.base_ms + due);
            if !self.backend.step().await? {
                break;
            }
        }
        Ok(())
    }

    /// Pings the client behind everything sent so far and waits for the answer.
    pub async fn probe(&self, conn: Conn) -> bool {
        self.sync().await;
        let Some(probe) = self.link.probe(conn) else {
            return false;
        };
        self.wait(
            "the client to answer a ping",
            Some(self.thresholds.patience),
            |records| {
                records.iter().find_map(|r| match r.seen {
                    Seen::ProbeAnswered { probe: p, .. } if p == probe => Some(true),
                    Seen::Hangup { conn: c, .. } if c == conn => Some(false),
                    _ => None,
                })
            },
        )
        .await
        .unwrap_or(false)
    }
}

/// The upgrades the server refused, in words.
fn refusals(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match r.seen {
            Seen::Answered { conn, status } if status != 101 => {
                Some(format!("connection #{conn} got {status}"))
            }
            _ => None,
        })
        .collect()
}

/// Basic credentials on the Event API path, for the connection that opened.
fn credentials_check(records: &[Record], conn: Conn) -> Check {
    let attempt = records.iter().find_map(|r| match &r.seen {
        Seen::Attempt {
            conn: c,
            path,
            auth,
        } if *c == conn => Some((path.clone(), auth.clone())),
        _ => None,
    });
    let Some((path, auth)) = attempt else {
        return Check::fail(CheckId::Credentials, "no upgrade request was seen");
    };
    let path_only = path.split('?').next().unwrap_or_default();
    match auth {
        Auth::Basic(user) if path_only == EVENT_PATH => Check::pass(
            CheckId::Credentials,
            format!("Basic credentials for {user:?} on {path_only}"),
        ),
        Auth::Basic(_) => Check::fail(
            CheckId::Credentials,
            format!("connected to {path_only}; the Event API is at {EVENT_PATH}"),
        ),
        // The server let it in without Basic credentials only if it has none set;
        // say what was sent either way.
        Auth::Missing => Check::fail(
            CheckId::Credentials,
            "the upgrade request had no Authorization header".to_string(),
        ),
        Auth::Other(scheme) => Check::fail(
            CheckId::Credentials,
            format!("the upgrade request used {scheme}, not HTTP Basic"),
        ),
    }
}
