//! Live API reads: `GET` paths resolved to their JSON representation.

use serde_json::Value;

use super::error::LiveError;
use super::json::{
    agent_statistics_json, core_server_json, extension_json, queue_json, room_json, segment_json,
    user_json,
};
use super::select::{Selector, no_such_path, not_found, take_selector};
use crate::model::pbx::Pbx;
use crate::model::state::{Agent, Queue};

impl Pbx {
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
            return Ok(Value::Array(
                self.core.iter().map(core_server_json).collect(),
            ));
        };
        self.check_core_server(cs)?;
        match path {
            [] => self
                .core
                .as_ref()
                .map(core_server_json)
                .ok_or_else(|| no_such_path(full)),
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
            ["statistics"] => Ok(agent_statistics_json(agent)),
            _ => Err(no_such_path(full)),
        }
    }
}
