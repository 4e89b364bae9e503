//! Live API actions: `POST` paths and bodies resolved to a model [`Command`].
//! Their paths and bodies are our guesses (FAKE-DEFAULT, docs/protocol.md §6.3).

use serde_json::Value;

use super::error::LiveError;
use super::select::{Selector, no_such_path, take_selector};
use crate::model::command::Party;
use crate::model::command::{Command, Destination};
use crate::model::pbx::Pbx;
use crate::model::state::{Agent, Extension};

impl Pbx {
    /// Resolves a Live API POST action to the command it asks for (FAKE-DEFAULT paths
    /// and bodies, see the module docs), or `None` when what it asks is already so
    /// (an `answer` of a connected call). The caller applies the command.
    ///
    /// # Errors
    /// [`LiveError::NotFound`] for an unknown target or action,
    /// [`LiveError::InvalidBody`] for a body that is not the expected JSON.
    pub fn live_action(&self, path: &[&str], body: &[u8]) -> Result<Option<Command>, LiveError> {
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
            // The one action that may find nothing to do (answer.rs).
            ("callSegments" | "callSegment", ["answer"]) => {
                self.answer_action(self.live_segment(target)?, body)
            }
            _ => self.command(resource, target, rest, body, full).map(Some),
        }
    }

    fn command(
        &self,
        resource: &str,
        target: Selector<'_>,
        rest: &[&str],
        body: &[u8],
        full: &[&str],
    ) -> Result<Command, LiveError> {
        match (resource, rest) {
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
                    from: Party::Extension(ext.number.clone()),
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

pub(super) fn body_json(body: &[u8]) -> Result<Value, LiveError> {
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
