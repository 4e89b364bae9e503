//! The directory as it stands, read back from the live objects: what a state file
//! saves, what a restart or a reset rebuilds the model from, and what the
//! Configuration API shows of each object.

use super::directory::{
    CoreServerConfig, Directory, ExtensionConfig, QueueConfig, RoomConfig, UserConfig,
};
use super::password::Password;
use super::pbx::Pbx;
use super::state::{CoreServer, Extension, Queue, Room, User};

impl CoreServer {
    /// Its configuration, with its configuration id.
    pub fn config(&self) -> CoreServerConfig {
        CoreServerConfig {
            id: Some(self.configuration_id.clone()),
            slug: self.slug.clone(),
            name: self.name.clone(),
            licensed: self.licensed,
            conference_rooms: self.conference_rooms,
            broker_host: self.broker_host.clone(),
            broker_port: self.broker_port.clone(),
            asterisk: self.asterisk.clone(),
            license_serial: self.license_serial.clone(),
            voicemail_agent_identifiers: self.voicemail_agent_identifiers.iter().cloned().collect(),
        }
    }

    fn keeps_id(&self) -> bool {
        self.id == self.configuration_id
    }
}

impl User {
    /// Its configuration, with its configuration id and its password hashed.
    pub fn config(&self) -> UserConfig {
        UserConfig {
            id: Some(self.configuration_id.clone()),
            username: self.username.clone(),
            license: self.license,
            extensions: self.extensions.clone(),
            password: self.password.clone().map(Password::Hashed),
            restricted: self.restricted,
            enabled: self.enabled,
            contact: self.contact.clone(),
        }
    }
}

impl Extension {
    /// Its configuration, with its configuration id.
    pub fn config(&self) -> ExtensionConfig {
        ExtensionConfig {
            id: Some(self.configuration_id.clone()),
            number: self.number.clone(),
            display_name: self.display_name.clone(),
            settings: self.settings.clone(),
        }
    }
}

impl Queue {
    /// Its configuration, with its configuration id.
    pub fn config(&self) -> QueueConfig {
        QueueConfig {
            id: Some(self.configuration_id.clone()),
            identifier: self.identifier.clone(),
            name: self.name.clone(),
            enabled: self.enabled,
            static_agents: self.static_agents.clone(),
            destination_extension: self.destination_extension.clone(),
            routing: self.routing.clone(),
        }
    }
}

impl Room {
    /// Its configuration, with its configuration id.
    pub fn config(&self) -> RoomConfig {
        RoomConfig {
            id: Some(self.configuration_id.clone()),
            identifier: self.identifier.clone(),
            name: self.name.clone(),
            dial_string: self.dial_string.clone(),
            routing: self.routing.clone(),
        }
    }
}

/// Which ids a snapshot keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ids {
    /// Every configuration id, so a reload keeps them all.
    Every,
    /// Only ids that are kept already (chosen through the Configuration API or
    /// loaded); scenario objects get new ones, as a restart gives.
    Kept,
}

/// `id` unless the snapshot drops it: a scenario object's, in a restart snapshot.
fn keep_if(id: Option<String>, kept: bool, ids: Ids) -> Option<String> {
    id.filter(|_| ids == Ids::Every || kept)
}

impl Pbx {
    /// The directory as it stands, every object with its configuration id: what a
    /// state file saves. Users, extensions, queues and rooms come in creation order.
    pub fn directory(&self) -> Directory {
        self.snapshot(Ids::Every)
    }

    /// The directory a restart or reset rebuilds the model from: objects created
    /// through the Configuration API or loaded from a state file keep their ids,
    /// the others (a scenario file's) get new ones. Unchanged, it is the directory
    /// the model was built from.
    pub fn restart_directory(&self) -> Directory {
        self.snapshot(Ids::Kept)
    }

    fn snapshot(&self, ids: Ids) -> Directory {
        let core_server = self.core.as_ref().map(|c| CoreServerConfig {
            id: keep_if(Some(c.configuration_id.clone()), c.keeps_id(), ids),
            ..c.config()
        });
        let mut users: Vec<&User> = self.users.values().collect();
        users.sort_by_key(|u| u.seq);
        let mut extensions: Vec<&Extension> = self.extensions.values().collect();
        extensions.sort_by_key(|e| e.seq);
        let mut queues: Vec<&Queue> = self.queues.values().collect();
        queues.sort_by_key(|q| q.seq);
        let mut rooms: Vec<&Room> = self.rooms.values().collect();
        rooms.sort_by_key(|r| r.seq);
        Directory {
            core_server,
            users: users
                .into_iter()
                .map(|u| {
                    let config = u.config();
                    UserConfig {
                        id: keep_if(config.id.clone(), u.id == u.configuration_id, ids),
                        ..config
                    }
                })
                .collect(),
            extensions: extensions
                .into_iter()
                .map(|e| {
                    let config = e.config();
                    ExtensionConfig {
                        id: keep_if(config.id.clone(), e.id == e.configuration_id, ids),
                        ..config
                    }
                })
                .collect(),
            queues: queues
                .into_iter()
                .map(|q| {
                    let config = q.config();
                    QueueConfig {
                        id: keep_if(config.id.clone(), q.id == q.configuration_id, ids),
                        ..config
                    }
                })
                .collect(),
            rooms: rooms
                .into_iter()
                .map(|r| {
                    let config = r.config();
                    RoomConfig {
                        id: keep_if(config.id.clone(), r.id == r.configuration_id, ids),
                        ..config
                    }
                })
                .collect(),
            parking_lots: self.parking_lots.values().cloned().collect(),
            pbx_servers: self.pbx_servers.values().cloned().collect(),
            administrators: self.administrators.values().cloned().collect(),
            voicemail_agents: self.voicemail_agents.values().cloned().collect(),
            recording_agents: self.recording_agents.values().cloned().collect(),
        }
    }
}
