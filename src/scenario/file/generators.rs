//! `[[generators]]`: seeded random traffic. Each entry has a `kind` and that kind's
//! settings; every setting but the essential ones has a default.

use std::collections::BTreeMap;

use super::Known;
use super::fields::{Node, table_list};
use super::settings::Settings;
use super::steps::{default_status_name, status_type};
use crate::model::StatusType;
use crate::scenario::error::{Problems, did_you_mean};
use crate::scenario::generator::{
    Conference, Distribution, GeneratorKind, GeneratorSpec, InboundCalls, InternalCalls, Logins,
    Reception, StatusChanges,
};

const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;

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
        if !GeneratorKind::NAMES.contains(&kind.value.as_str()) {
            p.at(
                kind.span,
                format!(
                    "unknown generator kind \"{}\"{}; expected one of {}",
                    kind.value,
                    did_you_mean(&kind.value, GeneratorKind::NAMES),
                    GeneratorKind::NAMES.join(", ")
                ),
            );
            continue;
        }
        f.rename(format!("this \"{}\" generator", kind.value));
        let mut reader = Settings {
            f,
            known,
            dynamic_agents,
        };
        let spec = reader.kind(&kind.value, p);
        reader.f.finish(p);
        if let Some(kind) = spec {
            specs.push(GeneratorSpec { line, kind });
        }
    }
    specs
}

impl Settings<'_, '_, '_> {
    fn kind(&mut self, kind: &str, p: &mut Problems) -> Option<GeneratorKind> {
        // Every field is read before any `?`, so that all problems are reported and no
        // field is mistaken for an unknown one.
        Some(match kind {
            "inbound_calls" => {
                let queue = self
                    .f
                    .text("queue", "support", p)
                    .filter(|q| self.known.queue(q, "queue", p));
                let rate = self.rate(p);
                GeneratorKind::InboundCalls(InboundCalls {
                    window: self.window("between", p),
                    did: self.f.opt_text("did", p).map(|t| t.value),
                    callers: self.callers("callers", p),
                    answer_delay: self.dist(
                        "answer_delay",
                        Distribution::uniform(2 * SECOND, 10 * SECOND),
                        p,
                    ),
                    talk_time: self.dist(
                        "talk_time",
                        Distribution::exponential(3 * MINUTE, 20 * SECOND, 30 * MINUTE),
                        p,
                    ),
                    patience: self.opt_dist("patience", p),
                    hold_probability: self.f.probability("hold_probability", 0.0, p),
                    hold_time: self.dist(
                        "hold_time",
                        Distribution::uniform(15 * SECOND, 90 * SECOND),
                        p,
                    ),
                    record_probability: self.f.probability("record_probability", 0.0, p),
                    retry_every: self.positive_duration("retry_every", 5 * SECOND, p),
                    queue: queue?.value,
                    rate: rate?,
                })
            }
            "logins" => {
                let members = self.members("users", true, false, p);
                let login = self.required_window("login_between", "[\"07:45\", \"09:15\"]", p);
                GeneratorKind::Logins(Logins {
                    logout: self.opt_window("logout_between", p),
                    absent_probability: self.f.probability("absent_probability", 0.0, p),
                    agent_delay: self.dist(
                        "agent_delay",
                        Distribution::uniform(5 * SECOND, MINUTE),
                        p,
                    ),
                    members: members?,
                    login: login?,
                })
            }
            "status" => self.status(p)?,
            "internal_calls" => {
                let members = self.members("users", true, true, p);
                let rate = self.rate(p);
                GeneratorKind::InternalCalls(InternalCalls {
                    window: self.window("between", p),
                    outbound_share: self.f.probability("outbound_share", 0.0, p),
                    answer_probability: self.f.probability("answer_probability", 0.8, p),
                    ring_time: self.dist(
                        "ring_time",
                        Distribution::uniform(3 * SECOND, 15 * SECOND),
                        p,
                    ),
                    give_up_after: self.dist(
                        "give_up_after",
                        Distribution::uniform(20 * SECOND, 40 * SECOND),
                        p,
                    ),
                    talk_time: self.dist(
                        "talk_time",
                        Distribution::exponential(2 * MINUTE, 10 * SECOND, 20 * MINUTE),
                        p,
                    ),
                    members: members?,
                    rate: rate?,
                })
            }
            "reception" => {
                let receptionists = self.extensions("receptionists", p);
                let targets = self.extensions("targets", p);
                let rate = self.rate(p);
                GeneratorKind::Reception(Reception {
                    window: self.window("between", p),
                    did: self.f.opt_text("did", p).map(|t| t.value),
                    callers: self.callers("callers", p),
                    ring_time: self.dist(
                        "ring_time",
                        Distribution::uniform(2 * SECOND, 8 * SECOND),
                        p,
                    ),
                    greeting: self.dist(
                        "greeting",
                        Distribution::uniform(10 * SECOND, 30 * SECOND),
                        p,
                    ),
                    answer_probability: self.f.probability("answer_probability", 0.85, p),
                    target_ring_time: self.dist(
                        "target_ring_time",
                        Distribution::uniform(3 * SECOND, 15 * SECOND),
                        p,
                    ),
                    give_up_after: self.dist(
                        "give_up_after",
                        Distribution::uniform(25 * SECOND, 45 * SECOND),
                        p,
                    ),
                    talk_time: self.dist(
                        "talk_time",
                        Distribution::exponential(4 * MINUTE, 20 * SECOND, 30 * MINUTE),
                        p,
                    ),
                    message_time: self.dist(
                        "message_time",
                        Distribution::uniform(30 * SECOND, 90 * SECOND),
                        p,
                    ),
                    receptionists: receptionists?,
                    targets: targets?,
                    rate: rate?,
                })
            }
            _ => self.conference(p)?,
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
            probability: self.f.probability("probability", 1.0, p),
            times: self.f.opt_count("times", 24, p).unwrap_or(1) as u32,
            announce_return: self.f.flag("announce_return", true, p),
            pause_agents: self.f.flag("pause_agents", false, p),
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
            join_within: self.f.opt_duration("join_within", p).unwrap_or(5 * MINUTE),
            duration: self.dist(
                "duration",
                Distribution::uniform(30 * MINUTE, 60 * MINUTE),
                p,
            ),
            leave_within: self.f.opt_duration("leave_within", p).unwrap_or(2 * MINUTE),
            attendance: self.f.probability("attendance", 0.9, p),
            room: room?.value,
            participants: participants?,
            start: start?.0,
        };
        Some(GeneratorKind::Conference(meeting))
    }
}
