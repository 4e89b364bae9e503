//! Turning captured events back into commands. For each captured event the
//! converter proposes the commands that would cause it, applies them to a copy of
//! the model, and keeps them only when the model's events equal the captured ones
//! (up to ids, see [`IdMap`]); an event no proposal reproduces stays a raw event.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::ids::IdMap;
use crate::model::{Command, Destination, Party, Pbx, StatusChange, StatusType};
use crate::scenario::RecordedCommand;

/// What became of the captured events.
#[derive(Debug, Default)]
pub struct Matched {
    /// Commands with their virtual ms.
    pub commands: Vec<RecordedCommand>,
    /// Indexes (into the event list) of the events no command reproduces.
    pub raw: Vec<usize>,
}

/// Explains `events` (catalogue events in order, as JSON) with commands applied
/// to `pbx` at `time - epoch`.
pub fn explain(mut pbx: Pbx, epoch: i64, events: &[Map<String, Value>]) -> Matched {
    let mut matcher = Matcher {
        ids: IdMap::default(),
        calls: BTreeMap::new(),
        next_call: 1,
    };
    let mut matched = Matched::default();
    let mut i = 0;
    while i < events.len() {
        let event = &events[i];
        let time = event
            .get("time")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MIN);
        let Ok(at_ms) = u64::try_from(time.saturating_sub(epoch)) else {
            matched.raw.push(i);
            i += 1;
            continue;
        };
        pbx.set_time(time);
        let mut explained = None;
        for (candidate, call) in matcher.candidates(event, events.get(i + 1), &pbx) {
            if let Some((after, ids, used)) = matcher.try_commands(&pbx, &candidate, &events[i..]) {
                explained = Some((candidate, call, after, ids, used));
                break;
            }
        }
        match explained {
            Some((commands, call, after, ids, used)) => {
                pbx = after;
                matcher.ids = ids;
                matcher.track(call, &events[i..i + used]);
                matched.commands.extend(
                    commands
                        .into_iter()
                        .map(|command| RecordedCommand { at_ms, command }),
                );
                i += used;
            }
            None => {
                matched.raw.push(i);
                i += 1;
            }
        }
    }
    matched
}

struct Matcher {
    ids: IdMap,
    /// Captured segment id -> the call label it belongs to, while the call lasts.
    calls: BTreeMap<String, String>,
    next_call: u64,
}

fn text<'a>(event: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    event.get(key).and_then(Value::as_str)
}

impl Matcher {
    /// Applies `commands` to a copy of `pbx`; when the events they cause are the
    /// next captured ones (up to ids), returns the new model, ids and count.
    fn try_commands(
        &self,
        pbx: &Pbx,
        commands: &[Command],
        captured: &[Map<String, Value>],
    ) -> Option<(Pbx, IdMap, usize)> {
        let mut pbx = pbx.clone();
        let mut produced = Vec::new();
        for command in commands {
            produced.extend(pbx.apply(command).ok()?);
        }
        if produced.is_empty() || produced.len() > captured.len() {
            return None;
        }
        let mut ids = self.ids.clone();
        for (event, want) in produced.iter().zip(captured) {
            let Ok(Value::Object(got)) = serde_json::to_value(event) else {
                return None;
            };
            if !ids.matches(want, &got) {
                return None;
            }
        }
        Some((pbx, ids, produced.len()))
    }

    /// Remembers which call the segments of a dial belong to; forgets them at hangup.
    fn track(&mut self, call: Option<String>, used: &[Map<String, Value>]) {
        let Some(call) = call else { return };
        for event in used {
            match text(event, "type") {
                Some("dial") => {
                    for key in ["callSegmentId1", "callSegmentId2"] {
                        if let Some(segment) = text(event, key) {
                            self.calls.insert(segment.to_string(), call.clone());
                        }
                    }
                }
                Some("hangup" | "confRoomCallLeave") => {
                    if let Some(segment) = text(event, "callSegmentId") {
                        self.calls.remove(segment);
                    }
                }
                _ => {}
            }
        }
    }

    fn new_call(&mut self) -> String {
        let label = format!("c{}", self.next_call);
        self.next_call += 1;
        label
    }

    /// The command sequences that could cause `event` (and the ones after it),
    /// most likely first, each with the call label it starts, if any.
    fn candidates(
        &mut self,
        event: &Map<String, Value>,
        next: Option<&Map<String, Value>>,
        pbx: &Pbx,
    ) -> Vec<(Vec<Command>, Option<String>)> {
        let user = || text(event, "username").map(str::to_string);
        let queue = || {
            let name = text(event, "queue")?;
            pbx.queues()
                .values()
                .find(|q| q.name == name)
                .map(|q| q.identifier.clone())
        };
        let extension = || text(event, "extensionNumber").map(str::to_string);
        let none = Vec::new();
        match text(event, "type") {
            Some("userLogin") => match (
                user(),
                text(event, "ip"),
                event.get("port").and_then(Value::as_u64),
            ) {
                (Some(user), Some(ip), Some(port)) => match u16::try_from(port) {
                    Ok(port) => vec![(
                        vec![Command::UserLogin {
                            user,
                            ip: ip.to_string(),
                            port,
                        }],
                        None,
                    )],
                    Err(_) => none,
                },
                _ => none,
            },
            Some("userLogout") => user().map_or(none, |user| {
                vec![(vec![Command::UserLogout { user }], None)]
            }),
            Some("userStatus") => match (user(), status_change(event)) {
                (Some(user), Some(status)) => {
                    vec![(vec![Command::SetStatus { user, status }], None)]
                }
                _ => none,
            },
            Some(kind @ ("agentLogin" | "agentLogout")) => match (queue(), extension()) {
                (Some(queue), Some(extension)) => {
                    let command = if kind == "agentLogin" {
                        Command::AgentLogin { queue, extension }
                    } else {
                        Command::AgentLogout { queue, extension }
                    };
                    vec![(vec![command], None)]
                }
                _ => none,
            },
            Some("dial") => {
                let call = self.new_call();
                let (Some(from), Some(to)) = (party(event, "1", pbx), destination(event, "2", pbx))
                else {
                    return none;
                };
                vec![(
                    vec![Command::Dial {
                        call: call.clone(),
                        from,
                        to,
                    }],
                    Some(call),
                )]
            }
            Some("linkEnd") => {
                if let Some(call) = text(event, "callSegmentId1")
                    .and_then(|s| self.calls.get(s))
                    .cloned()
                {
                    return vec![
                        (
                            vec![Command::Hangup { call: call.clone() }],
                            Some(call.clone()),
                        ),
                        (
                            vec![
                                Command::Answer {
                                    call: call.clone(),
                                    by: None,
                                },
                                Command::Hangup { call: call.clone() },
                            ],
                            Some(call),
                        ),
                    ];
                }
                let call = self.new_call();
                let (Some(from), Some(to)) = (party(event, "1", pbx), destination(event, "2", pbx))
                else {
                    return none;
                };
                let dial = Command::Dial {
                    call: call.clone(),
                    from,
                    to,
                };
                let answer = Command::Answer {
                    call: call.clone(),
                    by: None,
                };
                vec![(
                    vec![dial, answer, Command::Hangup { call: call.clone() }],
                    Some(call),
                )]
            }
            Some("hangup") => {
                if let Some(call) = text(event, "callSegmentId")
                    .and_then(|s| self.calls.get(s))
                    .cloned()
                {
                    return vec![(vec![Command::Hangup { call: call.clone() }], Some(call))];
                }
                // An unanswered call: the caller's hangup, then the callee's.
                let Some(next) = next.filter(|n| text(n, "type") == Some("hangup")) else {
                    return none;
                };
                let call = self.new_call();
                let (Some(from), Some(to)) = (party(event, "", pbx), destination(next, "", pbx))
                else {
                    return none;
                };
                vec![(
                    vec![
                        Command::Dial {
                            call: call.clone(),
                            from,
                            to,
                        },
                        Command::Hangup { call: call.clone() },
                    ],
                    Some(call),
                )]
            }
            Some("confRoomCallLeave") => {
                if let Some(call) = text(event, "callSegmentId")
                    .and_then(|s| self.calls.get(s))
                    .cloned()
                {
                    return vec![(vec![Command::Hangup { call: call.clone() }], Some(call))];
                }
                let room = text(event, "conferenceRoomName")
                    .and_then(|name| pbx.rooms().values().find(|r| r.name == name))
                    .map(|r| r.identifier.clone());
                let (Some(from), Some(room)) = (party(event, "", pbx), room) else {
                    return none;
                };
                let call = self.new_call();
                let dial = Command::Dial {
                    call: call.clone(),
                    from,
                    to: Destination::Conference(room),
                };
                vec![(
                    vec![dial, Command::Hangup { call: call.clone() }],
                    Some(call),
                )]
            }
            _ => none,
        }
    }
}

/// The party of one segment group (`suffix` "", "1" or "2"): a configured
/// extension, else an outside caller.
fn party(event: &Map<String, Value>, suffix: &str, pbx: &Pbx) -> Option<Party> {
    let key = |k: &str| format!("{k}{suffix}");
    if let Some(number) = text(event, &key("extensionNumber"))
        && pbx.extensions().contains_key(number)
    {
        return Some(Party::Extension(number.to_string()));
    }
    Some(Party::External {
        number: text(event, &key("callerIdNumber"))?.to_string(),
        name: text(event, &key("callerIdName"))
            .unwrap_or_default()
            .to_string(),
        did: text(event, &key("did")).map(str::to_string),
    })
}

/// Where one segment group was reached: its extension, else its number outside.
fn destination(event: &Map<String, Value>, suffix: &str, pbx: &Pbx) -> Option<Destination> {
    let key = |k: &str| format!("{k}{suffix}");
    if let Some(number) = text(event, &key("extensionNumber"))
        && pbx.extensions().contains_key(number)
    {
        return Some(Destination::Extension(number.to_string()));
    }
    Some(Destination::External(
        text(event, &key("callerIdNumber"))?.to_string(),
    ))
}

/// The status a `userStatus` event sets, when the model can express it.
fn status_change(event: &Map<String, Value>) -> Option<StatusChange> {
    let time = event.get("time")?.as_i64()?;
    let return_time = event.get("returnTime")?.as_i64()?;
    let return_in_ms = match return_time {
        -1 => None,
        at => Some(u64::try_from(at.checked_sub(time)?).ok()?),
    };
    Some(StatusChange {
        name: text(event, "name")?.to_string(),
        status_type: StatusType::from_name(text(event, "statusType")?)?,
        note: text(event, "note")?.to_string(),
        return_in_ms,
        user_created: event.get("userCreated")?.as_bool()?,
    })
}
