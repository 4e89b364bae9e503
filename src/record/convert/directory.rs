//! The directory of a converted scenario: from the capture's first Live API
//! snapshot when it has one, completed with what the events name (users bound to
//! extensions, queues, rooms), so the model knows every object an event mentions.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::model::{
    CoreServerConfig, Directory, ExtensionConfig, License, QueueConfig, RoomConfig, UserConfig,
};
use crate::record::capture::Snapshot;

/// Where the directory came from, for the conversion report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectorySource {
    /// The Live API snapshot at the start, completed from the events.
    Snapshot,
    /// Only what the events name.
    Events,
}

/// Builds the directory for `events` (catalogue events, in order).
pub fn infer(
    snapshot: Option<&Snapshot>,
    events: &[Map<String, Value>],
) -> (Directory, DirectorySource) {
    let mut builder = Builder::default();
    let source = match snapshot {
        Some(snapshot) if builder.take_snapshot(snapshot) => DirectorySource::Snapshot,
        _ => DirectorySource::Events,
    };
    for event in events {
        builder.take_event(event);
    }
    (builder.finish(), source)
}

#[derive(Default)]
struct Builder {
    core: Option<CoreServerConfig>,
    /// username -> display name
    users: BTreeMap<String, String>,
    user_order: Vec<String>,
    /// number -> display name
    extensions: BTreeMap<String, String>,
    extension_order: Vec<String>,
    /// extension -> username
    bindings: BTreeMap<String, String>,
    /// display name -> identifier, and identifier -> config
    queues: Vec<QueueConfig>,
    rooms: Vec<RoomConfig>,
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

fn objects<'a>(snapshot: &'a Snapshot, path: &str) -> Vec<&'a Map<String, Value>> {
    snapshot
        .resources
        .get(path)
        .filter(|r| r.status == Some(200))
        .and_then(|r| r.body.as_ref())
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

impl Builder {
    /// Takes what the snapshot has; false when it has nothing usable.
    fn take_snapshot(&mut self, snapshot: &Snapshot) -> bool {
        let mut any = false;
        if let Some(core) = snapshot
            .resources
            .get("")
            .filter(|r| r.status == Some(200))
            .and_then(|r| r.body.as_ref())
            .and_then(Value::as_object)
        {
            self.core = Some(CoreServerConfig {
                slug: text(core, "slug").unwrap_or("default").to_string(),
                name: text(core, "name").unwrap_or("Default").to_string(),
                ..CoreServerConfig::default()
            });
            any = true;
        }
        for user in objects(snapshot, "users") {
            if let Some(name) = text(user, "userName") {
                self.user(name, text(user, "displayedName"));
                any = true;
            }
        }
        for extension in objects(snapshot, "extensions") {
            if let Some(number) = text(extension, "extensionNumber") {
                self.extension(number, text(extension, "displayName"));
                any = true;
            }
        }
        let mut queue_agents: BTreeMap<String, String> = BTreeMap::new();
        for queue in objects(snapshot, "queues") {
            let (Some(identifier), Some(id)) = (text(queue, "identifier"), text(queue, "id"))
            else {
                continue;
            };
            let name = text(queue, "displayName").unwrap_or(identifier);
            self.queue(identifier, name);
            queue_agents.insert(format!("queues/{id}/agents"), identifier.to_string());
            any = true;
        }
        // Static (non-dynamic) agents, matched to an extension by display name.
        for (path, identifier) in queue_agents {
            for agent in objects(snapshot, &path) {
                if agent.get("dynamic").and_then(Value::as_bool) != Some(false) {
                    continue;
                }
                let Some(name) = text(agent, "name") else {
                    continue;
                };
                let number = self
                    .extension_order
                    .iter()
                    .find(|n| self.extensions.get(*n).map(String::as_str) == Some(name))
                    .cloned();
                if let (Some(number), Some(queue)) = (
                    number,
                    self.queues.iter_mut().find(|q| q.identifier == identifier),
                ) {
                    queue.static_agents.push(number);
                }
            }
        }
        for room in objects(snapshot, "conferences") {
            if let Some(identifier) = text(room, "identifier") {
                self.room(
                    identifier,
                    text(room, "displayName"),
                    text(room, "dialString"),
                );
                any = true;
            }
        }
        any
    }

    /// Adds what one event names.
    fn take_event(&mut self, event: &Map<String, Value>) {
        for suffix in ["", "1", "2"] {
            let key = |k: &str| format!("{k}{suffix}");
            let extension = text(event, &key("extensionNumber"));
            let username = text(event, &key("username"));
            let caller = text(event, &key("callerIdName")).or_else(|| text(event, "agent"));
            if let Some(number) = extension {
                self.extension(number, caller);
            }
            if let Some(username) = username {
                self.user(username, caller);
                if let Some(number) = extension {
                    self.bindings
                        .entry(number.to_string())
                        .or_insert_with(|| username.to_string());
                }
            }
        }
        if let Some(queue) = text(event, "queue") {
            let known = self
                .queues
                .iter()
                .any(|q| q.name == queue || q.identifier == queue);
            if !known {
                self.queue(queue, queue);
            }
        }
        if let Some(room) = text(event, "conferenceRoomName") {
            let known = self
                .rooms
                .iter()
                .any(|r| r.name == room || r.identifier == room);
            if !known {
                self.room(room, Some(room), None);
            }
        }
    }

    fn user(&mut self, username: &str, display: Option<&str>) {
        if !self.users.contains_key(username) {
            self.user_order.push(username.to_string());
            self.users.insert(
                username.to_string(),
                display.unwrap_or(username).to_string(),
            );
        }
    }

    fn extension(&mut self, number: &str, display: Option<&str>) {
        if !self.extensions.contains_key(number) {
            self.extension_order.push(number.to_string());
            self.extensions
                .insert(number.to_string(), display.unwrap_or(number).to_string());
        }
    }

    fn queue(&mut self, identifier: &str, name: &str) {
        if !self.queues.iter().any(|q| q.identifier == identifier) {
            self.queues.push(QueueConfig::new(identifier, name));
        }
    }

    fn room(&mut self, identifier: &str, name: Option<&str>, dial_string: Option<&str>) {
        if !self.rooms.iter().any(|r| r.identifier == identifier) {
            let dial_string = dial_string
                .map_or_else(|| format!("room-{}", self.rooms.len() + 1), str::to_string);
            let name = name.unwrap_or(identifier);
            self.rooms
                .push(RoomConfig::new(identifier, name, &dial_string));
        }
    }

    fn finish(self) -> Directory {
        let mut bound: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for number in &self.extension_order {
            if let Some(user) = self.bindings.get(number)
                && taken.insert(number.clone())
            {
                bound.entry(user.clone()).or_default().push(number.clone());
            }
        }
        Directory {
            core_server: Some(self.core.unwrap_or_default()),
            users: self
                .user_order
                .iter()
                .map(|username| {
                    let name = self.users.get(username).cloned().unwrap_or_default();
                    UserConfig {
                        // The Event API speaks only of licensed users (docs/protocol.md §4).
                        license: License::Full,
                        extensions: bound.remove(username).unwrap_or_default(),
                        ..UserConfig::new(username, &name)
                    }
                })
                .collect(),
            extensions: self
                .extension_order
                .iter()
                .map(|number| {
                    let name = self.extensions.get(number).cloned().unwrap_or_default();
                    ExtensionConfig::new(number, &name)
                })
                .collect(),
            queues: self.queues,
            rooms: self.rooms,
            ..Directory::empty()
        }
    }
}
