//! The settings of each generator kind, as read from `[[generators]]` entries.

use super::{Distribution, Rate, Window};
use crate::model::StatusType;

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
    /// Every kind's name as scenario files spell it.
    pub const NAMES: [&'static str; 6] = [
        "inbound_calls",
        "logins",
        "status",
        "internal_calls",
        "reception",
        "conference",
    ];

    /// This kind's name as scenario files spell it.
    pub fn name(&self) -> &'static str {
        match self {
            GeneratorKind::InboundCalls(_) => "inbound_calls",
            GeneratorKind::Logins(_) => "logins",
            GeneratorKind::Status(_) => "status",
            GeneratorKind::InternalCalls(_) => "internal_calls",
            GeneratorKind::Reception(_) => "reception",
            GeneratorKind::Conference(_) => "conference",
        }
    }
}

/// An outside caller's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Caller-ID number.
    pub number: String,
    /// Caller-ID name.
    pub name: String,
}

/// A user a generator acts for, with the extension it uses for calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Username.
    pub username: String,
    /// The user's first extension, if any.
    pub extension: Option<String>,
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
    /// From offering the call to an idle agent until it is answered. `answer_delay`; default uniform 2s-10s.
    pub answer_delay: Distribution,
    /// From answer to hangup. `talk_time`; default exponential, mean 3m, 20s-30m.
    pub talk_time: Distribution,
    /// How long a caller waits in the queue before hanging up; never when `None`. `patience`.
    pub patience: Option<Distribution>,
    /// Chance the agent puts the caller on hold once. `hold_probability`; default 0.
    pub hold_probability: f64,
    /// How long a hold lasts. `hold_time`; default uniform 15s-90s.
    pub hold_time: Distribution,
    /// Chance the call is recorded from the answer on. `record_probability`; default 0.
    pub record_probability: f64,
    /// How often waiting callers are offered again when no agent was idle. `retry_every`; default 5s.
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
    /// Chance a user does not come in at all on a given loop. `absent_probability`; default 0.
    pub absent_probability: f64,
    /// From logging in to joining the queues as an agent (and from leaving the queues
    /// to logging out). `agent_delay`; default uniform 5s-1m.
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
    /// Chance each user takes it, per occurrence. `probability`; default 1.
    pub probability: f64,
    /// Occurrences per user per loop. `times`; default 1.
    pub times: u32,
    /// Whether the status carries its expected return time. `announce_return`; default true.
    pub announce_return: bool,
    /// Whether the user's queue memberships are paused meanwhile. `pause_agents`; default false.
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
    /// Share of calls that go to outside numbers. `outbound_share`; default 0.
    pub outbound_share: f64,
    /// Chance a call is answered. `answer_probability`; default 0.8.
    pub answer_probability: f64,
    /// Ringing before the answer. `ring_time`; default uniform 3s-15s.
    pub ring_time: Distribution,
    /// Ringing before an unanswered caller gives up. `give_up_after`; default uniform 20s-40s.
    pub give_up_after: Distribution,
    /// From answer to hangup. `talk_time`; default exponential, mean 2m, 10s-20m.
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
    /// Ringing before the receptionist answers. `ring_time`; default uniform 2s-8s.
    pub ring_time: Distribution,
    /// The receptionist's talk before transferring. `greeting`; default uniform 10s-30s.
    pub greeting: Distribution,
    /// Chance the transfer target answers. `answer_probability`; default 0.85.
    pub answer_probability: f64,
    /// Ringing at the target before it answers. `target_ring_time`; default uniform 3s-15s.
    pub target_ring_time: Distribution,
    /// Ringing at the target before an unanswered caller gives up. `give_up_after`; default uniform 25s-45s.
    pub give_up_after: Distribution,
    /// From the target's answer to hangup. `talk_time`; default exponential, mean 4m, 20s-30m.
    pub talk_time: Distribution,
    /// When no target is idle, the receptionist takes a message this long. `message_time`; default uniform 30s-90s.
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
    /// Participants join within this long after the start. `join_within`; default 5m.
    pub join_within: u64,
    /// How long the meeting lasts. `duration`; default uniform 30m-1h.
    pub duration: Distribution,
    /// Participants leave within this long after the end. `leave_within`; default 2m.
    pub leave_within: u64,
    /// Chance each participant attends. `attendance`; default 0.9.
    pub attendance: f64,
}
