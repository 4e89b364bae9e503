//! The settings of each generator kind, as read from `[[generators]]` entries.

use super::{Distribution, Rate, Window};
use crate::model::StatusType;
use crate::scenario::error::did_you_mean;

/// One `[[generators]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorSpec {
    /// The line of its `[[generators]]` header, for messages.
    pub line: usize,
    /// What it generates.
    pub kind: GeneratorKind,
}

/// The kinds of generator.
#[derive(Debug, Clone, PartialEq)]
pub enum GeneratorKind {
    /// `inbound_calls`: outside callers ring a queue; idle agents answer.
    InboundCalls(InboundCalls),
    /// `logins`: users log in during a morning window, agents join their queues, and
    /// everybody leaves in an evening window.
    Logins(Logins),
    /// `status`: users set a status (lunch, a break...) and come back.
    Status(StatusChanges),
    /// `internal_calls`: users call each other (and, optionally, outside numbers).
    InternalCalls(InternalCalls),
    /// `reception`: outside callers ring a receptionist, who transfers them.
    Reception(Reception),
    /// `conference`: participants join a room for a meeting and leave after it.
    Conference(Conference),
}

impl GeneratorKind {
    /// This kind's name, without its settings.
    pub fn kind_name(&self) -> KindName {
        match self {
            GeneratorKind::InboundCalls(_) => KindName::InboundCalls,
            GeneratorKind::Logins(_) => KindName::Logins,
            GeneratorKind::Status(_) => KindName::Status,
            GeneratorKind::InternalCalls(_) => KindName::InternalCalls,
            GeneratorKind::Reception(_) => KindName::Reception,
            GeneratorKind::Conference(_) => KindName::Conference,
        }
    }

    /// This kind's name as scenario files spell it.
    pub fn name(&self) -> &'static str {
        self.kind_name().name()
    }
}

/// A generator kind by name, without its settings: the one table that the
/// parser, the "did you mean" list and the table of defaults come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KindName {
    /// `inbound_calls`.
    InboundCalls,
    /// `logins`.
    Logins,
    /// `status`.
    Status,
    /// `internal_calls`.
    InternalCalls,
    /// `reception`.
    Reception,
    /// `conference`.
    Conference,
}

impl KindName {
    /// Every kind, in the order the docs list them.
    pub const ALL: [KindName; 6] = [
        KindName::InboundCalls,
        KindName::Logins,
        KindName::Status,
        KindName::InternalCalls,
        KindName::Reception,
        KindName::Conference,
    ];

    /// The name as scenario files spell it (`kind = "..."`).
    pub fn name(self) -> &'static str {
        match self {
            KindName::InboundCalls => "inbound_calls",
            KindName::Logins => "logins",
            KindName::Status => "status",
            KindName::InternalCalls => "internal_calls",
            KindName::Reception => "reception",
            KindName::Conference => "conference",
        }
    }

    /// The kind `name` spells.
    ///
    /// # Errors
    /// [`UnknownKind`], whose message suggests the nearest name and lists them all.
    pub fn from_name(name: &str) -> Result<KindName, UnknownKind> {
        KindName::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| UnknownKind(name.to_string()))
    }
}

/// A `kind` that names no generator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown generator kind \"{0}\"{suggestion}; expected one of {all}",
    suggestion = did_you_mean(.0, KindName::ALL.map(KindName::name)),
    all = KindName::ALL.map(KindName::name).join(", ")
)]
pub struct UnknownKind(pub String);

/// An outside caller's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Caller-ID number.
    pub number: String,
    /// Caller-ID name.
    pub name: String,
}

/// A user a generator acts for. It calls from its first extension, looked up in
/// the model when it calls ([`Pbx::first_extension_of`](crate::model::Pbx::first_extension_of)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Username.
    pub username: String,
    /// Queue memberships this user's extensions log into dynamically: (queue, extension).
    pub agent_of: Vec<(String, String)>,
}

/// Settings of `inbound_calls`.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundCalls {
    /// Queue identifier.
    pub queue: String,
    /// How often callers arrive.
    pub rate: Rate,
    /// When callers arrive. `between`; default the whole run.
    pub window: Window,
    /// The DID they dial, if any.
    pub did: Option<String>,
    /// Who calls; generated numbers when empty.
    pub callers: Vec<Caller>,
    /// From offering the call to an idle agent until it is answered. `answer_delay`; default [`InboundCalls::ANSWER_DELAY`].
    pub answer_delay: Distribution,
    /// From answer to hangup. `talk_time`; default [`InboundCalls::TALK_TIME`].
    pub talk_time: Distribution,
    /// How long a caller waits in the queue before hanging up; never when `None`. `patience`.
    pub patience: Option<Distribution>,
    /// Chance the agent puts the caller on hold once. `hold_probability`; default [`InboundCalls::HOLD_PROBABILITY`].
    pub hold_probability: f64,
    /// How long a hold lasts. `hold_time`; default [`InboundCalls::HOLD_TIME`].
    pub hold_time: Distribution,
    /// Chance the call is recorded from the answer on. `record_probability`; default [`InboundCalls::RECORD_PROBABILITY`].
    pub record_probability: f64,
    /// How often waiting callers are offered again when no agent was idle. `retry_every`; default [`InboundCalls::RETRY_EVERY`].
    pub retry_every: u64,
}

/// Settings of `logins`.
#[derive(Debug, Clone, PartialEq)]
pub struct Logins {
    /// Who logs in. `users`; default all.
    pub members: Vec<Member>,
    /// When users log in. `login_between`.
    pub login: Window,
    /// When users log out; they stay when `None`. `logout_between`.
    pub logout: Option<Window>,
    /// Chance a user does not come in at all on a given loop. `absent_probability`; default [`Logins::ABSENT_PROBABILITY`].
    pub absent_probability: f64,
    /// From logging in to joining the queues as an agent (and from leaving the queues
    /// to logging out). `agent_delay`; default [`Logins::AGENT_DELAY`].
    pub agent_delay: Distribution,
}

/// Settings of `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChanges {
    /// Who takes it (only while logged in).
    pub members: Vec<Member>,
    /// The status type.
    pub status: StatusType,
    /// Its display name ("Lunch").
    pub name: String,
    /// Its note.
    pub note: String,
    /// When it starts. `between`.
    pub window: Window,
    /// How long it lasts; then the user is `available` again. `duration`.
    pub duration: Distribution,
    /// Chance each user takes it, per occurrence. `probability`; default [`StatusChanges::PROBABILITY`].
    pub probability: f64,
    /// Occurrences per user per loop. `times`; default [`StatusChanges::TIMES`].
    pub times: u32,
    /// Whether the status carries its expected return time. `announce_return`; default [`StatusChanges::ANNOUNCE_RETURN`].
    pub announce_return: bool,
    /// Whether the user's queue memberships are paused meanwhile. `pause_agents`; default [`StatusChanges::PAUSE_AGENTS`].
    pub pause_agents: bool,
}

/// Settings of `internal_calls`.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalCalls {
    /// Who calls whom (users with an extension, while logged in).
    pub members: Vec<Member>,
    /// How often a call starts.
    pub rate: Rate,
    /// When calls start.
    pub window: Window,
    /// Share of calls that go to outside numbers. `outbound_share`; default [`InternalCalls::OUTBOUND_SHARE`].
    pub outbound_share: f64,
    /// Chance a call is answered. `answer_probability`; default [`InternalCalls::ANSWER_PROBABILITY`].
    pub answer_probability: f64,
    /// Ringing before the answer. `ring_time`; default [`InternalCalls::RING_TIME`].
    pub ring_time: Distribution,
    /// Ringing before an unanswered caller gives up. `give_up_after`; default [`InternalCalls::GIVE_UP_AFTER`].
    pub give_up_after: Distribution,
    /// From answer to hangup. `talk_time`; default [`InternalCalls::TALK_TIME`].
    pub talk_time: Distribution,
}

/// Settings of `reception`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reception {
    /// The receptionists' extensions.
    pub receptionists: Vec<String>,
    /// Extensions the receptionist transfers to.
    pub targets: Vec<String>,
    /// How often callers arrive.
    pub rate: Rate,
    /// When callers arrive.
    pub window: Window,
    /// The DID they dial, if any.
    pub did: Option<String>,
    /// Who calls; generated numbers when empty.
    pub callers: Vec<Caller>,
    /// Ringing before the receptionist answers. `ring_time`; default [`Reception::RING_TIME`].
    pub ring_time: Distribution,
    /// The receptionist's talk before transferring. `greeting`; default [`Reception::GREETING`].
    pub greeting: Distribution,
    /// Chance the transfer target answers. `answer_probability`; default [`Reception::ANSWER_PROBABILITY`].
    pub answer_probability: f64,
    /// Ringing at the target before it answers. `target_ring_time`; default [`Reception::TARGET_RING_TIME`].
    pub target_ring_time: Distribution,
    /// Ringing at the target before an unanswered caller gives up. `give_up_after`; default [`Reception::GIVE_UP_AFTER`].
    pub give_up_after: Distribution,
    /// From the target's answer to hangup. `talk_time`; default [`Reception::TALK_TIME`].
    pub talk_time: Distribution,
    /// When no target is idle, the receptionist takes a message this long. `message_time`; default [`Reception::MESSAGE_TIME`].
    pub message_time: Distribution,
}

/// Settings of `conference`.
#[derive(Debug, Clone, PartialEq)]
pub struct Conference {
    /// Room identifier.
    pub room: String,
    /// Users who dial in from their extension.
    pub participants: Vec<Member>,
    /// Outside callers who dial in.
    pub guests: Vec<Caller>,
    /// When the meeting starts (ms since the start of the loop).
    pub start: u64,
    /// Participants join within this long after the start. `join_within`; default [`Conference::JOIN_WITHIN`].
    pub join_within: u64,
    /// How long the meeting lasts. `duration`; default [`Conference::DURATION`].
    pub duration: Distribution,
    /// Participants leave within this long after the end. `leave_within`; default [`Conference::LEAVE_WITHIN`].
    pub leave_within: u64,
    /// Chance each participant attends. `attendance`; default [`Conference::ATTENDANCE`].
    pub attendance: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_name() {
        for kind in KindName::ALL {
            assert_eq!(KindName::from_name(kind.name()), Ok(kind));
        }
    }

    #[test]
    fn an_unknown_kind_is_an_error_that_suggests_the_nearest_and_lists_all() {
        let typo = KindName::from_name("confrence");
        assert_eq!(typo, Err(UnknownKind("confrence".to_string())));
        assert_eq!(
            typo.map_err(|e| e.to_string()),
            Err("unknown generator kind \"confrence\" (did you mean \"conference\"?); expected one of inbound_calls, logins, status, internal_calls, reception, conference".to_string())
        );
        for stranger in ["", "Conference", "meeting", "conference "] {
            assert!(KindName::from_name(stranger).is_err(), "{stranger:?}");
        }
        let far = KindName::from_name("meeting").map_err(|e| e.to_string());
        assert!(
            far.as_ref().is_err_and(|e| !e.contains("did you mean")),
            "{far:?}"
        );
    }
}
