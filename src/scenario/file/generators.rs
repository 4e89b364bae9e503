//! `[[generators]]`: seeded random traffic. Each entry has a `kind` and that kind's
//! settings; every setting but the essential ones has a default.

use std::collections::BTreeMap;

use super::Known;
use super::fields::{Node, table_list};
use super::settings::Settings;
use super::steps::{default_status_name, status_type};
use crate::model::StatusType;
use crate::scenario::error::Problems;
use crate::scenario::generator::{
    Conference, GeneratorKind, GeneratorSpec, InboundCalls, InternalCalls, KindName, Logins,
    Reception, StatusChanges,
};

/// Reads `[[generators]]`, in file order.
pub(super) fn read(
    node: Option<&Node<'_>>,
    known: &Known<'_>,
    dynamic_agents: &BTreeMap<String, Vec<String>>,
    p: &mut Problems,
) -> Vec<GeneratorSpec> {
    let mut specs = Vec::new();
    for mut f in table_list(node, "generators", p) {
        let line = p.line_of(f.span().start);
        let Some(kind) = f.text("kind", "inbound_calls", p) else {
            continue;
        };
        let name = match KindName::from_name(&kind.value) {
            Ok(name) => name,
            Err(unknown) => {
                p.at(kind.span, unknown.to_string());
                continue;
            }
        };
        f.rename(format!("this \"{}\" generator", name.name()));
        let mut reader = Settings {
            f,
            known,
            dynamic_agents,
        };
        let spec = reader.kind(name, p);
        reader.f.finish(p);
        if let Some(kind) = spec {
            specs.push(GeneratorSpec { line, kind });
        }
    }
    specs
}

impl Settings<'_, '_, '_> {
    fn kind(&mut self, kind: KindName, p: &mut Problems) -> Option<GeneratorKind> {
        // Every field is read before any `?`, so that all problems are reported and no
        // field is mistaken for an unknown one.
        Some(match kind {
            KindName::InboundCalls => {
                let queue = self
                    .f
                    .text("queue", "support", p)
                    .filter(|q| self.known.queue(q, "queue", p));
                let rate = self.rate(p);
                GeneratorKind::InboundCalls(InboundCalls {
                    window: self.window("between", p),
                    did: self.f.opt_text("did", p).map(|t| t.value),
                    callers: self.callers("callers", p),
                    answer_delay: self.dist(InboundCalls::ANSWER_DELAY, p),
                    talk_time: self.dist(InboundCalls::TALK_TIME, p),
                    patience: self.opt_dist("patience", p),
                    hold_probability: self.probability(InboundCalls::HOLD_PROBABILITY, p),
                    hold_time: self.dist(InboundCalls::HOLD_TIME, p),
                    record_probability: self.probability(InboundCalls::RECORD_PROBABILITY, p),
                    retry_every: self.positive_duration(InboundCalls::RETRY_EVERY, p),
                    queue: queue?.value,
                    rate: rate?,
                })
            }
            KindName::Logins => {
                let members = self.members("users", true, false, p);
                let login = self.required_window("login_between", "[\"07:45\", \"09:15\"]", p);
                GeneratorKind::Logins(Logins {
                    logout: self.opt_window("logout_between", p),
                    absent_probability: self.probability(Logins::ABSENT_PROBABILITY, p),
                    agent_delay: self.dist(Logins::AGENT_DELAY, p),
                    members: members?,
                    login: login?,
                })
            }
            KindName::Status => self.status(p)?,
            KindName::InternalCalls => {
                let members = self.members("users", true, true, p);
                let rate = self.rate(p);
                GeneratorKind::InternalCalls(InternalCalls {
                    window: self.window("between", p),
                    outbound_share: self.probability(InternalCalls::OUTBOUND_SHARE, p),
                    answer_probability: self.probability(InternalCalls::ANSWER_PROBABILITY, p),
                    ring_time: self.dist(InternalCalls::RING_TIME, p),
                    give_up_after: self.dist(InternalCalls::GIVE_UP_AFTER, p),
                    talk_time: self.dist(InternalCalls::TALK_TIME, p),
                    members: members?,
                    rate: rate?,
                })
            }
            KindName::Reception => {
                let receptionists = self.extensions("receptionists", p);
                let targets = self.extensions("targets", p);
                let rate = self.rate(p);
                GeneratorKind::Reception(Reception {
                    window: self.window("between", p),
                    did: self.f.opt_text("did", p).map(|t| t.value),
                    callers: self.callers("callers", p),
                    ring_time: self.dist(Reception::RING_TIME, p),
                    greeting: self.dist(Reception::GREETING, p),
                    answer_probability: self.probability(Reception::ANSWER_PROBABILITY, p),
                    target_ring_time: self.dist(Reception::TARGET_RING_TIME, p),
                    give_up_after: self.dist(Reception::GIVE_UP_AFTER, p),
                    talk_time: self.dist(Reception::TALK_TIME, p),
                    message_time: self.dist(Reception::MESSAGE_TIME, p),
                    receptionists: receptionists?,
                    targets: targets?,
                    rate: rate?,
                })
            }
            KindName::Conference => self.conference(p)?,
        })
    }

    fn status(&mut self, p: &mut Problems) -> Option<GeneratorKind> {
        let members = self.members("users", true, false, p);
        let status = status_type(&mut self.f, p);
        let name = self.f.opt_text("name", p).map(|t| t.value);
        let window = self.required_window("between", "[\"12:00\", \"13:30\"]", p);
        let duration = self.opt_dist("duration", p);
        if !self.f.has("duration") {
            self.f.missing(
                "duration",
                "{ distribution = \"uniform\", min = \"30m\", max = \"1h\" }",
                p,
            );
        }
        let changes = StatusChanges {
            note: self
                .f
                .opt_text("note", p)
                .map(|t| t.value)
                .unwrap_or_default(),
            probability: self.probability(StatusChanges::PROBABILITY, p),
            times: self
                .f
                .opt_count(StatusChanges::TIMES.key, StatusChanges::MAX_TIMES.into(), p)
                .map_or(StatusChanges::TIMES.default, |n| n as u32),
            announce_return: self.flag(StatusChanges::ANNOUNCE_RETURN, p),
            pause_agents: self.flag(StatusChanges::PAUSE_AGENTS, p),
            name: name.unwrap_or_else(|| {
                default_status_name(status.unwrap_or(StatusType::Away)).to_string()
            }),
            members: members?,
            status: status?,
            window: window?,
            duration: duration?,
        };
        Some(GeneratorKind::Status(changes))
    }

    fn conference(&mut self, p: &mut Problems) -> Option<GeneratorKind> {
        let room = self
            .f
            .text("room", "weekly", p)
            .filter(|r| self.known.room(r, "room", p));
        let participants = if self.f.has("participants") {
            self.members("participants", false, true, p)
        } else {
            Some(Vec::new())
        };
        let start = self.f.opt_moment("start", self.known.starts_at, p);
        if !self.f.has("start") {
            self.f.missing("start", "\"10:00\"", p);
        }
        let start = start.filter(|(ms, text)| self.known.within_length(*ms, text, "start", p));
        let meeting = Conference {
            guests: self.callers("guests", p),
            join_within: self.duration_or(Conference::JOIN_WITHIN, p),
            duration: self.dist(Conference::DURATION, p),
            leave_within: self.duration_or(Conference::LEAVE_WITHIN, p),
            attendance: self.probability(Conference::ATTENDANCE, p),
            room: room?.value,
            participants: participants?,
            start: start?.0,
        };
        Some(GeneratorKind::Conference(meeting))
    }
}
