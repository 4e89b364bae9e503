//! Counters of what the server did, kept so that nothing is dropped or refused
//! silently (the rule "nothing is dropped silently" of docs/architecture.md) and
//! so tests can prove properties such as "each event is serialized once".
//!
//! One [`Stats`] belongs to one server; there are no process-global counters.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::protocol::EventKind;
use crate::scenario::Fault;
use crate::scenario::fault::FAULT_KINDS;

use super::http::admission::gate::Refusal;

/// Live counters of one server. Cheap to update from any task; read with
/// [`Stats::snapshot`].
#[derive(Debug, Default)]
pub struct Stats {
    /// Events handed to a [`Publisher`](super::Publisher): what the feed and the
    /// REST API produced, before any filtering.
    pub(crate) events_published: AtomicU64,
    /// Events serialized to JSON. Equal to `events_published` when every event is
    /// encoded exactly once, however many clients receive it (the rule "an event is
    /// serialized once" of docs/architecture.md).
    pub(crate) events_encoded: AtomicU64,
    /// (event, client) pairs whose filters admitted the event: each is either
    /// queued (`frames_delivered`) or dropped (`frames_dropped`), never lost.
    pub(crate) events_admitted: AtomicU64,
    /// Event frames placed in some client's queue (one per matching client and
    /// event): the fan-out volume that filters let through.
    pub(crate) frames_delivered: AtomicU64,
    /// Event frames due to a client that could not be queued: it was a slow
    /// consumer (the rest of its run) or it was leaving.
    pub(crate) frames_dropped: AtomicU64,
    /// Extra copies queued by `duplicate` faults (not in `frames_delivered`).
    pub(crate) frames_duplicated: AtomicU64,
    /// Queued event frames evicted for newer ones under `--slow-consumer
    /// drop-oldest` (each client was told in a `simNotice`).
    pub(crate) frames_dropped_oldest: AtomicU64,
    /// `simNotice` frames sessions queued to tell a client of evicted events.
    pub(crate) notices_sent: AtomicU64,
    /// Non-JSON frames queued by `malformed` faults.
    pub(crate) malformed_sent: AtomicU64,
    /// Frames of any kind (events, replies, fault frames) sessions took from their
    /// queues and handed to the socket.
    pub(crate) frames_written: AtomicU64,
    /// Frames still queued when their session ended (client gone, kicked, closed):
    /// queued frames are written, discarded or evicted, so at rest
    /// `frames_delivered + frames_duplicated + malformed_sent + replies_sent +
    /// notices_sent == frames_written + frames_discarded + frames_dropped_oldest`.
    pub(crate) frames_discarded: AtomicU64,
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
    /// Clients closed with 1009 for a message over `--max-message-bytes`.
    pub(crate) oversize_messages: AtomicU64,
    /// Filter messages refused for more entries than `--max-filters` (also in
    /// `bad_client_messages`).
    pub(crate) filters_over_limit: AtomicU64,
    /// Clients closed with 1001 after `--idle-timeout` of silence.
    pub(crate) idle_timeouts: AtomicU64,
    /// Upgrades refused with 503 at `--max-connections`.
    pub(crate) refused_connection_limit: AtomicU64,
    /// TLS connections that failed or timed out in the handshake.
    pub(crate) tls_handshake_failures: AtomicU64,
    /// Faults injected (`/sim/fault` and scenario steps), per kind.
    faults_by_kind: [AtomicU64; FAULT_KINDS.len()],
    /// Requests (upgrades, REST, `/sim/`) refused for lack of credentials (401)
    /// that no authenticated retry followed within the challenge window.
    pub(crate) refused_no_credentials: AtomicU64,
    /// 401s for missing credentials that an authenticated retry from the same
    /// address, origin and path followed: the browser's auth flow, no refusal.
    pub(crate) challenges_answered: AtomicU64,
    /// 401s still waiting for a retry (settled within the challenge window).
    pub(crate) challenges_held: AtomicU64,
    /// CORS preflights answered with the allowed methods and headers.
    pub(crate) cors_preflights: AtomicU64,
    /// CORS preflights refused: the origin is not listed, or CORS is off.
    pub(crate) refused_cors_preflights: AtomicU64,
    /// Requests refused for wrong credentials (403).
    pub(crate) refused_wrong_credentials: AtomicU64,
    /// Requests and connections refused because the source address is not
    /// allowed: 403, or closed at accept before a byte was read.
    pub(crate) refused_address: AtomicU64,
    /// Authorised requests to the event path that were not valid websocket
    /// upgrades: none asked for (426), or one that breaks RFC 6455 (400, 426).
    pub(crate) refused_not_websocket: AtomicU64,
    /// Websocket sessions open right now.
    pub(crate) connections_current: AtomicU64,
    /// Websocket sessions opened since start.
    pub(crate) connections_total: AtomicU64,
    /// TCP connections (plain or TLS) being served right now, websocket or not.
    pub(crate) transport_connections_current: AtomicU64,
    /// Connections accepted that no request of has passed admission yet.
    pub(crate) pending_connections: AtomicU64,
    /// Connections closed at accept: `--max-pending` were pending already.
    pub(crate) refused_pending_limit: AtomicU64,
    /// Connections closed at accept: `--max-pending-per-address` were pending
    /// from the same source address.
    pub(crate) refused_pending_per_address: AtomicU64,
    /// Connections closed at accept: every file descriptor but `--fd-reserve`
    /// was in use.
    pub(crate) refused_descriptor_limit: AtomicU64,
    /// Connections closed for sending no complete request head within
    /// `--header-timeout` (after accept, or after their last response).
    pub(crate) header_timeouts: AtomicU64,
    /// Requests answered 408 for a body that took longer than `--body-timeout`.
    pub(crate) body_timeouts: AtomicU64,
    /// Sessions closed with 1002 or 1007 for breaking the websocket protocol.
    pub(crate) protocol_errors: AtomicU64,
    /// Sessions closed with 1008 for a message not complete within
    /// `--message-timeout`.
    pub(crate) slow_messages: AtomicU64,
    /// Words clients' filters have added to the dispatcher's vocabulary (values
    /// and property names outside the catalogue), as of the last filter change:
    /// it follows the live filters, not everything clients ever sent.
    pub(crate) filter_words: AtomicU64,
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

    /// Sockets open now: connections served over HTTP plus websocket sessions
    /// (a websocket leaves the HTTP side once upgraded).
    pub(crate) fn open_connections(&self) -> u64 {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        read(&self.transport_connections_current) + read(&self.connections_current)
    }

    /// Counts one injected fault under its kind.
    pub(crate) fn count_fault(&self, fault: &Fault) {
        if let Some(i) = FAULT_KINDS.iter().position(|k| *k == fault.kind()) {
            Self::bump(&self.faults_by_kind[i]);
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
            events_admitted: read(&self.events_admitted),
            frames_dropped: read(&self.frames_dropped),
            frames_duplicated: read(&self.frames_duplicated),
            frames_dropped_oldest: read(&self.frames_dropped_oldest),
            notices_sent: read(&self.notices_sent),
            malformed_sent: read(&self.malformed_sent),
            frames_written: read(&self.frames_written),
            frames_discarded: read(&self.frames_discarded),
            events_by_type: EventKind::ALL
                .iter()
                .zip(&self.events_by_kind)
                .map(|(kind, count)| (kind.name(), read(count)))
                .filter(|(_, count)| *count > 0)
                .collect(),
            replies_sent: read(&self.replies_sent),
            bad_client_messages: read(&self.bad_client_messages),
            slow_consumer_disconnects: read(&self.slow_consumer_disconnects),
            oversize_messages: read(&self.oversize_messages),
            filters_over_limit: read(&self.filters_over_limit),
            idle_timeouts: read(&self.idle_timeouts),
            refused_connection_limit: read(&self.refused_connection_limit),
            tls_handshake_failures: read(&self.tls_handshake_failures),
            faults_by_kind: FAULT_KINDS
                .iter()
                .zip(&self.faults_by_kind)
                .map(|(kind, count)| (*kind, read(count)))
                .filter(|(_, count)| *count > 0)
                .collect(),
            refused_no_credentials: read(&self.refused_no_credentials),
            challenges: read(&self.challenges_answered),
            challenges_held: read(&self.challenges_held),
            cors_preflights: read(&self.cors_preflights),
            refused_cors_preflights: read(&self.refused_cors_preflights),
            refused_wrong_credentials: read(&self.refused_wrong_credentials),
            refused_address: read(&self.refused_address),
            refused_not_websocket: read(&self.refused_not_websocket),
            connections_current: read(&self.connections_current),
            connections_total: read(&self.connections_total),
            transport_connections_current: read(&self.transport_connections_current),
            pending_connections: read(&self.pending_connections),
            refused_pending_limit: read(&self.refused_pending_limit),
            refused_pending_per_address: read(&self.refused_pending_per_address),
            refused_descriptor_limit: read(&self.refused_descriptor_limit),
            header_timeouts: read(&self.header_timeouts),
            body_timeouts: read(&self.body_timeouts),
            filter_words: read(&self.filter_words),
            protocol_errors: read(&self.protocol_errors),
            slow_messages: read(&self.slow_messages),
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
    /// (event, client) pairs the client's filters admitted; each is delivered or dropped.
    pub events_admitted: u64,
    /// Event frames due to a slow or leaving client that could not be queued.
    pub frames_dropped: u64,
    /// Extra copies queued by `duplicate` faults.
    pub frames_duplicated: u64,
    /// Queued event frames evicted for newer ones (`--slow-consumer drop-oldest`).
    pub frames_dropped_oldest: u64,
    /// `simNotice` frames queued to tell clients of evicted events.
    pub notices_sent: u64,
    /// Non-JSON frames queued by `malformed` faults.
    pub malformed_sent: u64,
    /// Queued frames of any kind handed to the socket.
    pub frames_written: u64,
    /// Queued frames never written because their session ended first.
    pub frames_discarded: u64,
    /// Published events per wire type name; kinds never published are left out.
    pub events_by_type: BTreeMap<&'static str, u64>,
    /// Filter-response replies queued, accepted and rejected.
    pub replies_sent: u64,
    /// Client messages answered with a failure reply.
    pub bad_client_messages: u64,
    /// Clients closed with 1008 because their queue was full.
    pub slow_consumer_disconnects: u64,
    /// Clients closed with 1009 for an over-size message.
    pub oversize_messages: u64,
    /// Filter messages refused for too many entries.
    pub filters_over_limit: u64,
    /// Clients closed with 1001 after the idle timeout.
    pub idle_timeouts: u64,
    /// Upgrades refused with 503 at the connection limit.
    pub refused_connection_limit: u64,
    /// TLS handshakes that failed or timed out.
    pub tls_handshake_failures: u64,
    /// Injected faults per kind; kinds never injected are left out.
    pub faults_by_kind: BTreeMap<&'static str, u64>,
    /// Requests refused with 401 (no credentials) that no authenticated retry followed.
    pub refused_no_credentials: u64,
    /// 401 challenges an authenticated retry followed (the browser's auth flow).
    pub challenges: u64,
    /// 401 challenges still waiting for a retry.
    pub challenges_held: u64,
    /// CORS preflights answered.
    pub cors_preflights: u64,
    /// CORS preflights refused (origin not listed, or CORS off).
    pub refused_cors_preflights: u64,
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
    /// TCP connections (plain or TLS) being served now.
    pub transport_connections_current: u64,
    /// Connections no request of has passed admission yet.
    pub pending_connections: u64,
    /// Connections closed at accept at `--max-pending`.
    pub refused_pending_limit: u64,
    /// Connections closed at accept at `--max-pending-per-address`.
    pub refused_pending_per_address: u64,
    /// Connections closed at accept to keep `--fd-reserve` descriptors free.
    pub refused_descriptor_limit: u64,
    /// Connections closed without a complete request head within `--header-timeout`.
    pub header_timeouts: u64,
    /// Requests answered 408 at `--body-timeout`.
    pub body_timeouts: u64,
    /// Words clients' filters hold in the dispatcher's vocabulary.
    pub filter_words: u64,
    /// Sessions closed with 1002 or 1007 for breaking the websocket protocol.
    pub protocol_errors: u64,
    /// Sessions closed with 1008 for a message not complete in time.
    pub slow_messages: u64,
}
