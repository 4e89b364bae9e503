//! The browser's auth flow, told apart from real refusals.
//!
//! A browser given `ws://user:password@host/...` (or any page whose request meets a
//! 401) first asks without credentials, gets the 401 challenge, and asks again with
//! them. That first 401 is no refusal. So a 401 for missing credentials is held,
//! keyed by source address, `Origin` and path, for [`CHALLENGE_WINDOW`]: an
//! admitted request with the same key within the window makes it a *challenge*
//! (logged at debug, counted as `challenges`); a window that runs out without one
//! makes it a refusal (a warning, counted as `refusedNoCredentials`), logged when
//! the window ends, so no log waits longer than that. The window and the key are
//! ours: the real server's handling is undocumented.
//!
//! The book of held challenges is bounded ([`MAX_HELD_CHALLENGES`] keys): past
//! that, the oldest is settled as a refusal at once. Time is passed in, so the
//! rules are tested without waiting; the server settles expired entries on every
//! admission and in a task that wakes at the next deadline. See
//! docs/protocol.md §1.2 and §10.9.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::server::session::peer_label;
use crate::server::stats::Stats;

/// How long a 401 for missing credentials waits for an authenticated retry from
/// the same address, origin and path before it counts as a refusal (ours).
pub const CHALLENGE_WINDOW: Duration = Duration::from_secs(10);

/// Most keys with a challenge held at once; past that the oldest is settled as a
/// refusal at once, so a flood of anonymous requests cannot grow the book.
pub const MAX_HELD_CHALLENGES: usize = 1024;

/// Longest `Origin` or path kept in a key; longer ones are cut (a key, not a record).
const MAX_KEY_PART: usize = 256;

/// Who was challenged: the retry must come from the same place for the same thing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Asker {
    ip: Option<IpAddr>,
    origin: Option<String>,
    path: String,
}

impl Asker {
    /// The key of a request from `remote`, with its `Origin` header, for `path`.
    pub(crate) fn new(remote: Option<SocketAddr>, origin: Option<&str>, path: &str) -> Self {
        Asker {
            ip: remote.map(|r| r.ip()),
            origin: origin.map(|o| cut(o).to_string()),
            path: cut(path).to_string(),
        }
    }
}

fn cut(text: &str) -> &str {
    let mut end = text.len().min(MAX_KEY_PART);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The 401s held for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Held {
    /// 401s sent since the key was last admitted or settled.
    count: u64,
    /// When they count as refusals: the window after the latest of them.
    deadline: Instant,
    /// The last peer (address and port), for the log.
    peer: Option<SocketAddr>,
    /// What was asked for ("websocket upgrade", "REST request", ...).
    what: &'static str,
}

/// Challenges that became refusals, or that were answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settled {
    pub(crate) asker: Asker,
    pub(crate) count: u64,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) what: &'static str,
}

/// The held challenges, with the time passed in.
#[derive(Debug)]
pub(crate) struct ChallengeBook {
    held: BTreeMap<Asker, Held>,
    window: Duration,
    capacity: usize,
}

impl ChallengeBook {
    /// An empty book whose challenges wait `window`, holding at most `capacity` keys.
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        ChallengeBook {
            held: BTreeMap::new(),
            window,
            capacity: capacity.max(1),
        }
    }

    /// Holds a 401 sent at `now`. Returns what had to be settled as refusals to
    /// make room.
    pub(crate) fn challenged(
        &mut self,
        asker: Asker,
        peer: Option<SocketAddr>,
        what: &'static str,
        now: Instant,
    ) -> Vec<Settled> {
        let deadline = now + self.window;
        if let Some(held) = self.held.get_mut(&asker) {
            held.count += 1;
            held.deadline = deadline;
            held.peer = peer;
            held.what = what;
            return Vec::new();
        }
        let mut evicted = Vec::new();
        while self.held.len() >= self.capacity {
            let Some(oldest) = self.oldest() else { break };
            if let Some(settled) = self.settle(&oldest) {
                evicted.push(settled);
            }
        }
        self.held.insert(
            asker,
            Held {
                count: 1,
                deadline,
                peer,
                what,
            },
        );
        evicted
    }

    /// An admitted request: the 401s held for its key were challenges.
    pub(crate) fn admitted(&mut self, asker: &Asker) -> Option<Settled> {
        self.settle(asker)
    }

    /// Settles, as refusals, every key whose window has run out by `now`.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<Settled> {
        let due: Vec<Asker> = self
            .held
            .iter()
            .filter(|(_, held)| held.deadline <= now)
            .map(|(asker, _)| asker.clone())
            .collect();
        due.iter().filter_map(|asker| self.settle(asker)).collect()
    }

    /// Settles every key at once (at shutdown), as refusals.
    pub(crate) fn drain(&mut self) -> Vec<Settled> {
        let all: Vec<Asker> = self.held.keys().cloned().collect();
        all.iter().filter_map(|asker| self.settle(asker)).collect()
    }

    /// When the next window runs out.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.held.values().map(|held| held.deadline).min()
    }

    /// 401s held now, over every key.
    pub(crate) fn held(&self) -> u64 {
        self.held.values().map(|held| held.count).sum()
    }

    fn oldest(&self) -> Option<Asker> {
        self.held
            .iter()
            .min_by_key(|(_, held)| held.deadline)
            .map(|(asker, _)| asker.clone())
    }

    fn settle(&mut self, asker: &Asker) -> Option<Settled> {
        let (asker, held) = self.held.remove_entry(asker)?;
        Some(Settled {
            asker,
            count: held.count,
            peer: held.peer,
            what: held.what,
        })
    }
}

/// The book one server shares between its admissions and its settling task.
#[derive(Debug)]
pub(crate) struct Challenges {
    book: Mutex<ChallengeBook>,
    /// Wakes the settling task when a deadline may have moved earlier.
    changed: Notify,
}

impl Challenges {
    /// A book with `window` and the default capacity.
    pub(crate) fn new(window: Duration) -> Self {
        Challenges {
            book: Mutex::new(ChallengeBook::new(window, MAX_HELD_CHALLENGES)),
            changed: Notify::new(),
        }
    }

    /// Holds a 401 for missing credentials, sent now.
    pub(crate) fn challenged(
        &self,
        asker: Asker,
        peer: Option<SocketAddr>,
        what: &'static str,
        stats: &Stats,
    ) {
        let now = Instant::now();
        let mut book = self.lock();
        let mut refused = book.expire(now);
        tracing::debug!(
            peer = %peer_label(peer),
            origin = asker.origin.as_deref().unwrap_or("none"),
            "sent a 401 challenge for a {what} without credentials; an authenticated retry within {:?} makes it the browser's auth flow",
            book.window
        );
        refused.extend(book.challenged(asker, peer, what, now));
        stats.challenges_held.store(book.held(), Ordering::Relaxed);
        drop(book);
        report_refused(&refused, stats);
        self.changed.notify_one();
    }

    /// An admitted request from `asker`: what was held for it was a challenge.
    pub(crate) fn admitted(&self, asker: &Asker, stats: &Stats) {
        if stats.challenges_held.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut book = self.lock();
        let refused = book.expire(Instant::now());
        let answered = book.admitted(asker);
        stats.challenges_held.store(book.held(), Ordering::Relaxed);
        drop(book);
        report_refused(&refused, stats);
        if let Some(answered) = answered {
            stats
                .challenges_answered
                .fetch_add(answered.count, Ordering::Relaxed);
            tracing::debug!(
                peer = %peer_label(answered.peer),
                origin = answered.asker.origin.as_deref().unwrap_or("none"),
                challenges = answered.count,
                "a 401 challenge was followed by an authenticated retry (the browser's auth flow), not a refusal"
            );
        }
    }

    /// Settles expired windows as they run out, until `shutdown`; then settles
    /// the rest, so no refusal goes unlogged.
    pub(crate) async fn settle_until(&self, stats: &Stats, shutdown: CancellationToken) {
        loop {
            let next = self.lock().next_deadline();
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = self.changed.notified() => continue,
                () = sleep_until(next) => {}
            }
            let mut book = self.lock();
            let refused = book.expire(Instant::now());
            stats.challenges_held.store(book.held(), Ordering::Relaxed);
            drop(book);
            report_refused(&refused, stats);
        }
        let mut book = self.lock();
        let refused = book.drain();
        stats.challenges_held.store(0, Ordering::Relaxed);
        drop(book);
        report_refused(&refused, stats);
    }

    fn lock(&self) -> MutexGuard<'_, ChallengeBook> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Counts and logs 401s that no authenticated retry followed.
fn report_refused(refused: &[Settled], stats: &Stats) {
    for settled in refused {
        stats
            .refused_no_credentials
            .fetch_add(settled.count, Ordering::Relaxed);
        tracing::warn!(
            peer = %peer_label(settled.peer),
            origin = settled.asker.origin.as_deref().unwrap_or("none"),
            path = %settled.asker.path,
            reason = "no_credentials",
            count = settled.count,
            "refused {}: no credentials, and no authenticated retry followed",
            settled.what
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(10);

    fn peer(port: u16) -> Option<SocketAddr> {
        Some(SocketAddr::from(([127, 0, 0, 1], port)))
    }

    fn browser(port: u16) -> Asker {
        Asker::new(
            peer(port),
            Some("http://localhost:3000"),
            "/communication_manager/ws/event",
        )
    }

    #[test]
    fn a_retry_within_the_window_makes_a_challenge_from_any_port() {
        let start = Instant::now();
        let mut book = ChallengeBook::new(WINDOW, 8);

        book.challenged(browser(50000), peer(50000), "websocket upgrade", start);
        let expired = book.expire(start + WINDOW - Duration::from_millis(1));
        let answered = book.admitted(&browser(50001));

        assert!(expired.is_empty());
        assert_eq!(answered.map(|a| a.count), Some(1));
        assert_eq!(book.held(), 0);
        assert!(book.expire(start + 2 * WINDOW).is_empty());
    }

    #[test]
    fn no_retry_within_the_window_makes_a_refusal_when_it_runs_out() {
        let start = Instant::now();
        let mut book = ChallengeBook::new(WINDOW, 8);

        book.challenged(browser(50000), peer(50000), "websocket upgrade", start);
        book.challenged(
            browser(50002),
            peer(50002),
            "websocket upgrade",
            start + WINDOW / 2,
        );
        assert_eq!(book.next_deadline(), Some(start + WINDOW + WINDOW / 2));
        assert!(
            book.expire(start + WINDOW).is_empty(),
            "the second 401 renewed the window"
        );
        let refused = book.expire(start + WINDOW + WINDOW / 2);
        let late = book.admitted(&browser(50003));

        assert_eq!(refused.len(), 1);
        assert_eq!((refused[0].count, refused[0].peer), (2, peer(50002)));
        assert_eq!(late, None, "a success after the window answers nothing");
    }

    #[test]
    fn another_origin_address_or_path_answers_nothing() {
        let start = Instant::now();
        let mut book = ChallengeBook::new(WINDOW, 8);
        book.challenged(browser(50000), peer(50000), "websocket upgrade", start);

        let other_origin = Asker::new(
            peer(1),
            Some("http://localhost:4000"),
            "/communication_manager/ws/event",
        );
        let no_origin = Asker::new(peer(1), None, "/communication_manager/ws/event");
        let other_host = Asker::new(
            Some(SocketAddr::from(([127, 0, 0, 2], 1))),
            Some("http://localhost:3000"),
            "/communication_manager/ws/event",
        );
        let other_path = Asker::new(peer(1), Some("http://localhost:3000"), "/sim/status");

        for asker in [other_origin, no_origin, other_host, other_path] {
            assert_eq!(book.admitted(&asker), None, "{asker:?}");
        }
        assert_eq!(book.held(), 1);
    }

    #[test]
    fn the_book_is_bounded_by_settling_the_oldest() {
        let start = Instant::now();
        let mut book = ChallengeBook::new(WINDOW, 2);
        let asker = |n: u16| Asker::new(peer(n), None, &format!("/sim/{n}"));

        book.challenged(asker(1), peer(1), "control request", start);
        book.challenged(
            asker(2),
            peer(2),
            "control request",
            start + Duration::from_secs(1),
        );
        let evicted = book.challenged(
            asker(3),
            peer(3),
            "control request",
            start + Duration::from_secs(2),
        );

        assert_eq!(evicted.len(), 1);
        assert_eq!(evicted[0].asker, asker(1));
        assert_eq!(book.held(), 2);
        assert_eq!(book.drain().len(), 2);
    }

    #[test]
    fn long_keys_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_KEY_PART);
        let asker = Asker::new(None, Some(&long), &long);
        assert!(asker.path.len() <= MAX_KEY_PART && asker.path.starts_with('é'));
    }

    #[tokio::test(start_paused = true)]
    async fn the_settling_task_logs_refusals_when_windows_run_out() {
        let stats = std::sync::Arc::new(Stats::default());
        let challenges = std::sync::Arc::new(Challenges::new(WINDOW));
        let shutdown = CancellationToken::new();
        let task = tokio::spawn({
            let (stats, challenges, shutdown) =
                (stats.clone(), challenges.clone(), shutdown.clone());
            async move { challenges.settle_until(&stats, shutdown).await }
        });

        challenges.challenged(browser(50000), peer(50000), "websocket upgrade", &stats);
        tokio::time::sleep(WINDOW - Duration::from_millis(1)).await;
        let before = stats.snapshot();
        tokio::time::sleep(Duration::from_millis(2)).await;
        let after = stats.snapshot();
        challenges.challenged(browser(50001), peer(50001), "websocket upgrade", &stats);
        shutdown.cancel();
        task.await.expect("settling task");

        assert_eq!(
            (before.refused_no_credentials, before.challenges_held),
            (0, 1)
        );
        assert_eq!(
            (after.refused_no_credentials, after.challenges_held),
            (1, 0)
        );
        let last = stats.snapshot();
        assert_eq!(
            (last.refused_no_credentials, last.challenges_held),
            (2, 0),
            "shutdown settles the rest"
        );
    }
}
