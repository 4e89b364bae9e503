//! The PBX: live objects, the virtual clock, and `apply`, the only way state changes.

use std::collections::BTreeMap;

use super::command::Command;
use super::directory::{
    Administrator, License, ParkingLot, PbxServer, RecordingAgent, VoicemailAgent,
};
use super::error::ModelError;
use super::limits::CallLimits;
use super::state::{Call, CallSegment, CallState, CoreServer, Extension, Queue, Room, User};
use crate::protocol::{Event, EventBody, Profile};
use crate::rng::SimRng;

/// The simulated PBX of one core server.
#[derive(Debug, Clone, PartialEq)]
pub struct Pbx {
    /// Which catalogue entries may be emitted.
    pub(crate) profile: Profile,
    /// Virtual time, epoch ms; stamps every event.
    pub(crate) now: i64,
    /// The core server; `None` until one is configured (`serve --empty`).
    pub(crate) core: Option<CoreServer>,
    /// Users by username.
    pub(crate) users: BTreeMap<String, User>,
    /// Extensions by number.
    pub(crate) extensions: BTreeMap<String, Extension>,
    /// Queues by identifier.
    pub(crate) queues: BTreeMap<String, Queue>,
    /// Rooms by identifier.
    pub(crate) rooms: BTreeMap<String, Room>,
    /// Live segments by id.
    pub(crate) segments: BTreeMap<String, CallSegment>,
    /// Live calls by label.
    pub(crate) calls: BTreeMap<String, Call>,
    /// Parking lots by id (configuration only).
    pub(crate) parking_lots: BTreeMap<String, ParkingLot>,
    /// PBX connections by id (configuration only).
    pub(crate) pbx_servers: BTreeMap<String, PbxServer>,
    /// Server administrators by id (configuration only).
    pub(crate) administrators: BTreeMap<String, Administrator>,
    /// Voicemail agents by identifier (configuration only).
    pub(crate) voicemail_agents: BTreeMap<String, VoicemailAgent>,
    /// Recording agents by identifier (configuration only).
    pub(crate) recording_agents: BTreeMap<String, RecordingAgent>,
    /// Source of every new UUID, so ids depend only on the seed and the commands.
    pub(crate) ids: SimRng,
    /// Source of password salts, apart from ids so that hashing shifts no id.
    pub(crate) salts: SimRng,
    /// The creation order the next new user, extension, queue or room gets.
    pub(crate) next_seq: u64,
    /// How big the model may grow (live calls, callers per queue).
    pub(crate) limits: CallLimits,
    /// Callers waiting (queued, unanswered) per queue identifier, kept as calls
    /// enter and leave queues so the per-queue limit costs nothing to check.
    pub(crate) waiting: BTreeMap<String, usize>,
}

impl Pbx {
    /// Sets how big the model may grow; commands past a limit are refused with
    /// [`ModelError::LimitReached`].
    pub fn set_limits(&mut self, limits: CallLimits) {
        self.limits = limits;
    }

    /// The model's size limits.
    pub fn limits(&self) -> CallLimits {
        self.limits
    }

    /// How many calls are live.
    pub fn live_call_count(&self) -> usize {
        self.calls.len()
    }

    /// How many callers wait, unanswered, in `queue`.
    pub fn waiting_in(&self, queue: &str) -> usize {
        self.waiting.get(queue).copied().unwrap_or(0)
    }

    /// Sets the virtual clock (epoch ms); later events carry this `time`.
    pub fn set_time(&mut self, epoch_ms: i64) {
        self.now = epoch_ms;
    }

    /// The virtual clock, epoch ms.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The profile the model emits events for.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Applies one command and returns the events it caused, in order. A refused
    /// command changes nothing.
    ///
    /// # Errors
    /// A [`ModelError`] naming the objects involved when the command does not fit the
    /// current state or names unknown objects.
    pub fn apply(&mut self, command: &Command) -> Result<Vec<Event>, ModelError> {
        let mut bodies = Vec::new();
        match command {
            Command::UserLogin { user, ip, port } => {
                self.user_login(user, ip, *port, &mut bodies)?
            }
            Command::UserLogout { user } => self.user_logout(user, &mut bodies)?,
            Command::SetStatus { user, status } => self.set_status(user, status, &mut bodies)?,
            Command::AgentLogin { queue, extension } => {
                self.agent_login(queue, extension, &mut bodies)?
            }
            Command::AgentLogout { queue, extension } => {
                self.agent_logout(queue, extension, &mut bodies)?
            }
            Command::AgentPause {
                queue,
                extension,
                paused,
            } => self.agent_pause(queue, extension, *paused)?,
            Command::AgentPenalty {
                queue,
                extension,
                penalty,
            } => self.set_penalty(queue, extension, *penalty)?,
            Command::SetDnd { extension, on } => self.set_dnd(extension, *on)?,
            Command::Dial { call, from, to } => self.dial(call, from, to, &mut bodies)?,
            Command::Answer { call, by } => self.answer(call, by.as_deref(), &mut bodies)?,
            Command::Hold { call, on } => self.hold(call, *on)?,
            Command::Record { call, on } => self.record(call, *on)?,
            Command::Transfer { call, to } => self.transfer(call, to, &mut bodies)?,
            Command::Hangup { call } => self.hangup(call, &mut bodies)?,
        }
        Ok(self.stamp(bodies))
    }

    /// The events of `bodies` the profile emits, stamped with the virtual time and
    /// the core server's id.
    pub(crate) fn stamp(&self, bodies: Vec<EventBody>) -> Vec<Event> {
        let core_server_id = self.core.as_ref().map(|c| c.id.clone()).unwrap_or_default();
        self.stamp_for(bodies, &core_server_id)
    }

    /// [`Pbx::stamp`] with a given core server id.
    pub(crate) fn stamp_for(&self, bodies: Vec<EventBody>, core_server_id: &str) -> Vec<Event> {
        let profile = self.profile;
        bodies
            .into_iter()
            .filter(|b| profile.emits(b.kind()))
            .map(|body| Event {
                time: self.now,
                core_server_id: core_server_id.to_string(),
                body,
            })
            .collect()
    }

    /// The core server; `None` until one is configured (`serve --empty`).
    pub fn core_server(&self) -> Option<&CoreServer> {
        self.core.as_ref()
    }

    /// Users by username.
    pub fn users(&self) -> &BTreeMap<String, User> {
        &self.users
    }

    /// Extensions by number.
    pub fn extensions(&self) -> &BTreeMap<String, Extension> {
        &self.extensions
    }

    /// Queues by identifier.
    pub fn queues(&self) -> &BTreeMap<String, Queue> {
        &self.queues
    }

    /// Conference rooms by identifier.
    pub fn rooms(&self) -> &BTreeMap<String, Room> {
        &self.rooms
    }

    /// Parking lots by id.
    pub fn parking_lots(&self) -> &BTreeMap<String, ParkingLot> {
        &self.parking_lots
    }

    /// PBX connections by id.
    pub fn pbx_servers(&self) -> &BTreeMap<String, PbxServer> {
        &self.pbx_servers
    }

    /// Server administrators by id.
    pub fn administrators(&self) -> &BTreeMap<String, Administrator> {
        &self.administrators
    }

    /// Voicemail agents by identifier.
    pub fn voicemail_agents(&self) -> &BTreeMap<String, VoicemailAgent> {
        &self.voicemail_agents
    }

    /// Recording agents by identifier.
    pub fn recording_agents(&self) -> &BTreeMap<String, RecordingAgent> {
        &self.recording_agents
    }

    /// Live call segments by id.
    pub fn segments(&self) -> &BTreeMap<String, CallSegment> {
        &self.segments
    }

    /// The first extension a user manages, if it exists and has one: the one it
    /// calls from.
    pub fn first_extension_of(&self, username: &str) -> Option<&str> {
        self.users
            .get(username)
            .and_then(|u| u.extensions.first())
            .map(String::as_str)
    }

    /// Whether a user has a client-interface session.
    pub fn is_logged_in(&self, username: &str) -> bool {
        self.users.get(username).is_some_and(|u| u.login.is_some())
    }

    /// Whether an extension is logged into a queue (static or dynamic).
    pub fn is_agent(&self, queue: &str, extension: &str) -> bool {
        self.queues
            .get(queue)
            .is_some_and(|q| q.agents.contains_key(extension))
    }

    /// Whether an agent is paused.
    pub fn is_paused(&self, queue: &str, extension: &str) -> bool {
        self.queues
            .get(queue)
            .and_then(|q| q.agents.get(extension))
            .is_some_and(|a| a.paused)
    }

    /// Whether an extension can take a call: it exists, has no live segment, no DND.
    pub fn extension_is_idle(&self, extension: &str) -> bool {
        self.extensions
            .get(extension)
            .is_some_and(|e| !e.dnd && self.segment_of_extension(extension).is_none())
    }

    /// Logged-in, unpaused agents of a queue whose extension is idle, by extension number.
    pub fn idle_agents(&self, queue: &str) -> Vec<String> {
        let Some(q) = self.queues.get(queue) else {
            return Vec::new();
        };
        q.agents
            .values()
            .filter(|a| !a.paused && self.extension_is_idle(&a.extension))
            .map(|a| a.extension.clone())
            .collect()
    }

    /// Where a call stands; `None` once it has ended or if it never existed.
    pub fn call_state(&self, call: &str) -> Option<CallState> {
        self.calls.get(call).map(|c| c.state)
    }

    /// Labels of the live calls, sorted.
    pub fn active_calls(&self) -> Vec<String> {
        self.calls.keys().cloned().collect()
    }

    /// The live call with this label.
    pub fn call(&self, call: &str) -> Option<&Call> {
        self.calls.get(call)
    }

    /// Commands that end the day cleanly: hang up every call, log out dynamic agents
    /// and logged-in users.
    pub fn wind_down(&self) -> Vec<Command> {
        let mut commands: Vec<Command> = self
            .calls
            .keys()
            .map(|call| Command::Hangup { call: call.clone() })
            .collect();
        for q in self.queues.values() {
            for a in q.agents.values().filter(|a| a.dynamic) {
                commands.push(Command::AgentLogout {
                    queue: q.identifier.clone(),
                    extension: a.extension.clone(),
                });
            }
        }
        for u in self.users.values().filter(|u| u.login.is_some()) {
            commands.push(Command::UserLogout {
                user: u.username.clone(),
            });
        }
        commands
    }

    /// The live segment on an extension, if any.
    pub(crate) fn segment_of_extension(&self, extension: &str) -> Option<&CallSegment> {
        self.segments
            .values()
            .find(|s| s.extension.as_deref() == Some(extension))
    }

    /// Whether an extension is bound to a licensed/full user (the licensing rule of docs/protocol.md §4).
    pub(crate) fn extension_licensed(&self, extension: Option<&str>) -> bool {
        extension
            .and_then(|n| self.extensions.get(n))
            .and_then(|e| e.user.as_deref())
            .and_then(|u| self.users.get(u))
            .is_some_and(|u| u.license == License::Full)
    }
}
