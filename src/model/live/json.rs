//! The JSON representations of the Live API (docs/protocol.md §6.2).

use serde::Serialize;
use serde_json::Value;

use crate::model::pbx::Pbx;
use crate::model::state::{Agent, CallSegment, CoreServer, Extension, Queue, Room, User};

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
    displayed_name: String,
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

pub(super) fn extension_json(e: &Extension) -> Value {
    json(ExtensionJson {
        id: &e.id,
        extension_number: &e.number,
        display_name: &e.display_name,
        configuration_id: &e.configuration_id,
        permission_id: &e.configuration_id,
    })
}

pub(super) fn user_json(u: &User) -> Value {
    json(UserJson {
        id: &u.id,
        configuration_id: &u.configuration_id,
        user_name: &u.username,
        displayed_name: u.display_name(),
        permission_id: &u.configuration_id,
    })
}

pub(super) fn queue_json(q: &Queue) -> Value {
    json(QueueJson {
        id: &q.id,
        display_name: &q.name,
        identifier: &q.identifier,
        configuration_id: &q.configuration_id,
        permission_id: &q.configuration_id,
    })
}

pub(super) fn segment_json(s: &CallSegment) -> Value {
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

pub(super) fn room_json(r: &Room) -> Value {
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

/// An agent's statistics (their shape is our guess, FAKE-DEFAULT).
pub(super) fn agent_statistics_json(agent: &Agent) -> Value {
    json(AgentStatisticsJson {
        penalty: agent.penalty,
        calls_taken: agent.calls_taken,
        login_time: agent.login_time,
    })
}

impl Pbx {
    pub(super) fn agent_json(&self, a: &Agent) -> Value {
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
}

pub(super) fn core_server_json(core: &CoreServer) -> Value {
    json(CoreServerJson {
        id: &core.id,
        slug: &core.slug,
        name: &core.name,
    })
}
