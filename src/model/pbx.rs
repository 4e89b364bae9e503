//! The PBX: live objects, the virtual clock, and `apply`, the only way state changes.

use std::collections::{BTreeMap, BTreeSet};

use super::command::Command;
use super::directory::{Directory, License};
use super::error::ModelError;
use super::state::{Agent, Call, CallSegment, CallState, CoreServer, Extension, Queue, Room, User};
use crate::protocol::{Event, Profile};
use crate::rng::SimRng;

/// The simulated PBX of one core server.
#[derive(Debug, Clone, PartialEq)]
pub struct Pbx {
    /// Which catalogue entries may be emitted.
    pub(crate) profile: Profile,
    /// Virtual time, epoch ms; stamps every event.
    pub(crate) now: i64,
    /// The configuration the live objects were built from.
    pub(crate) directory: Directory,
    /// The core server.
    pub(crate) core: CoreServer,
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
    /// Source of every new UUID, so ids depend only on the seed and the commands.
    pub(crate) ids: SimRng,
}

impl Pbx {
    /// Builds the live PBX; ids come from `SimRng::named(seed, "ids")`.
    ///
    /// # Errors
    /// [`ModelError::InvalidDirectory`] for duplicate names or references to objects
    /// that are not configured.
    pub fn new(directory: Directory, seed: u64, profile: Profile) -> Result<Pbx, ModelError> {
        validate(&directory)?;
        let mut ids = SimRng::named(seed, "ids");
        let cs = &directory.core_server;
        let core = CoreServer {
            id: ids.uuid(),
            slug: cs.slug.clone(),
            name: cs.name.clone(),
            licensed: cs.licensed,
            conference_rooms: cs.conference_rooms,
        };
        let mut extensions = BTreeMap::new();
        for e in &directory.extensions {
            let (id, configuration_id) = (ids.uuid(), ids.uuid());
            extensions.insert(
                e.number.clone(),
                Extension {
                    id,
                    configuration_id,
                    number: e.number.clone(),
                    display_name: e.display_name.clone(),
                    user: None,
                    dnd: false,
                },
            );
        }
        let mut users = BTreeMap::new();
        for u in &directory.users {
            let (id, configuration_id) = (ids.uuid(), ids.uuid());
            for number in &u.extensions {
                if let Some(ext) = extensions.get_mut(number) {
                    ext.user = Some(u.username.clone());
                }
            }
            users.insert(
                u.username.clone(),
                User {
                    id,
                    configuration_id,
                    username: u.username.clone(),
                    display_name: u.display_name.clone(),
                    license: u.license,
                    extensions: u.extensions.clone(),
                    login: None,
                    status: None,
                },
            );
        }
        let mut queues = BTreeMap::new();
        for q in &directory.queues {
            let (id, configuration_id) = (ids.uuid(), ids.uuid());
            let mut agents = BTreeMap::new();
            for number in &q.static_agents {
                agents.insert(
                    number.clone(),
                    Agent {
                        id: ids.uuid(),
                        extension: number.clone(),
                        dynamic: false,
                        paused: false,
                        penalty: 0,
                        calls_taken: 0,
                        login_time: -1,
                    },
                );
            }
            queues.insert(
                q.identifier.clone(),
                Queue {
                    id,
                    configuration_id,
                    identifier: q.identifier.clone(),
                    name: q.name.clone(),
                    enabled: q.enabled,
                    agents,
                },
            );
        }
        let mut rooms = BTreeMap::new();
        for r in &directory.rooms {
            let (id, configuration_id) = (ids.uuid(), ids.uuid());
            rooms.insert(
                r.identifier.clone(),
                Room {
                    id,
                    configuration_id,
                    identifier: r.identifier.clone(),
                    name: r.name.clone(),
                    dial_string: r.dial_string.clone(),
                },
            );
        }
        Ok(Pbx {
            profile,
            now: 0,
            directory,
            core,
            users,
            extensions,
            queues,
            rooms,
            segments: BTreeMap::new(),
            calls: BTreeMap::new(),
            ids,
        })
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
        let profile = self.profile;
        Ok(bodies
            .into_iter()
            .filter(|b| profile.emits(b.kind()))
            .map(|body| Event {
                time: self.now,
                core_server_id: self.core.id.clone(),
                body,
            })
            .collect())
    }

    /// The configuration the PBX was built from.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The core server.
    pub fn core_server(&self) -> &CoreServer {
        &self.core
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

    /// Live call segments by id.
    pub fn segments(&self) -> &BTreeMap<String, CallSegment> {
        &self.segments
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

fn validate(directory: &Directory) -> Result<(), ModelError> {
    let mut numbers = BTreeSet::new();
    for e in &directory.extensions {
        if !numbers.insert(e.number.as_str()) {
            return Err(ModelError::InvalidDirectory(format!(
                "extension `{}` is configured twice",
                e.number
            )));
        }
    }
    let mut names = BTreeSet::new();
    let mut bound = BTreeMap::new();
    for u in &directory.users {
        if !names.insert(u.username.as_str()) {
            return Err(ModelError::InvalidDirectory(format!(
                "user `{}` is configured twice",
                u.username
            )));
        }
        for n in &u.extensions {
            if !numbers.contains(n.as_str()) {
                return Err(ModelError::InvalidDirectory(format!(
                    "user `{}` is bound to extension `{n}`, which is not configured",
                    u.username
                )));
            }
            if let Some(other) = bound.insert(n.as_str(), u.username.as_str()) {
                return Err(ModelError::InvalidDirectory(format!(
                    "extension `{n}` is bound to both `{other}` and `{}`",
                    u.username
                )));
            }
        }
    }
    let mut queue_ids = BTreeSet::new();
    for q in &directory.queues {
        if !queue_ids.insert(q.identifier.as_str()) {
            return Err(ModelError::InvalidDirectory(format!(
                "queue `{}` is configured twice",
                q.identifier
            )));
        }
        for n in &q.static_agents {
            if !numbers.contains(n.as_str()) {
                return Err(ModelError::InvalidDirectory(format!(
                    "queue `{}` has static agent `{n}`, which is not a configured extension",
                    q.identifier
                )));
            }
        }
    }
    let mut room_ids = BTreeSet::new();
    for r in &directory.rooms {
        if !room_ids.insert(r.identifier.as_str()) {
            return Err(ModelError::InvalidDirectory(format!(
                "conference room `{}` is configured twice",
                r.identifier
            )));
        }
    }
    Ok(())
}
