//! The Live REST API over the model (docs/protocol.md §6): resolves a path under
//! `/communication_manager/rest/live/` to a JSON representation (GET) or to a
//! [`Command`] (POST actions). Pure: the server maps the results to HTTP.
//!
//! Representations follow docs/protocol.md §6.2 (SEEN). The action paths and bodies are our
//! guesses (FAKE-DEFAULT, docs/protocol.md §6.3); so is the shape of agent statistics and the
//! core-server list.

use serde::Serialize;
use serde_json::Value;

use super::ModelError;
use super::command::{Command, Destination};
use super::pbx::Pbx;
use super::state::{Agent, CallSegment, Extension, Queue, Room, User};

/// Why a Live API request could not be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    /// 404: an unknown resource or parent.
    #[error("{0}")]
    NotFound(String),
    /// 412: the request body is not the JSON the action expects.
    #[error("{0}")]
    InvalidBody(String),
    /// 409: the model refused the action.
    #[error("{0}")]
    Refused(#[from] ModelError),
}

/// How a path names one instance: `{uuid}` or `getByName/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selector<'a> {
    Id(&'a str),
    Name(&'a str),
}

impl Selector<'_> {
    fn describe(&self) -> String {
        match self {
            Selector::Id(id) => format!("id `{id}`"),
            Selector::Name(name) => format!("name `{name}`"),
        }
    }
}

/// Takes one instance selector off the front of the path.
fn take_selector<'a>(path: &mut &[&'a str]) -> Option<Selector<'a>> {
    match *path {
        ["getByName", name, rest @ ..] => {
            *path = rest;
            Some(Selector::Name(name))
        }
        [id, rest @ ..] => {
            *path = rest;
            Some(Selector::Id(id))
        }
        [] => None,
    }
}

fn not_found(what: &str, selector: Selector<'_>) -> LiveError {
    LiveError::NotFound(format!("no {what} with {}", selector.describe()))
}

fn no_such_path(path: &[&str]) -> LiveError {
    LiveError::NotFound(format!("no Live API resource at `{}`", path.join("/")))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CoreServerJson<'a> {
    id: &'a str,
    slug: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtensionJson<'a> {
    id: &'a str,
    extension_number: &'a str,
    display_name: &'a str,
    configuration_id: &'a str,
    permission_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserJson<'a> {
    id: &'a str,
    configuration_id: &'a str,
    user_name: &'a str,
    displayed_name: &'a str,
    permission_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueJson<'a> {
    id: &'a str,
    display_name: &'a str,
    identifier: &'a str,
    configuration_id: &'a str,
    permission_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentJson<'a> {
    id: &'a str,
    paused: bool,
    state: &'a str,
    name: &'a str,
    dynamic: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentStatisticsJson {
    penalty: u32,
    calls_taken: u64,
    login_time: i64,
}

#[derive(Serialize)]
struct CallerIdJson<'a> {
    id: &'a str,
    name: &'a str,
    number: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CallSegmentJson<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    caller_id: CallerIdJson<'a>,
    did: Option<&'a str>,
    on_hold: bool,
    recording: bool,
    incoming: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoomJson<'a> {
    id: &'a str,
    configuration_id: &'a str,
    display_name: &'a str,
    identifier: &'a str,
    dial_string: &'a str,
    user_generated: bool,
    permission_id: &'a str,
}

fn json(value: impl Serialize) -> Value {
    // Plain structs of strings, numbers and booleans always serialize.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn extension_json(e: &Extension) -> Value {
    json(ExtensionJson {
        id: &e.id,
        extension_number: &e.number,
        display_name: &e.display_name,
        configuration_id: &e.configuration_id,
        permission_id: &e.configuration_id,
    })
}

fn user_json(u: &User) -> Value {
    json(UserJson {
        id: &u.id,
        configuration_id: &u.configuration_id,
        user_name: &u.username,
        displayed_name: &u.display_name,
        permission_id: &u.configuration_id,
    })
}

fn queue_json(q: &Queue) -> Value {
    json(QueueJson {
        id: &q.id,
        display_name: &q.name,
        identifier: &q.identifier,
        configuration_id: &q.configuration_id,
        permission_id: &q.configuration_id,
    })
}

fn segment_json(s: &CallSegment) -> Value {
    json(CallSegmentJson {
        id: &s.id,
        kind: s.kind.as_str(),
        caller_id: CallerIdJson {
            id: &s.caller_id.id,
            name: &s.caller_id.name,
            number: &s.caller_id.number,
        },
        did: s.did.as_deref(),
        on_hold: s.on_hold,
        recording: s.recording,
        incoming: s.incoming,
    })
}

fn room_json(r: &Room) -> Value {
    json(RoomJson {
        id: &r.id,
        configuration_id: &r.configuration_id,
        display_name: &r.name,
        identifier: &r.identifier,
        dial_string: &r.dial_string,
        user_generated: false,
        permission_id: &r.configuration_id,
    })
}

impl Pbx {
    fn agent_json(&self, a: &Agent) -> Value {
        let name = self
            .extensions
            .get(&a.extension)
            .map_or("", |e| e.display_name.as_str());
        json(AgentJson {
            id: &a.id,
            paused: a.paused,
            state: self.device_state(&a.extension),
            name,
            dynamic: a.dynamic,
        })
    }

    /// Extensions the Live API lists: only those bound to a licensed/full user (docs/protocol.md §6.1).
    fn live_extension(&self, selector: Selector<'_>) -> Result<&Extension, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.extensions.values().find(|e| e.id == id),
            Selector::Name(n) => self.extensions.get(n),
        };
        found
            .filter(|e| self.extension_licensed(Some(&e.number)))
            .ok_or_else(|| not_found("extension", selector))
    }

    fn live_user(&self, selector: Selector<'_>) -> Result<&User, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.users.values().find(|u| u.id == id),
            Selector::Name(n) => self.users.get(n),
        };
        found.ok_or_else(|| not_found("user", selector))
    }

    /// Queues the Live API lists: only enabled ones (docs/protocol.md §6.1).
    fn live_queue(&self, selector: Selector<'_>) -> Result<&Queue, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.queues.values().find(|q| q.id == id),
            Selector::Name(n) => self.queues.get(n),
        };
        found
            .filter(|q| q.enabled)
            .ok_or_else(|| not_found("queue", selector))
    }

    fn live_room(&self, selector: Selector<'_>) -> Result<&Room, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.rooms.values().find(|r| r.id == id),
            Selector::Name(n) => self.rooms.get(n),
        };
        found.ok_or_else(|| not_found("conference room", selector))
    }

    fn live_segment(&self, selector: Selector<'_>) -> Result<&CallSegment, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.segments.get(id),
            Selector::Name(_) => None,
        };
        found.ok_or_else(|| not_found("call segment", selector))
    }

    /// Agents of a queue, hiding those whose extension is not licensed (docs/protocol.md §6.1).
    fn live_agents<'a>(&'a self, q: &'a Queue) -> impl Iterator<Item = &'a Agent> + 'a {
        q.agents
            .values()
            .filter(|a| self.extension_licensed(Some(&a.extension)))
    }

    /// The agent entries of an extension across enabled queues, with their queue.
    fn agents_of_extension<'a>(
        &'a self,
        number: &'a str,
    ) -> impl Iterator<Item = (&'a Queue, &'a Agent)> + 'a {
        self.queues
            .values()
            .filter(|q| q.enabled)
            .filter_map(move |q| q.agents.get(number).map(|a| (q, a)))
    }

    fn check_core_server(&self, selector: Selector<'_>) -> Result<(), LiveError> {
        let ok = match selector {
            Selector::Id(id) => self.core.id == id,
            Selector::Name(slug) => self.core.slug == slug,
        };
        if ok {
            Ok(())
        } else {
            Err(not_found("core server", selector))
        }
    }

    /// Answers a Live API GET. `path` is the part after `rest/live/`, split on `/`.
    ///
    /// # Errors
    /// [`LiveError::NotFound`] for an unknown resource or parent.
    pub fn live_get(&self, path: &[&str]) -> Result<Value, LiveError> {
        let full = path;
        let mut path = path;
        let Some((&"coreServers", rest)) = path.split_first() else {
            return Err(no_such_path(full));
        };
        path = rest;
        let Some(cs) = take_selector(&mut path) else {
            // FAKE-DEFAULT: the list of core servers is not documented.
            return Ok(Value::Array(vec![self.core_server_json()]));
        };
        self.check_core_server(cs)?;
        match path {
            [] => Ok(self.core_server_json()),
            ["extensions" | "extension", rest @ ..] => self.get_extensions(rest, full),
            ["users" | "user", rest @ ..] => self.get_users(rest, full),
            ["queues" | "queue", rest @ ..] => self.get_queues(rest, full),
            ["callSegments" | "callSegment", rest @ ..] => {
                let mut rest = rest;
                match take_selector(&mut rest) {
                    None => Ok(Value::Array(
                        self.segments.values().map(segment_json).collect(),
                    )),
                    Some(sel) if rest.is_empty() => Ok(segment_json(self.live_segment(sel)?)),
                    Some(_) => Err(no_such_path(full)),
                }
            }
            ["conferences" | "conference", rest @ ..] => {
                let mut rest = rest;
                match take_selector(&mut rest) {
                    None => Ok(Value::Array(self.rooms.values().map(room_json).collect())),
                    Some(sel) if rest.is_empty() => Ok(room_json(self.live_room(sel)?)),
                    Some(_) => Err(no_such_path(full)),
                }
            }
            _ => Err(no_such_path(full)),
        }
    }

    fn core_server_json(&self) -> Value {
        json(CoreServerJson {
            id: &self.core.id,
            slug: &self.core.slug,
            name: &self.core.name,
        })
    }

    fn get_extensions(&self, mut path: &[&str], full: &[&str]) -> Result<Value, LiveError> {
        let Some(sel) = take_selector(&mut path) else {
            return Ok(Value::Array(
                self.extensions
                    .values()
                    .filter(|e| self.extension_licensed(Some(&e.number)))
                    .map(extension_json)
                    .collect(),
            ));
        };
        let ext = self.live_extension(sel)?;
        match path {
            [] => Ok(extension_json(ext)),
            ["callSegments" | "callSegment"] => Ok(Value::Array(
                self.segments
                    .values()
                    .filter(|s| s.extension.as_deref() == Some(ext.number.as_str()))
                    .map(segment_json)
                    .collect(),
            )),
            ["agents" | "agent", rest @ ..] => {
                let mut rest = rest;
                let agents: Vec<(&Queue, &Agent)> = self.agents_of_extension(&ext.number).collect();
                match take_selector(&mut rest) {
                    None => Ok(Value::Array(
                        agents.iter().map(|(_, a)| self.agent_json(a)).collect(),
                    )),
                    Some(sel) => {
                        let agent = agents
                            .iter()
                            .map(|(_, a)| *a)
                            .find(|a| matches!(sel, Selector::Id(id) if a.id == id))
                            .ok_or_else(|| not_found("agent", sel))?;
                        self.get_agent_sub(agent, rest, full)
                    }
                }
            }
            _ => Err(no_such_path(full)),
        }
    }

    fn get_users(&self, mut path: &[&str], full: &[&str]) -> Result<Value, LiveError> {
        let Some(sel) = take_selector(&mut path) else {
            return Ok(Value::Array(self.users.values().map(user_json).collect()));
        };
        let user = self.live_user(sel)?;
        match path {
            [] => Ok(user_json(user)),
            ["extensions" | "extension"] => Ok(Value::Array(
                user.extensions
                    .iter()
                    .filter_map(|n| self.extensions.get(n))
                    .filter(|e| self.extension_licensed(Some(&e.number)))
                    .map(extension_json)
                    .collect(),
            )),
            _ => Err(no_such_path(full)),
        }
    }

    fn get_queues(&self, mut path: &[&str], full: &[&str]) -> Result<Value, LiveError> {
        let Some(sel) = take_selector(&mut path) else {
            return Ok(Value::Array(
                self.queues
                    .values()
                    .filter(|q| q.enabled)
                    .map(queue_json)
                    .collect(),
            ));
        };
        let queue = self.live_queue(sel)?;
        match path {
            [] => Ok(queue_json(queue)),
            ["callSegments" | "callSegment"] => Ok(Value::Array(
                self.segments
                    .values()
                    .filter(|s| s.queue.as_deref() == Some(queue.identifier.as_str()))
                    .map(segment_json)
                    .collect(),
            )),
            ["agents" | "agent", rest @ ..] => {
                let mut rest = rest;
                match take_selector(&mut rest) {
                    None => Ok(Value::Array(
                        self.live_agents(queue)
                            .map(|a| self.agent_json(a))
                            .collect(),
                    )),
                    Some(sel) => {
                        let agent = self.queue_agent(queue, sel)?;
                        self.get_agent_sub(agent, rest, full)
                    }
                }
            }
            _ => Err(no_such_path(full)),
        }
    }

    /// An agent of a queue by id, or by extension number with getByName (INFERRED).
    fn queue_agent<'a>(
        &'a self,
        queue: &'a Queue,
        sel: Selector<'_>,
    ) -> Result<&'a Agent, LiveError> {
        let found = match sel {
            Selector::Id(id) => self.live_agents(queue).find(|a| a.id == id),
            Selector::Name(n) => self.live_agents(queue).find(|a| a.extension == n),
        };
        found.ok_or_else(|| not_found("agent", sel))
    }

    fn get_agent_sub(
        &self,
        agent: &Agent,
        path: &[&str],
        full: &[&str],
    ) -> Result<Value, LiveError> {
        match path {
            [] => Ok(self.agent_json(agent)),
            ["extension"] => self
                .extensions
                .get(&agent.extension)
                .map(extension_json)
                .ok_or_else(|| no_such_path(full)),
            ["statistics"] => Ok(json(AgentStatisticsJson {
                penalty: agent.penalty,
                calls_taken: agent.calls_taken,
                login_time: agent.login_time,
            })),
            _ => Err(no_such_path(full)),
        }
    }

    /// Resolves a Live API POST action to the command it asks for (FAKE-DEFAULT paths
    /// and bodies, see the module docs). The caller applies the command.
    ///
    /// # Errors
    /// [`LiveError::NotFound`] for an unknown target or action,
    /// [`LiveError::InvalidBody`] for a body that is not the expected JSON.
    pub fn live_action(&self, path: &[&str], body: &[u8]) -> Result<Command, LiveError> {
        let full = path;
        let mut path = path;
        let Some((&"coreServers", rest)) = path.split_first() else {
            return Err(no_such_path(full));
        };
        path = rest;
        let cs = take_selector(&mut path).ok_or_else(|| no_such_path(full))?;
        self.check_core_server(cs)?;
        let (resource, mut rest) = path.split_first().ok_or_else(|| no_such_path(full))?;
        let target = take_selector(&mut rest).ok_or_else(|| no_such_path(full))?;
        match (*resource, rest) {
            ("extensions" | "extension", [action]) => {
                let ext = self.live_extension(target)?;
                self.extension_action(ext, action, body, full)
            }
            ("queues" | "queue", [action @ ("login" | "logout")]) => {
                let queue = self.live_queue(target)?;
                let extension = body_field_string(body, "extension")?;
                Ok(if *action == "login" {
                    Command::AgentLogin {
                        queue: queue.identifier.clone(),
                        extension,
                    }
                } else {
                    Command::AgentLogout {
                        queue: queue.identifier.clone(),
                        extension,
                    }
                })
            }
            ("queues" | "queue", ["agents" | "agent", agent_path @ ..]) => {
                let queue = self.live_queue(target)?;
                let mut agent_path = agent_path;
                let sel = take_selector(&mut agent_path).ok_or_else(|| no_such_path(full))?;
                let agent = self.queue_agent(queue, sel)?;
                let [action] = agent_path else {
                    return Err(no_such_path(full));
                };
                agent_action(&queue.identifier, agent, action, body, full)
            }
            ("callSegments" | "callSegment", ["transfer"]) => {
                let seg = self.live_segment(target)?;
                let to = body_field_string(body, "destination")?;
                Ok(Command::Transfer {
                    call: seg.call.clone(),
                    to,
                })
            }
            _ => Err(no_such_path(full)),
        }
    }

    fn extension_action(
        &self,
        ext: &Extension,
        action: &str,
        body: &[u8],
        full: &[&str],
    ) -> Result<Command, LiveError> {
        match action {
            "originate" => {
                let to = body_field_string(body, "destination")?;
                let destination = match self.queues.get(&to) {
                    _ if self.extensions.contains_key(&to) => Destination::Extension(to),
                    Some(_) => Destination::Queue(to),
                    None => match self
                        .rooms
                        .values()
                        .find(|r| r.dial_string == to || r.identifier == to)
                    {
                        Some(room) => Destination::Conference(room.identifier.clone()),
                        None => Destination::External(to),
                    },
                };
                Ok(Command::Dial {
                    call: self.free_call_label("rest"),
                    from: super::command::Party::Extension(ext.number.clone()),
                    to: destination,
                })
            }
            "dnd" => Ok(Command::SetDnd {
                extension: ext.number.clone(),
                on: body_field_bool(body, "enabled")?,
            }),
            "dndOn" | "dndOff" => Ok(Command::SetDnd {
                extension: ext.number.clone(),
                on: action == "dndOn",
            }),
            _ => Err(no_such_path(full)),
        }
    }

    /// The first label `{prefix}-N` no live call uses.
    pub fn free_call_label(&self, prefix: &str) -> String {
        (1..)
            .map(|n| format!("{prefix}-{n}"))
            .find(|label| !self.calls.contains_key(label))
            .unwrap_or_default()
    }
}

fn agent_action(
    queue: &str,
    agent: &Agent,
    action: &str,
    body: &[u8],
    full: &[&str],
) -> Result<Command, LiveError> {
    let (queue, extension) = (queue.to_string(), agent.extension.clone());
    match action {
        "logout" => Ok(Command::AgentLogout { queue, extension }),
        "pause" | "unpause" => Ok(Command::AgentPause {
            queue,
            extension,
            paused: action == "pause",
        }),
        "penalty" => {
            let value = body_json(body)?;
            let penalty = value
                .get("penalty")
                .and_then(Value::as_u64)
                .and_then(|p| u32::try_from(p).ok())
                .ok_or_else(|| {
                    LiveError::InvalidBody(
                        "expected a body like {\"penalty\": 2} (a non-negative integer)".into(),
                    )
                })?;
            Ok(Command::AgentPenalty {
                queue,
                extension,
                penalty,
            })
        }
        _ => Err(no_such_path(full)),
    }
}

fn body_json(body: &[u8]) -> Result<Value, LiveError> {
    serde_json::from_slice(body)
        .map_err(|e| LiveError::InvalidBody(format!("the request body is not valid JSON: {e}")))
}

fn body_field_string(body: &[u8], field: &str) -> Result<String, LiveError> {
    match body_json(body)?.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(LiveError::InvalidBody(format!(
            "expected a body like {{\"{field}\": \"1002\"}} (a non-empty string)"
        ))),
    }
}

fn body_field_bool(body: &[u8], field: &str) -> Result<bool, LiveError> {
    body_json(body)?
        .get(field)
        .and_then(Value::as_bool)
        .ok_or_else(|| {
            LiveError::InvalidBody(format!("expected a body like {{\"{field}\": true}}"))
        })
}
