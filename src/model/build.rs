//! Builds the live objects from a [`Directory`], and turns configuration values
//! into live ones (shared by [`Pbx::new`] and the directory changes).

use std::collections::BTreeMap;

use super::directory::{Administrator, UserConfig};
use super::directory::{CoreServerConfig, Directory, ExtensionConfig, QueueConfig, RoomConfig};
use super::error::ModelError;
use super::limits::CallLimits;
use super::password::{Password, PasswordHash};
use super::pbx::Pbx;
use super::state::{Agent, CoreServer, Extension, Queue, Room, User};
use super::validate::validate;
use crate::protocol::Profile;
use crate::rng::SimRng;

/// A live id and a configuration id: the kept id twice, or two drawn from `ids`.
pub(crate) fn ids_for(kept: Option<&String>, ids: &mut SimRng) -> (String, String) {
    match kept {
        Some(id) => (id.clone(), id.clone()),
        None => (ids.uuid(), ids.uuid()),
    }
}

/// A fresh salt from the model's salt stream.
pub(crate) fn salt(salts: &mut SimRng) -> [u8; 16] {
    let mut salt = [0u8; 16];
    salt[..8].copy_from_slice(&salts.next_u64().to_le_bytes());
    salt[8..].copy_from_slice(&salts.next_u64().to_le_bytes());
    salt
}

/// The stored form of a configured password: hashed now if it came in clear.
pub(crate) fn hashed(password: &Option<Password>, salts: &mut SimRng) -> Option<PasswordHash> {
    match password {
        None => None,
        Some(Password::Hashed(hash)) => Some(hash.clone()),
        Some(Password::Clear(secret)) => Some(PasswordHash::new(secret, salt(salts))),
    }
}

/// A live core server; `id` and `configuration_id` are chosen by the caller.
pub(crate) fn core_server(
    cs: &CoreServerConfig,
    id: String,
    configuration_id: String,
) -> CoreServer {
    CoreServer {
        id,
        configuration_id,
        slug: cs.slug.clone(),
        name: cs.name.clone(),
        licensed: cs.licensed,
        conference_rooms: cs.conference_rooms,
        broker_host: cs.broker_host.clone(),
        broker_port: cs.broker_port.clone(),
        asterisk: cs.asterisk.clone(),
        license_serial: cs.license_serial.clone(),
        voicemail_agent_identifiers: cs.voicemail_agent_identifiers.iter().cloned().collect(),
    }
}

pub(crate) fn extension(
    e: &ExtensionConfig,
    (id, configuration_id): (String, String),
    seq: u64,
) -> Extension {
    Extension {
        seq,
        id,
        configuration_id,
        number: e.number.clone(),
        display_name: e.display_name.clone(),
        user: None,
        dnd: false,
        settings: e.settings.clone(),
    }
}

pub(crate) fn user(
    u: &UserConfig,
    (id, configuration_id): (String, String),
    salts: &mut SimRng,
    seq: u64,
) -> User {
    User {
        seq,
        id,
        configuration_id,
        username: u.username.clone(),
        license: u.license,
        extensions: u.extensions.clone(),
        login: None,
        status: None,
        password: hashed(&u.password, salts),
        restricted: u.restricted,
        enabled: u.enabled,
        contact: u.contact.clone(),
    }
}

pub(crate) fn queue(
    q: &QueueConfig,
    (id, configuration_id): (String, String),
    ids: &mut SimRng,
    seq: u64,
) -> Queue {
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
    Queue {
        seq,
        static_agents: q.static_agents.clone(),
        id,
        configuration_id,
        identifier: q.identifier.clone(),
        name: q.name.clone(),
        enabled: q.enabled,
        agents,
        destination_extension: q.destination_extension.clone(),
        routing: q.routing.clone(),
    }
}

pub(crate) fn room(r: &RoomConfig, (id, configuration_id): (String, String), seq: u64) -> Room {
    Room {
        seq,
        id,
        configuration_id,
        identifier: r.identifier.clone(),
        name: r.name.clone(),
        dial_string: r.dial_string.clone(),
        routing: r.routing.clone(),
    }
}

impl Pbx {
    /// Builds the live PBX; ids come from `SimRng::named(seed, "ids")`, password
    /// salts from `SimRng::named(seed, "password salts")`.
    ///
    /// # Errors
    /// [`ModelError::InvalidDirectory`] for duplicate names or ids, references to
    /// objects that are not configured, or objects without a core server.
    pub fn new(directory: Directory, seed: u64, profile: Profile) -> Result<Pbx, ModelError> {
        validate(&directory)?;
        let mut ids = SimRng::named(seed, "ids");
        let mut salts = SimRng::named(seed, "password salts");
        // The draw order is the one scenario ids have always had: the core server's
        // live id first, then each kind in turn.
        let core_live = directory
            .core_server
            .as_ref()
            .map(|cs| cs.id.clone().unwrap_or_else(|| ids.uuid()));
        let mut seq = 0..;
        let mut next = || seq.next().unwrap_or(u64::MAX);
        let mut extensions = BTreeMap::new();
        for e in &directory.extensions {
            let pair = ids_for(e.id.as_ref(), &mut ids);
            extensions.insert(e.number.clone(), extension(e, pair, next()));
        }
        let mut users = BTreeMap::new();
        for u in &directory.users {
            let pair = ids_for(u.id.as_ref(), &mut ids);
            for number in &u.extensions {
                if let Some(ext) = extensions.get_mut(number) {
                    ext.user = Some(u.username.clone());
                }
            }
            users.insert(u.username.clone(), user(u, pair, &mut salts, next()));
        }
        let mut queues = BTreeMap::new();
        for q in &directory.queues {
            let pair = ids_for(q.id.as_ref(), &mut ids);
            queues.insert(q.identifier.clone(), queue(q, pair, &mut ids, next()));
        }
        let mut rooms = BTreeMap::new();
        for r in &directory.rooms {
            let pair = ids_for(r.id.as_ref(), &mut ids);
            rooms.insert(r.identifier.clone(), room(r, pair, next()));
        }
        let core = match (&directory.core_server, core_live) {
            (Some(cs), Some(id)) => {
                // Its own stream: a draw from `ids` here would shift every later id.
                let configuration_id = cs
                    .id
                    .clone()
                    .unwrap_or_else(|| SimRng::named(seed, "core server configuration id").uuid());
                Some(core_server(cs, id, configuration_id))
            }
            _ => None,
        };
        Ok(Pbx {
            profile,
            now: 0,
            core,
            users,
            extensions,
            queues,
            rooms,
            parking_lots: keyed(&directory.parking_lots, |p| &p.id),
            pbx_servers: keyed(&directory.pbx_servers, |p| &p.id),
            administrators: directory
                .administrators
                .iter()
                .map(|a| {
                    let password = hashed(&a.password, &mut salts).map(Password::Hashed);
                    (
                        a.id.clone(),
                        Administrator {
                            password,
                            ..a.clone()
                        },
                    )
                })
                .collect(),
            voicemail_agents: keyed(&directory.voicemail_agents, |a| &a.identifier),
            recording_agents: keyed(&directory.recording_agents, |a| &a.identifier),
            segments: BTreeMap::new(),
            calls: BTreeMap::new(),
            ids,
            salts,
            next_seq: next(),
            limits: CallLimits::default(),
            waiting: BTreeMap::new(),
        })
    }
}

fn keyed<T: Clone>(items: &[T], key: impl Fn(&T) -> &String) -> BTreeMap<String, T> {
    items.iter().map(|i| (key(i).clone(), i.clone())).collect()
}
