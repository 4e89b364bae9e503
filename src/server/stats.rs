//! Counters of what the server did, kept so that nothing is dropped or refused
//! silently (ARCHITECTURE rule 6) and so tests can prove properties such as
//! "each event is serialized once".
//!
//! One [`Stats`] belongs to one server; there are no process-global counters.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::protocol::EventKind;

use super::auth::Refusal;

/// Live counters of one server. Cheap to update from any task; read with
/// [`Stats::snapshot`].
#[derive(Debug, Default)]
pub struct Stats {
    /// Events handed to a [`Publisher`](super::Publisher): what the feed and the
    /// REST API produced, before any filtering.
    pub(crate) events_published: AtomicU64,
    /// Events serialized to JSON. Equal to `events_published` when every event is
    /// encoded exactly once, however many clients receive it (ARCHITECTURE rule 5).
    pub(crate) events_encoded: AtomicU64,
    /// Event frames placed in some client's queue (one per matching client and
    /// event): the fan-out volume that filters let through.
    pub(crate) frames_delivered: AtomicU64,
    /// Events injected as JSON text through `POST /sim/inject` (also counted in
    /// `events_published`, never by kind: their type may be outside the catalogue).
    pub(crate) events_injected: AtomicU64,
    /// Published events per catalogue kind, to show what a scenario actually emitted.
    events_by_kind: [AtomicU64; EventKind::ALL.len()],
    /// Filter-response replies queued (accepted and rejected): every client message
    /// is answered.
    pub(crate) replies_sent: AtomicU64,
    /// Client messages that could not be used (bad JSON, wrong shape, unknown type,
    /// binary frame): answered with a failure reply, counted here.
    pub(crate) bad_client_messages: AtomicU64,
    /// Clients disconnected with close code 1008 because their queue was full.
    pub(crate) slow_consumer_disconnects: AtomicU64,
    /// Requests (upgrades, REST, `/sim/`) refused for lack of credentials (401).
    pub(crate) refused_no_credentials: AtomicU64,
    /// Requests refused for wrong credentials (403).
    pub(crate) refused_wrong_credentials: AtomicU64,
    /// Requests refused because the source address is not allowed (403).
    pub(crate) refused_address: AtomicU64,
    /// Authorised requests to the event path that were not websocket upgrades.
    pub(crate) refused_not_websocket: AtomicU64,
    /// Websocket sessions open right now.
    pub(crate) connections_current: AtomicU64,
    /// Websocket sessions opened since start.
    pub(crate) connections_total: AtomicU64,
}

impl Stats {
    /// Adds one to a counter. Relaxed ordering: counters are independent tallies,
    /// never used to synchronise other memory.
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one published event of `kind`.
    pub(crate) fn count_published(&self, kind: EventKind) {
        Self::bump(&self.events_published);
        if let Some(i) = EventKind::ALL.iter().position(|k| *k == kind) {
            Self::bump(&self.events_by_kind[i]);
        }
    }

    /// Counts one refused request under its reason.
    pub(crate) fn count_refusal(&self, refusal: &Refusal) {
        Self::bump(match refusal {
            Refusal::NoCredentials => &self.refused_no_credentials,
            Refusal::WrongCredentials => &self.refused_wrong_credentials,
            Refusal::AddressNotAllowed { .. } => &self.refused_address,
        });
    }

    /// A consistent-enough copy of every counter (each read is atomic; the set is not).
    pub fn snapshot(&self) -> StatsSnapshot {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            events_published: read(&self.events_published),
            events_encoded: read(&self.events_encoded),
            frames_delivered: read(&self.frames_delivered),
            events_injected: read(&self.events_injected),
            events_by_type: EventKind::ALL
                .iter()
                .zip(&self.events_by_kind)
                .map(|(kind, count)| (kind.name(), read(count)))
                .filter(|(_, count)| *count > 0)
                .collect(),
            replies_sent: read(&self.replies_sent),
            bad_client_messages: read(&self.bad_client_messages),
            slow_consumer_disconnects: read(&self.slow_consumer_disconnects),
            refused_no_credentials: read(&self.refused_no_credentials),
            refused_wrong_credentials: read(&self.refused_wrong_credentials),
            refused_address: read(&self.refused_address),
            refused_not_websocket: read(&self.refused_not_websocket),
            connections_current: read(&self.connections_current),
            connections_total: read(&self.connections_total),
        }
    }
}

/// A plain copy of [`Stats`], for assertions and `/sim/status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsSnapshot {
    /// Events handed to a publisher, before filtering.
    pub events_published: u64,
    /// Events serialized to JSON; equals `events_published` when each is encoded once.
    pub events_encoded: u64,
    /// Event frames placed in client queues (one per matching client and event).
    pub frames_delivered: u64,
    /// Events injected through `POST /sim/inject` (included in `events_published`).
    pub events_injected: u64,
    /// Published events per wire type name; kinds never published are left out.
    pub events_by_type: BTreeMap<&'static str, u64>,
    /// Filter-response replies queued, accepted and rejected.
    pub replies_sent: u64,
    /// Client messages answered with a failure reply.
    pub bad_client_messages: u64,
    /// Clients closed with 1008 because their queue was full.
    pub slow_consumer_disconnects: u64,
    /// Requests refused with 401 (no credentials).
    pub refused_no_credentials: u64,
    /// Requests refused with 403 (wrong credentials).
    pub refused_wrong_credentials: u64,
    /// Requests refused with 403 (source address not allowed).
    pub refused_address: u64,
    /// Authorised requests to the event path that were not upgrades.
    pub refused_not_websocket: u64,
    /// Websocket sessions open now.
    pub connections_current: u64,
    /// Websocket sessions opened since start.
    pub connections_total: u64,
}
