//! The request journal, as WireMock keeps one: every request to the Live API
//! (`/communication_manager/rest/...`), answered or refused, with when it came
//! (virtual and wall time), its method, path, status and body sizes. Ours, not
//! iSymphony's: `GET /sim/requests` reads it, `DELETE /sim/requests` clears it,
//! and the client suite shows it in every transcript.
//!
//! Bounded: it keeps the last [`MAX_JOURNAL_ENTRIES`] entries and counts the
//! ones it let go, so a long-running `serve` never grows without limit.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

/// Most entries the journal keeps; older ones are dropped (and counted).
pub const MAX_JOURNAL_ENTRIES: usize = 10_000;

/// Where the journal is read (`GET`) and cleared (`DELETE`).
pub const REQUESTS_PATH: &str = "/sim/requests";

/// One request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// 1, 2, ... in arrival order since the server started (clearing keeps counting).
    pub seq: u64,
    /// The simulation's virtual ms when it arrived.
    pub virtual_ms: u64,
    /// The wall clock when it arrived, Unix microseconds.
    pub unix_us: u64,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, and `?query` if it had one.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// Bytes of the request body (its `Content-Length`; 0 without one).
    pub request_bytes: u64,
    /// Bytes of the response body.
    pub response_bytes: u64,
}

/// What `GET /sim/requests` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalPage {
    /// The entries kept, oldest first.
    pub requests: Vec<JournalEntry>,
    /// Entries recorded since the last clear, kept or not.
    pub total: u64,
    /// Entries let go to stay within [`MAX_JOURNAL_ENTRIES`].
    pub dropped: u64,
}

/// A request about to be journaled: everything but its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The simulation's virtual ms.
    pub virtual_ms: u64,
    /// Unix microseconds.
    pub unix_us: u64,
    /// The method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The request body's size.
    pub request_bytes: u64,
}

/// The journal of one server.
#[derive(Debug, Default)]
pub struct RequestJournal {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: VecDeque<JournalEntry>,
    next_seq: u64,
    total: u64,
    dropped: u64,
}

impl RequestJournal {
    /// Records a request and the status and body size it was answered with.
    pub fn record(&self, arrival: Arrival, status: u16, response_bytes: u64) {
        let mut inner = self.lock();
        inner.next_seq += 1;
        inner.total += 1;
        let entry = JournalEntry {
            seq: inner.next_seq,
            virtual_ms: arrival.virtual_ms,
            unix_us: arrival.unix_us,
            method: arrival.method,
            path: arrival.path,
            status,
            request_bytes: arrival.request_bytes,
            response_bytes,
        };
        if inner.entries.len() == MAX_JOURNAL_ENTRIES {
            inner.entries.pop_front();
            inner.dropped += 1;
        }
        inner.entries.push_back(entry);
    }

    /// What the journal holds.
    pub fn page(&self) -> JournalPage {
        let inner = self.lock();
        JournalPage {
            requests: inner.entries.iter().cloned().collect(),
            total: inner.total,
            dropped: inner.dropped,
        }
    }

    /// As [`page`](RequestJournal::page), with only the last `n` entries (the
    /// dashboard shows the latest without copying the whole journal).
    pub fn recent(&self, n: usize) -> JournalPage {
        let inner = self.lock();
        let skip = inner.entries.len().saturating_sub(n);
        JournalPage {
            requests: inner.entries.iter().skip(skip).cloned().collect(),
            total: inner.total,
            dropped: inner.dropped,
        }
    }

    /// Empties it; returns how many entries it held.
    pub fn clear(&self) -> usize {
        let mut inner = self.lock();
        let held = inner.entries.len();
        inner.entries.clear();
        inner.total = 0;
        inner.dropped = 0;
        held
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The wall clock now, Unix microseconds (0 before 1970).
pub fn unix_us_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival(path: &str) -> Arrival {
        Arrival {
            virtual_ms: 5,
            unix_us: 7,
            method: "GET".to_string(),
            path: path.to_string(),
            request_bytes: 0,
        }
    }

    #[test]
    fn entries_are_kept_in_order_bounded_and_cleared() {
        let journal = RequestJournal::default();
        for n in 0..MAX_JOURNAL_ENTRIES + 2 {
            journal.record(arrival(&format!("/p/{n}")), 200, 10);
        }
        let page = journal.page();
        assert_eq!(page.requests.len(), MAX_JOURNAL_ENTRIES);
        assert_eq!(
            (page.total, page.dropped),
            (MAX_JOURNAL_ENTRIES as u64 + 2, 2)
        );
        assert_eq!(page.requests[0].path, "/p/2");
        assert_eq!(page.requests[0].seq, 3);
        let recent = journal.recent(2);
        let last: Vec<u64> = recent.requests.iter().map(|e| e.seq).collect();
        assert_eq!(
            last,
            [
                MAX_JOURNAL_ENTRIES as u64 + 1,
                MAX_JOURNAL_ENTRIES as u64 + 2
            ]
        );
        assert_eq!(recent.total, page.total);
        assert_eq!(journal.clear(), MAX_JOURNAL_ENTRIES);
        journal.record(arrival("/q"), 404, 3);
        let page = journal.page();
        assert_eq!(
            (page.total, page.dropped, page.requests[0].seq),
            (1, 0, MAX_JOURNAL_ENTRIES as u64 + 3)
        );
    }
}
