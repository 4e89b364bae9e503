//! The behaviour checks of the client suite, in one table: each names what it
//! asks of a client, where that expectation comes from (documented, inferred, or
//! our recommendation) and the section that says so, so that every report can
//! show a failure's standing next to it.

use serde::Serialize;

/// Where a check's expectation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Read in the iSymphony documentation, or in the websocket standard.
    Documented,
    /// Deduced from documented examples; the documentation does not say it.
    Inferred,
    /// Ours: good practice for a client of any server, not a documented rule.
    Recommendation,
}

impl Provenance {
    /// The words the reports show.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Documented => "documented",
            Provenance::Inferred => "inferred",
            Provenance::Recommendation => "our recommendation",
        }
    }
}

/// One behaviour check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// The upgrade carries Basic credentials the server accepts, on the Event API path.
    Credentials,
    /// A filter message comes within the filter deadline.
    FilterEarly,
    /// Every message the client sends is a filter message the server accepts.
    FiltersAccepted,
    /// Every filter entry names a property that an event it can select carries.
    KnownProperties,
    /// Every `type` value names an event type of the profile.
    KnownTypes,
    /// No filter entry is given twice.
    NoDuplicates,
    /// A note when the filter admits every event.
    AdmitsEverything,
    /// The client connects again after the server closed its connection.
    Reconnects,
    /// Attempts no closer than the minimum interval; no tight loop.
    Backoff,
    /// The new connection gets the same filter as the old one.
    Refilters,
    /// After a restart, nothing the client sends or asks carries an old id.
    NoStaleIds,
    /// After a restart, a client that used the Live API reads it again.
    RereadsLiveApi,
    /// The burst reaches the client without a slow-consumer close.
    KeepsUp,
    /// Duplicated, malformed and unknown frames leave the client connected.
    StaysConnected,
    /// The client still reads after them (it answers a ping sent behind them).
    KeepsReading,
    /// The client answers the server's pings.
    AnswersPings,
    /// The client is not closed by the server's idle timeout.
    SurvivesIdle,
    /// Two runs of a case give the same transcript (`--check-determinism`).
    Deterministic,
    /// A note when a client started per case outlived SIGTERM's grace period.
    StopsOnSigterm,
}

/// A check's row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckSpec {
    /// The id reports and tests use (the check itself carries it in reports).
    #[serde(skip)]
    pub id: CheckId,
    /// What the check asks of a client, in one sentence.
    pub asks: &'static str,
    /// Documented, inferred or ours.
    pub provenance: Provenance,
    /// Where that comes from.
    pub source: &'static str,
}

impl CheckId {
    /// The check's row of the table.
    pub fn spec(self) -> CheckSpec {
        use CheckId::*;
        use Provenance::*;
        let (asks, provenance, source) = match self {
            Credentials => (
                "connects to the Event API path with HTTP Basic credentials the server accepts",
                Documented,
                "docs/protocol.md §1.1, §1.2",
            ),
            FilterEarly => (
                "sends a filter message (an empty list if it wants everything) soon after connecting",
                Recommendation,
                "docs/protocol.md §5.1 (the message); the deadline is ours",
            ),
            FiltersAccepted => (
                "every message it sends is a valid filter message, answered success:true",
                Inferred,
                "docs/protocol.md §5.1 (the valid form), §5.3 (the reply is our default)",
            ),
            KnownProperties => (
                "every filter property is carried by an event type the filter can select",
                Documented,
                "docs/protocol.md §4 (properties), §5.2 (a missing property is never delivered)",
            ),
            KnownTypes => (
                "every type value names an event type the server emits",
                Documented,
                "docs/protocol.md §4",
            ),
            NoDuplicates => (
                "no filter entry is given twice",
                Recommendation,
                "ours: a duplicate changes nothing and usually hides a mistake",
            ),
            AdmitsEverything => (
                "a filter that admits every event is worth a second look (a note, never a failure)",
                Recommendation,
                "ours: the server sends a client only what it asks for",
            ),
            Reconnects => (
                "connects again after the server closed or dropped its connection",
                Recommendation,
                "ours: servers restart and connections drop",
            ),
            Backoff => (
                "waits between attempts (no tight loop), and reconnects only when it lost the connection",
                Recommendation,
                "ours",
            ),
            Refilters => (
                "sends its filter again on the new connection, the same as before",
                Inferred,
                "docs/protocol.md §5.2: filters belong to one connection; a new one starts unfiltered",
            ),
            NoStaleIds => (
                "after a restart, sends and asks for no id from before it",
                Documented,
                "docs/protocol.md §3: ids are not stable across server restarts",
            ),
            RereadsLiveApi => (
                "after a restart, reads the Live API again if it used it",
                Documented,
                "docs/protocol.md §3, §6: ids are not stable across server restarts",
            ),
            KeepsUp => (
                "reads a burst of events without being closed as a slow consumer",
                Recommendation,
                "ours: the slow-consumer limit is our server's (docs/protocol.md §10)",
            ),
            StaysConnected => (
                "stays connected after a duplicated event, a malformed frame and an unknown event",
                Recommendation,
                "ours; unknown types: docs/protocol.md §4.9 (more types likely exist)",
            ),
            KeepsReading => (
                "still reads after them: answers a ping sent behind them",
                Recommendation,
                "ours",
            ),
            AnswersPings => (
                "answers the server's pings with pongs",
                Documented,
                "RFC 6455 §5.5.2",
            ),
            SurvivesIdle => (
                "is not closed by the server's idle timeout while no events come",
                Recommendation,
                "ours: the idle timeout is our server's (docs/protocol.md §10)",
            ),
            Deterministic => (
                "does the same thing each time a case plays (--check-determinism)",
                Recommendation,
                "ours: a snapshot can only show a change if the client repeats itself",
            ),
            StopsOnSigterm => (
                "exits soon after SIGTERM (a note, never a failure)",
                Recommendation,
                "ours",
            ),
        };
        CheckSpec {
            id: self,
            asks,
            provenance,
            source,
        }
    }

    /// The id as reports and tests spell it.
    pub fn name(self) -> &'static str {
        use CheckId::*;
        match self {
            Credentials => "credentials",
            FilterEarly => "filter-early",
            FiltersAccepted => "filters-accepted",
            KnownProperties => "known-properties",
            KnownTypes => "known-types",
            NoDuplicates => "no-duplicates",
            AdmitsEverything => "admits-everything",
            Reconnects => "reconnects",
            Backoff => "backoff",
            Refilters => "refilters",
            NoStaleIds => "no-stale-ids",
            RereadsLiveApi => "rereads-live-api",
            KeepsUp => "keeps-up",
            StaysConnected => "stays-connected",
            KeepsReading => "keeps-reading",
            AnswersPings => "answers-pings",
            SurvivesIdle => "survives-idle",
            Deterministic => "deterministic",
            StopsOnSigterm => "stops-on-sigterm",
        }
    }
}

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckState {
    /// The client did what the check asks.
    Pass,
    /// It did not.
    Fail,
    /// Worth reading; never changes the verdict.
    Note,
    /// The case could not tell (e.g. nothing the client's filter admits could be sent).
    Inconclusive,
}

impl CheckState {
    /// The word the reports show.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckState::Pass => "pass",
            CheckState::Fail => "FAIL",
            CheckState::Note => "note",
            CheckState::Inconclusive => "inconclusive",
        }
    }
}

/// One check's result in one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// How it came out.
    pub state: CheckState,
    /// What was seen, in a sentence (the evidence for a pass, the fault for a failure).
    pub detail: String,
}

impl Check {
    /// A passed check.
    pub fn pass(id: CheckId, detail: impl Into<String>) -> Check {
        Check {
            id,
            state: CheckState::Pass,
            detail: detail.into(),
        }
    }

    /// A failed check.
    pub fn fail(id: CheckId, detail: impl Into<String>) -> Check {
        Check {
            id,
            state: CheckState::Fail,
            detail: detail.into(),
        }
    }

    /// A note.
    pub fn note(id: CheckId, detail: impl Into<String>) -> Check {
        Check {
            id,
            state: CheckState::Note,
            detail: detail.into(),
        }
    }

    /// A check the case could not decide.
    pub fn inconclusive(id: CheckId, detail: impl Into<String>) -> Check {
        Check {
            id,
            state: CheckState::Inconclusive,
            detail: detail.into(),
        }
    }

    /// Pass or fail by `ok`.
    pub fn pass_if(id: CheckId, ok: bool, detail: impl Into<String>) -> Check {
        if ok {
            Check::pass(id, detail)
        } else {
            Check::fail(id, detail)
        }
    }

    /// The line the reports show: state, check, provenance, detail.
    pub fn line(&self) -> String {
        let spec = self.id.spec();
        format!(
            "{:<12} {:<18} [{}] {}",
            self.state.as_str(),
            self.id.name(),
            spec.provenance.as_str(),
            self.detail
        )
    }
}
