//! The default of every optional generator setting, in one place: the scenario
//! parser reads each [`Setting`] from here, and the table of defaults in the
//! README ([`defaults_markdown`]) is rendered from here. All are our choice
//! (FAKE-DEFAULT): iSymphony has no generators.

use std::fmt;

use super::Distribution;
use super::spec::{
    Conference, InboundCalls, InternalCalls, KindName, Logins, Reception, StatusChanges,
};
use crate::scenario::duration::format_duration;

const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;

/// One optional setting of a generator: its key in the file and its value when
/// the key is left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    /// The key, as scenario files spell it.
    pub key: &'static str,
    /// The value when the key is left out.
    pub default: T,
}

impl<T> Setting<T> {
    const fn new(key: &'static str, default: T) -> Self {
        Setting { key, default }
    }
}

/// A length of virtual time in milliseconds, shown as "5s" or "2m".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis(pub u64);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl InboundCalls {
    /// From offering the call to an idle agent until it is answered.
    pub const ANSWER_DELAY: Setting<Distribution> = Setting::new(
        "answer_delay",
        Distribution::uniform(2 * SECOND, 10 * SECOND),
    );
    /// From answer to hangup.
    pub const TALK_TIME: Setting<Distribution> = Setting::new(
        "talk_time",
        Distribution::exponential(3 * MINUTE, 20 * SECOND, 30 * MINUTE),
    );
    /// Chance the agent puts the caller on hold once.
    pub const HOLD_PROBABILITY: Setting<f64> = Setting::new("hold_probability", 0.0);
    /// How long a hold lasts.
    pub const HOLD_TIME: Setting<Distribution> =
        Setting::new("hold_time", Distribution::uniform(15 * SECOND, 90 * SECOND));
    /// Chance the call is recorded from the answer on.
    pub const RECORD_PROBABILITY: Setting<f64> = Setting::new("record_probability", 0.0);
    /// How often waiting callers are offered again when no agent was idle.
    pub const RETRY_EVERY: Setting<Millis> = Setting::new("retry_every", Millis(5 * SECOND));
}

impl Logins {
    /// Chance a user does not come in at all on a given loop.
    pub const ABSENT_PROBABILITY: Setting<f64> = Setting::new("absent_probability", 0.0);
    /// From logging in to joining the queues (and from leaving them to logging out).
    pub const AGENT_DELAY: Setting<Distribution> =
        Setting::new("agent_delay", Distribution::uniform(5 * SECOND, MINUTE));
}

impl StatusChanges {
    /// Chance each user takes the status, per occurrence.
    pub const PROBABILITY: Setting<f64> = Setting::new("probability", 1.0);
    /// Occurrences per user per loop.
    pub const TIMES: Setting<u32> = Setting::new("times", 1);
    /// Most occurrences per user per loop that `times` may ask for.
    pub const MAX_TIMES: u32 = 24;
    /// Whether the status carries its expected return time.
    pub const ANNOUNCE_RETURN: Setting<bool> = Setting::new("announce_return", true);
    /// Whether the user's queue memberships are paused meanwhile.
    pub const PAUSE_AGENTS: Setting<bool> = Setting::new("pause_agents", false);
}

impl InternalCalls {
    /// Share of calls that go to outside numbers.
    pub const OUTBOUND_SHARE: Setting<f64> = Setting::new("outbound_share", 0.0);
    /// Chance a call is answered.
    pub const ANSWER_PROBABILITY: Setting<f64> = Setting::new("answer_probability", 0.8);
    /// Ringing before the answer.
    pub const RING_TIME: Setting<Distribution> =
        Setting::new("ring_time", Distribution::uniform(3 * SECOND, 15 * SECOND));
    /// Ringing before an unanswered caller gives up.
    pub const GIVE_UP_AFTER: Setting<Distribution> = Setting::new(
        "give_up_after",
        Distribution::uniform(20 * SECOND, 40 * SECOND),
    );
    /// From answer to hangup.
    pub const TALK_TIME: Setting<Distribution> = Setting::new(
        "talk_time",
        Distribution::exponential(2 * MINUTE, 10 * SECOND, 20 * MINUTE),
    );
}

impl Reception {
    /// Ringing before the receptionist answers.
    pub const RING_TIME: Setting<Distribution> =
        Setting::new("ring_time", Distribution::uniform(2 * SECOND, 8 * SECOND));
    /// The receptionist's talk before transferring.
    pub const GREETING: Setting<Distribution> =
        Setting::new("greeting", Distribution::uniform(10 * SECOND, 30 * SECOND));
    /// Chance the transfer target answers.
    pub const ANSWER_PROBABILITY: Setting<f64> = Setting::new("answer_probability", 0.85);
    /// Ringing at the target before it answers.
    pub const TARGET_RING_TIME: Setting<Distribution> = Setting::new(
        "target_ring_time",
        Distribution::uniform(3 * SECOND, 15 * SECOND),
    );
    /// Ringing at the target before an unanswered caller gives up.
    pub const GIVE_UP_AFTER: Setting<Distribution> = Setting::new(
        "give_up_after",
        Distribution::uniform(25 * SECOND, 45 * SECOND),
    );
    /// From the target's answer to hangup.
    pub const TALK_TIME: Setting<Distribution> = Setting::new(
        "talk_time",
        Distribution::exponential(4 * MINUTE, 20 * SECOND, 30 * MINUTE),
    );
    /// When no target is idle, the receptionist takes a message this long.
    pub const MESSAGE_TIME: Setting<Distribution> = Setting::new(
        "message_time",
        Distribution::uniform(30 * SECOND, 90 * SECOND),
    );
}

impl Conference {
    /// Participants join within this long after the start.
    pub const JOIN_WITHIN: Setting<Millis> = Setting::new("join_within", Millis(5 * MINUTE));
    /// How long the meeting lasts.
    pub const DURATION: Setting<Distribution> =
        Setting::new("duration", Distribution::uniform(30 * MINUTE, 60 * MINUTE));
    /// Participants leave within this long after the end.
    pub const LEAVE_WITHIN: Setting<Millis> = Setting::new("leave_within", Millis(2 * MINUTE));
    /// Chance each participant attends.
    pub const ATTENDANCE: Setting<f64> = Setting::new("attendance", 0.9);
}

/// A setting's key and its default as the docs show it.
fn shown<T: fmt::Display>(setting: Setting<T>) -> (&'static str, String) {
    (setting.key, setting.default.to_string())
}

impl KindName {
    /// Every setting of this kind that has a default, with the default as the
    /// docs show it, in the order the docs list them.
    pub fn defaults(self) -> Vec<(&'static str, String)> {
        match self {
            KindName::InboundCalls => vec![
                shown(InboundCalls::ANSWER_DELAY),
                shown(InboundCalls::TALK_TIME),
                shown(InboundCalls::HOLD_PROBABILITY),
                shown(InboundCalls::HOLD_TIME),
                shown(InboundCalls::RECORD_PROBABILITY),
                shown(InboundCalls::RETRY_EVERY),
            ],
            KindName::Logins => vec![
                shown(Logins::ABSENT_PROBABILITY),
                shown(Logins::AGENT_DELAY),
            ],
            KindName::Status => vec![
                shown(StatusChanges::PROBABILITY),
                shown(StatusChanges::TIMES),
                shown(StatusChanges::ANNOUNCE_RETURN),
                shown(StatusChanges::PAUSE_AGENTS),
            ],
            KindName::InternalCalls => vec![
                shown(InternalCalls::OUTBOUND_SHARE),
                shown(InternalCalls::ANSWER_PROBABILITY),
                shown(InternalCalls::RING_TIME),
                shown(InternalCalls::GIVE_UP_AFTER),
                shown(InternalCalls::TALK_TIME),
            ],
            KindName::Reception => vec![
                shown(Reception::RING_TIME),
                shown(Reception::GREETING),
                shown(Reception::ANSWER_PROBABILITY),
                shown(Reception::TARGET_RING_TIME),
                shown(Reception::GIVE_UP_AFTER),
                shown(Reception::TALK_TIME),
                shown(Reception::MESSAGE_TIME),
            ],
            KindName::Conference => vec![
                shown(Conference::JOIN_WITHIN),
                shown(Conference::DURATION),
                shown(Conference::LEAVE_WITHIN),
                shown(Conference::ATTENDANCE),
            ],
        }
    }
}

/// The README's table of generator defaults: every kind, every setting that has
/// a default, and the default.
pub fn defaults_markdown() -> String {
    let mut table = String::from("| kind | setting | default |\n|---|---|---|\n");
    for kind in KindName::ALL {
        for (key, default) in kind.defaults() {
            table.push_str(&format!("| `{}` | `{key}` | {default} |\n", kind.name()));
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_show_as_a_scenario_file_would_write_them() {
        assert_eq!(
            KindName::InboundCalls.defaults()[..2],
            [
                ("answer_delay", "uniform 2s-10s".to_string()),
                ("talk_time", "exponential, mean 3m, 20s-30m".to_string()),
            ]
        );
        assert_eq!(
            KindName::Conference.defaults()[0],
            ("join_within", "5m".to_string())
        );
    }

    #[test]
    fn the_readme_shows_the_table_of_defaults_as_the_code_has_them() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md");
        assert!(
            readme.contains(&defaults_markdown()),
            "README.md's table of generator defaults differs from the code; replace it with:\n{}",
            defaults_markdown()
        );
    }
}
