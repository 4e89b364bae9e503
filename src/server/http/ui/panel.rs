//! The PBX as an operator panel shows it, built from the model for the
//! dashboard: users and their status, extensions and their call state, queues
//! with waiting callers and agents, conference rooms with participants, and the
//! active calls. Times are virtual epoch ms (the clock events carry), from the
//! simulation's timeline; the page turns them into durations.
//!
//! Each list is keyed (username, extension number, queue identifier, room
//! identifier, caller segment id), so the stream can send only the rows that
//! changed (see `delta`).

use serde::Serialize;

use crate::model::state::{CallSegment, Extension, Queue, Room, User};
use crate::model::{CallState, Pbx};
use crate::server::simulation::timeline::Timeline;

/// One user: login and status.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserRow {
    pub(crate) username: String,
    pub(crate) name: String,
    /// "full" or "basic" (a basic user's objects send almost no events).
    pub(crate) license: &'static str,
    pub(crate) extensions: Vec<String>,
    pub(crate) logged_in: bool,
    /// The client-interface session's address, while logged in.
    pub(crate) login_from: Option<String>,
    pub(crate) status: Option<StatusCell>,
}

/// A user's status as `userStatus` events carry it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusCell {
    pub(crate) name: String,
    /// The wire spelling: available, away, dnd, ... (the page colours by it).
    pub(crate) status_type: &'static str,
    pub(crate) note: String,
    /// Expected return, epoch ms; `None` for none (-1 on the wire).
    pub(crate) return_time: Option<i64>,
}

/// Someone on the other end of a call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Party {
    pub(crate) name: String,
    pub(crate) number: String,
    /// The extension, for a party on one.
    pub(crate) extension: Option<String>,
}

/// One extension and what it is doing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExtensionRow {
    pub(crate) number: String,
    pub(crate) name: String,
    pub(crate) user: Option<String>,
    pub(crate) dnd: bool,
    /// idle, ringing, calling, connected, on hold, queued, conference.
    pub(crate) state: &'static str,
    /// The caller id of the other party (a queue or room when waiting in one).
    pub(crate) other: Option<Party>,
    /// Since when the call stands in its state.
    pub(crate) since: Option<i64>,
}

/// A caller waiting in a queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Waiting {
    pub(crate) segment: String,
    pub(crate) caller: Party,
    pub(crate) since: Option<i64>,
}

/// A queue member.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgentRow {
    pub(crate) extension: String,
    pub(crate) name: String,
    pub(crate) logged_in: bool,
    /// A static member is always logged in; a dynamic one logs in and out.
    pub(crate) dynamic: bool,
    pub(crate) paused: bool,
    pub(crate) penalty: Option<u32>,
    pub(crate) calls_taken: Option<u64>,
    /// When a logged-out agent left.
    pub(crate) logged_out_at: Option<i64>,
}

/// One queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueueRow {
    pub(crate) identifier: String,
    pub(crate) name: String,
    pub(crate) enabled: bool,
    /// The waiting callers, the longest waiting first.
    pub(crate) waiting: Vec<Waiting>,
    /// Since when the longest-waiting caller waits.
    pub(crate) longest_since: Option<i64>,
    pub(crate) agents: Vec<AgentRow>,
}

/// A participant of a conference room.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Participant {
    pub(crate) segment: String,
    pub(crate) party: Party,
    pub(crate) since: Option<i64>,
}

/// One conference room.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoomRow {
    pub(crate) identifier: String,
    pub(crate) name: String,
    pub(crate) dial_string: String,
    pub(crate) participants: Vec<Participant>,
}

/// One active call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CallRow {
    /// The caller segment's id: unique, so the key of the row.
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) state: &'static str,
    pub(crate) caller: Party,
    /// The destination, once one rings or answers.
    pub(crate) callee: Option<Party>,
    /// Where it waits or talks when not with a person.
    pub(crate) place: Option<String>,
    pub(crate) on_hold: bool,
    pub(crate) recording: bool,
    pub(crate) started: Option<i64>,
    pub(crate) since: Option<i64>,
}

/// The whole panel.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Panel {
    pub(crate) users: Vec<UserRow>,
    pub(crate) extensions: Vec<ExtensionRow>,
    pub(crate) queues: Vec<QueueRow>,
    pub(crate) rooms: Vec<RoomRow>,
    pub(crate) calls: Vec<CallRow>,
}

impl Panel {
    /// The panel of `pbx` with the times of `timeline`.
    pub(crate) fn of(pbx: &Pbx, timeline: &Timeline) -> Panel {
        let mut calls: Vec<CallRow> = pbx
            .calls
            .values()
            .map(|call| call_row(pbx, timeline, call))
            .collect();
        calls.sort_by(|a, b| {
            a.started
                .cmp(&b.started)
                .then_with(|| a.label.cmp(&b.label))
        });
        Panel {
            users: pbx.users().values().map(user_row).collect(),
            extensions: pbx
                .extensions()
                .values()
                .map(|e| extension_row(pbx, timeline, e))
                .collect(),
            queues: pbx
                .queues()
                .values()
                .map(|q| queue_row(pbx, timeline, q))
                .collect(),
            rooms: pbx
                .rooms()
                .values()
                .map(|r| room_row(pbx, timeline, r))
                .collect(),
            calls,
        }
    }
}

fn user_row(user: &User) -> UserRow {
    UserRow {
        username: user.username.clone(),
        name: user.display_name(),
        license: match user.license {
            crate::model::License::Full => "full",
            crate::model::License::Basic => "basic",
        },
        extensions: user.extensions.clone(),
        logged_in: user.login.is_some(),
        login_from: user.login.as_ref().map(|l| format!("{}:{}", l.ip, l.port)),
        status: user.status.as_ref().map(|s| StatusCell {
            name: s.name.clone(),
            status_type: s.status_type,
            note: s.note.clone(),
            return_time: (s.return_time >= 0).then_some(s.return_time),
        }),
    }
}

fn party(pbx: &Pbx, segment: &CallSegment) -> Party {
    let extension = segment.extension.clone();
    let name = match (&segment.caller_id.name, &extension) {
        (name, Some(number)) if name.is_empty() => pbx
            .extensions()
            .get(number)
            .map_or_else(String::new, |e| e.display_name.clone()),
        (name, _) => name.clone(),
    };
    Party {
        name,
        number: segment.caller_id.number.clone(),
        extension,
    }
}

fn place_party(name: &str, number: &str) -> Party {
    Party {
        name: name.to_string(),
        number: number.to_string(),
        extension: None,
    }
}

fn extension_row(pbx: &Pbx, timeline: &Timeline, extension: &Extension) -> ExtensionRow {
    let mut row = ExtensionRow {
        number: extension.number.clone(),
        name: extension.display_name.clone(),
        user: extension.user.clone(),
        dnd: extension.dnd,
        state: "idle",
        other: None,
        since: None,
    };
    let Some(segment) = pbx.segment_of_extension(&extension.number) else {
        return row;
    };
    let Some(call) = pbx.calls.get(&segment.call) else {
        return row;
    };
    let is_caller = call.caller == segment.id;
    let other_id = if is_caller {
        call.callee.as_deref()
    } else {
        Some(call.caller.as_str())
    };
    row.other = other_id
        .and_then(|id| pbx.segments().get(id))
        .map(|other| party(pbx, other));
    // Holding is per segment: the call is on hold whichever side holds.
    let held_since = [Some(segment.id.as_str()), other_id]
        .into_iter()
        .flatten()
        .filter_map(|id| timeline.held_since(id))
        .min();
    let held = segment.on_hold
        || other_id
            .and_then(|id| pbx.segments().get(id))
            .is_some_and(|other| other.on_hold);
    row.state = match call.state {
        CallState::Ringing if is_caller => "calling",
        CallState::Ringing => "ringing",
        _ if held => "on hold",
        CallState::Connected => "connected",
        CallState::Queued => "queued",
        CallState::Conference => "conference",
    };
    if row.other.is_none() {
        row.other = match (&segment.queue, &segment.room) {
            (Some(queue), _) => pbx
                .queues()
                .get(queue)
                .map(|q| place_party(&q.name, &q.identifier)),
            (None, Some(room)) => pbx
                .rooms()
                .get(room)
                .map(|r| place_party(&r.name, &r.dial_string)),
            (None, None) => None,
        };
    }
    row.since = if held {
        held_since
    } else {
        timeline.call(&call.caller).map(|t| t.since)
    };
    row
}

fn queue_row(pbx: &Pbx, timeline: &Timeline, queue: &Queue) -> QueueRow {
    let mut waiting: Vec<Waiting> = pbx
        .segments()
        .values()
        .filter(|s| s.queue.as_deref() == Some(queue.identifier.as_str()))
        .map(|s| Waiting {
            segment: s.id.clone(),
            caller: party(pbx, s),
            since: timeline.waiting_since(&s.id),
        })
        .collect();
    waiting.sort_by(|a, b| {
        a.since
            .cmp(&b.since)
            .then_with(|| a.segment.cmp(&b.segment))
    });
    let name_of = |number: &str| {
        pbx.extensions()
            .get(number)
            .map_or_else(String::new, |e| e.display_name.clone())
    };
    let mut agents: Vec<AgentRow> = queue
        .agents
        .values()
        .map(|a| AgentRow {
            extension: a.extension.clone(),
            name: name_of(&a.extension),
            logged_in: true,
            dynamic: a.dynamic,
            paused: a.paused,
            penalty: Some(a.penalty),
            calls_taken: Some(a.calls_taken),
            logged_out_at: None,
        })
        .collect();
    agents.extend(
        timeline
            .logged_out(&queue.identifier)
            .map(|(extension, at)| AgentRow {
                extension: extension.to_string(),
                name: name_of(extension),
                logged_in: false,
                dynamic: true,
                paused: false,
                penalty: None,
                calls_taken: None,
                logged_out_at: Some(at),
            }),
    );
    agents.sort_by(|a, b| a.extension.cmp(&b.extension));
    QueueRow {
        identifier: queue.identifier.clone(),
        name: queue.name.clone(),
        enabled: queue.enabled,
        longest_since: waiting.iter().filter_map(|w| w.since).min(),
        waiting,
        agents,
    }
}

fn room_row(pbx: &Pbx, timeline: &Timeline, room: &Room) -> RoomRow {
    let mut participants: Vec<Participant> = pbx
        .segments()
        .values()
        .filter(|s| s.room.as_deref() == Some(room.identifier.as_str()))
        .map(|s| Participant {
            segment: s.id.clone(),
            party: party(pbx, s),
            since: timeline.in_room_since(&s.id),
        })
        .collect();
    participants.sort_by(|a, b| {
        a.since
            .cmp(&b.since)
            .then_with(|| a.segment.cmp(&b.segment))
    });
    RoomRow {
        identifier: room.identifier.clone(),
        name: room.name.clone(),
        dial_string: room.dial_string.clone(),
        participants,
    }
}

fn call_row(pbx: &Pbx, timeline: &Timeline, call: &crate::model::state::Call) -> CallRow {
    let caller = pbx.segments().get(&call.caller);
    let callee = call.callee.as_deref().and_then(|id| pbx.segments().get(id));
    let place = caller.and_then(|s| match (&s.queue, &s.room) {
        (Some(queue), _) => Some(format!("queue {queue}")),
        (None, Some(room)) => Some(format!("room {room}")),
        (None, None) => None,
    });
    let times = timeline.call(&call.caller);
    let held = [caller, callee].into_iter().flatten().any(|s| s.on_hold);
    let held_since = [caller, callee]
        .into_iter()
        .flatten()
        .filter_map(|s| timeline.held_since(&s.id))
        .min();
    let recording = [caller, callee].into_iter().flatten().any(|s| s.recording);
    CallRow {
        id: call.caller.clone(),
        label: call.label.clone(),
        state: match call.state {
            CallState::Ringing => "ringing",
            CallState::Queued => "queued",
            CallState::Connected if held => "on hold",
            CallState::Connected => "connected",
            CallState::Conference => "conference",
        },
        caller: caller.map_or_else(|| place_party("", ""), |s| party(pbx, s)),
        callee: callee.map(|s| party(pbx, s)),
        place,
        on_hold: held,
        recording,
        started: times.map(|t| t.started),
        since: if held {
            held_since
        } else {
            times.map(|t| t.since)
        },
    }
}
