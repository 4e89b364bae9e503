//! The directory as it stands, read back from the live objects: what a state file
//! saves, and what a restart or a reset rebuilds the model from.

use super::directory::{
    CoreServerConfig, Directory, ExtensionConfig, QueueConfig, RoomConfig, UserConfig,
};
use super::password::Password;
use super::pbx::Pbx;

/// Which ids a snapshot keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ids {
    /// Every configuration id, so a reload keeps them all.
    Every,
    /// Only ids that are kept already (chosen through the Configuration API or
    /// loaded); scenario objects get new ones, as a restart gives.
    Kept,
}

fn kept(id: &str, configuration_id: &str, ids: Ids) -> Option<String> {
    (ids == Ids::Every || id == configuration_id).then(|| configuration_id.to_string())
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
            id: kept(&c.id, &c.configuration_id, ids),
            slug: c.slug.clone(),
            name: c.name.clone(),
            licensed: c.licensed,
            conference_rooms: c.conference_rooms,
            broker_host: c.broker_host.clone(),
            broker_port: c.broker_port.clone(),
            asterisk: c.asterisk.clone(),
            license_serial: c.license_serial.clone(),
            voicemail_agent_identifiers: c.voicemail_agent_identifiers.iter().cloned().collect(),
        });
        let mut users: Vec<_> = self.users.values().collect();
        users.sort_by_key(|u| u.seq);
        let mut extensions: Vec<_> = self.extensions.values().collect();
        extensions.sort_by_key(|e| e.seq);
        let mut queues: Vec<_> = self.queues.values().collect();
        queues.sort_by_key(|q| q.seq);
        let mut rooms: Vec<_> = self.rooms.values().collect();
        rooms.sort_by_key(|r| r.seq);
        Directory {
            core_server,
            users: users
                .into_iter()
                .map(|u| UserConfig {
                    id: kept(&u.id, &u.configuration_id, ids),
                    username: u.username.clone(),
                    license: u.license,
                    extensions: u.extensions.clone(),
                    password: u.password.clone().map(Password::Hashed),
                    restricted: u.restricted,
                    enabled: u.enabled,
                    contact: u.contact.clone(),
                })
                .collect(),
            extensions: extensions
                .into_iter()
                .map(|e| ExtensionConfig {
                    id: kept(&e.id, &e.configuration_id, ids),
                    number: e.number.clone(),
                    display_name: e.display_name.clone(),
                    settings: e.settings.clone(),
                })
                .collect(),
            queues: queues
                .into_iter()
                .map(|q| QueueConfig {
                    id: kept(&q.id, &q.configuration_id, ids),
                    identifier: q.identifier.clone(),
                    name: q.name.clone(),
                    enabled: q.enabled,
                    static_agents: q.static_agents.clone(),
                    destination_extension: q.destination_extension.clone(),
                    routing: q.routing.clone(),
                })
                .collect(),
            rooms: rooms
                .into_iter()
                .map(|r| RoomConfig {
                    id: kept(&r.id, &r.configuration_id, ids),
                    identifier: r.identifier.clone(),
                    name: r.name.clone(),
                    dial_string: r.dial_string.clone(),
                    routing: r.routing.clone(),
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
