//! `[[steps]]`: scripted commands at given moments. Each step has `at`, `action`
//! and the fields of that action's command.

use toml::de::DeValue;

use super::fault_step::read_fault;
use super::fields::{Fields, Node, Text, describe, table_list};
use super::known::Known;
use crate::model::{Command, Destination, Party, StatusChange, StatusType};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problems, did_you_mean};
use crate::scenario::fault::{Fault, FaultRequest};
use crate::scenario::limits::MIN_RESTART_AT_MS;
use crate::scenario::{Step, StepAction};

/// Every action a step can take, as files spell them.
pub(crate) const ACTIONS: [&str; 15] = [
    "login",
    "logout",
    "status",
    "agent_login",
    "agent_logout",
    "agent_pause",
    "agent_penalty",
    "dnd",
    "dial",
    "answer",
    "hold",
    "record",
    "transfer",
    "hangup",
    "fault",
];

const FROM_FIX: &str =
    "; for an outside caller write from = { number = \"5550123\", name = \"ACME\" }";
const TO_FIX: &str = "; for a queue, room or outside number write to = { queue = \"...\" }, { conference = \"...\" } or { external = \"...\" }";

/// Reads `[[steps]]`, sorted by time (steps at the same moment keep file order).
pub(super) fn read(node: Option<&Node<'_>>, known: &Known<'_>, p: &mut Problems) -> Vec<Step> {
    let mut steps = Vec::new();
    let tables = table_list(node, "steps", p);
    let max = known.limits.max_steps;
    if let Some(first_over) = tables.get(max) {
        // Reading on would only cost time: the file is refused anyway.
        p.at(
            first_over.span(),
            format!(
                "this file has {} steps; the limit is {max} (max-steps); split the scenario, use generators for bulk traffic, or raise the limit with --max-steps",
                tables.len()
            ),
        );
        return steps;
    }
    for mut fields in tables {
        let at = fields.opt_moment("at", known.starts_at, p);
        if !fields.has("at") {
            fields.missing("at", "\"08:30\"", p);
        }
        let in_time = at
            .as_ref()
            .is_some_and(|(ms, text)| known.within_length(*ms, text, "at", p));
        let mut action_known = false;
        let command = match fields.text("action", "dial", p) {
            Some(action) if ACTIONS.contains(&action.value.as_str()) => {
                action_known = true;
                fields.rename(format!("this \"{}\" step", action.value));
                if action.value == "fault" {
                    read_fault(&mut fields, p)
                        .filter(|request| restart_comes_late_enough(request, at.as_ref(), p))
                        .map(StepAction::Fault)
                } else {
                    read_command(&action.value, &mut fields, known, p).map(StepAction::Command)
                }
            }
            Some(action) => {
                p.at(
                    action.span,
                    format!(
                        "unknown action \"{}\"{}; expected one of {}",
                        action.value,
                        did_you_mean(&action.value, ACTIONS),
                        ACTIONS.join(", ")
                    ),
                );
                None
            }
            None => None,
        };
        let line = p.line_of(fields.span().start);
        // Unknown fields are only meaningful once the action (and its fields) is known.
        if action_known {
            fields.finish(p);
        }
        if let (Some((at_ms, at_text)), Some(action), true) = (at, command, in_time) {
            steps.push(Step {
                at_ms,
                at_text: at_text.value,
                line,
                action,
            });
        }
    }
    steps.sort_by_key(|s| s.at_ms);
    steps
}

/// A `restart` starts the scenario over, so a restart step before
/// [`MIN_RESTART_AT_MS`] would fire again as soon as it had: refused.
fn restart_comes_late_enough(
    request: &FaultRequest,
    at: Option<&(u64, Text)>,
    p: &mut Problems,
) -> bool {
    let Some((at_ms, text)) = at else {
        return true;
    };
    if request.fault != Fault::Restart || *at_ms >= MIN_RESTART_AT_MS {
        return true;
    }
    p.at(
        text.span.clone(),
        format!(
            "a \"restart\" fault at `at` = \"{}\" would restart the scenario again the moment it starts over, for ever; put it at least {} into the scenario, e.g. at = \"10m\"",
            text.value,
            format_duration(MIN_RESTART_AT_MS)
        ),
    );
    false
}

fn read_command(
    action: &str,
    f: &mut Fields<'_, '_>,
    known: &Known<'_>,
    p: &mut Problems,
) -> Option<Command> {
    let command = match action {
        "login" => {
            let user = user(f, known, p);
            let ip = f
                .opt_text("ip", p)
                .map_or_else(|| "10.0.0.10".to_string(), |t| t.value);
            let port = f
                .opt_count("port", u64::from(u16::MAX), p)
                .unwrap_or(51_000) as u16;
            Command::UserLogin {
                user: user?,
                ip,
                port,
            }
        }
        "logout" => Command::UserLogout {
            user: user(f, known, p)?,
        },
        "status" => read_status(f, known, p)?,
        "agent_login" | "agent_logout" | "agent_pause" | "agent_penalty" => {
            let queue = f
                .text("queue", "support", p)
                .filter(|q| known.queue(q, "queue", p));
            let extension = extension(f, "extension", known, p);
            let paused = (action == "agent_pause").then(|| f.flag("paused", true, p));
            let penalty = (action == "agent_penalty").then(|| {
                let penalty = f.opt_count("penalty", u64::from(u32::MAX), p);
                if !f.has("penalty") {
                    f.missing("penalty", "2", p);
                }
                penalty
            });
            let (queue, extension) = (queue?.value, extension?);
            match (paused, penalty) {
                (Some(paused), _) => Command::AgentPause {
                    queue,
                    extension,
                    paused,
                },
                (_, Some(penalty)) => Command::AgentPenalty {
                    queue,
                    extension,
                    penalty: u32::try_from(penalty?).ok()?,
                },
                _ if action == "agent_login" => Command::AgentLogin { queue, extension },
                _ => Command::AgentLogout { queue, extension },
            }
        }
        "dnd" => {
            let extension = extension(f, "extension", known, p);
            let on = f.flag("on", true, p);
            Command::SetDnd {
                extension: extension?,
                on,
            }
        }
        "dial" => {
            let call = call(f, p);
            let from = f.get("from").and_then(|n| party(n, known, p));
            if !f.has("from") {
                f.missing("from", "\"1001\"", p);
            }
            let to = f.get("to").and_then(|n| destination(n, known, p));
            if !f.has("to") {
                f.missing("to", "\"1002\"", p);
            }
            Command::Dial {
                call: call?,
                from: from?,
                to: to?,
            }
        }
        "answer" => {
            let call = call(f, p);
            let by = match f.opt_text("by", p) {
                Some(by) if known.extension(&by, "by", "", p) => Some(by.value),
                Some(_) => return None,
                None => None,
            };
            Command::Answer { call: call?, by }
        }
        "hold" | "record" => {
            let call = call(f, p);
            let on = f.flag("on", true, p);
            let call = call?;
            if action == "hold" {
                Command::Hold { call, on }
            } else {
                Command::Record { call, on }
            }
        }
        "transfer" => {
            let call = call(f, p);
            let to = extension(f, "to", known, p);
            Command::Transfer {
                call: call?,
                to: to?,
            }
        }
        _ => Command::Hangup { call: call(f, p)? },
    };
    Some(command)
}

/// The `status` field (default "away"): one of the 11 status types, or a problem
/// that names the valid ones. Steps and `status` generators read it alike.
pub(super) fn status_type(f: &mut Fields<'_, '_>, p: &mut Problems) -> Option<StatusType> {
    f.text("status", "away", p).and_then(|t| {
        let found = StatusType::from_name(&t.value);
        if found.is_none() {
            let names: Vec<&str> = StatusType::ALL.iter().map(|s| s.as_str()).collect();
            p.at(
                t.span,
                format!(
                    "`status` = \"{}\" is not a status type{}; expected one of {}",
                    t.value,
                    did_you_mean(&t.value, names.iter().copied()),
                    names.join(", ")
                ),
            );
        }
        found
    })
}

fn read_status(f: &mut Fields<'_, '_>, known: &Known<'_>, p: &mut Problems) -> Option<Command> {
    let user = user(f, known, p);
    let status_type = status_type(f, p);
    let name = f.opt_text("name", p).map(|t| t.value);
    let note = f.opt_text("note", p).map(|t| t.value).unwrap_or_default();
    let return_in_ms = f.opt_duration("return_in", p);
    let user_created = f.flag("custom", false, p);
    let status_type = status_type?;
    Some(Command::SetStatus {
        user: user?,
        status: StatusChange {
            name: name.unwrap_or_else(|| default_status_name(status_type).to_string()),
            status_type,
            note,
            return_in_ms,
            user_created,
        },
    })
}

/// The display name a status gets when the file names none.
pub(crate) fn default_status_name(status: StatusType) -> &'static str {
    match status {
        StatusType::Available => "Available",
        StatusType::Unavailable => "Unavailable",
        StatusType::Away => "Away",
        StatusType::Xa => "Extended Away",
        StatusType::Dnd => "Do Not Disturb",
        StatusType::Chat => "Free to Chat",
        StatusType::AltBlue => "Blue",
        StatusType::AltGreen => "Green",
        StatusType::AltPink => "Pink",
        StatusType::AltPurple => "Purple",
        StatusType::AltRed => "Red",
    }
}

fn user(f: &mut Fields<'_, '_>, known: &Known<'_>, p: &mut Problems) -> Option<String> {
    let user = f.text("user", "alice", p)?;
    known.user(&user, "user", p).then_some(user.value)
}

fn extension(
    f: &mut Fields<'_, '_>,
    key: &'static str,
    known: &Known<'_>,
    p: &mut Problems,
) -> Option<String> {
    let number = f.text(key, "1001", p)?;
    known.extension(&number, key, "", p).then_some(number.value)
}

fn call(f: &mut Fields<'_, '_>, p: &mut Problems) -> Option<String> {
    let call = f.text("call", "c1", p)?;
    if call.value.is_empty() {
        p.at(
            call.span,
            "`call` must not be empty; name the call, e.g. call = \"c1\"",
        );
        return None;
    }
    Some(call.value)
}

/// `from = "1001"` (an extension) or `from = { number = "...", name = "...", did = "..." }`.
fn party(node: &Node<'_>, known: &Known<'_>, p: &mut Problems) -> Option<Party> {
    match node.get_ref() {
        DeValue::String(s) => {
            let number = Text {
                value: s.to_string(),
                span: node.span(),
            };
            known
                .extension(&number, "from", FROM_FIX, p)
                .then_some(Party::Extension(number.value))
        }
        DeValue::Table(table) => {
            let mut f = Fields::new(table, node.span(), "`from`");
            if f.has("extension") {
                let number = extension(&mut f, "extension", known, p);
                f.finish(p);
                return number.map(Party::Extension);
            }
            let number = f.text("number", "5550123", p);
            let name = f.opt_text("name", p);
            let did = f.opt_text("did", p).map(|t| t.value);
            f.finish(p);
            let number = number?.value;
            Some(Party::External {
                name: name.map_or_else(|| number.clone(), |n| n.value),
                number,
                did,
            })
        }
        other => {
            p.at(
                node.span(),
                format!(
                    "`from` must be an extension number or a caller table{FROM_FIX}; got {}",
                    describe(other)
                ),
            );
            None
        }
    }
}

/// `to = "1002"` (an extension) or `to = { queue | conference | external | extension = "..." }`.
fn destination(node: &Node<'_>, known: &Known<'_>, p: &mut Problems) -> Option<Destination> {
    let table = match node.get_ref() {
        DeValue::String(s) => {
            let number = Text {
                value: s.to_string(),
                span: node.span(),
            };
            return known
                .extension(&number, "to", TO_FIX, p)
                .then_some(Destination::Extension(number.value));
        }
        DeValue::Table(table) => table,
        other => {
            p.at(
                node.span(),
                format!(
                    "`to` must be an extension number or a table{TO_FIX}; got {}",
                    describe(other)
                ),
            );
            return None;
        }
    };
    let mut f = Fields::new(table, node.span(), "`to`");
    let kinds = ["extension", "queue", "conference", "external"];
    let given: Vec<&str> = kinds.iter().copied().filter(|k| f.has(k)).collect();
    let found = match given.as_slice() {
        [kind] => {
            let value = f.opt_text(kind_key(kind), p);
            value.and_then(|v| match *kind {
                "extension" => known
                    .extension(&v, "to", "", p)
                    .then_some(Destination::Extension(v.value)),
                "queue" => known
                    .queue(&v, "to", p)
                    .then_some(Destination::Queue(v.value)),
                "conference" => known
                    .room(&v, "to", p)
                    .then_some(Destination::Conference(v.value)),
                _ => Some(Destination::External(v.value)),
            })
        }
        _ => {
            for kind in kinds {
                f.get(kind_key(kind));
            }
            p.at(
                node.span(),
                "`to` needs exactly one of extension, queue, conference or external, e.g. to = { queue = \"support\" }",
            );
            None
        }
    };
    f.finish(p);
    found
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "extension" => "extension",
        "queue" => "queue",
        "conference" => "conference",
        _ => "external",
    }
}
