//! Reading the lines of a state file into a directory, checking as it goes what
//! an earlier line must have defined.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::kind::Kind;
use crate::model::{
    Administrator, CoreServerConfig, Directory, EmailAddress, ExtensionConfig, ParkingLot,
    Password, PasswordHash, PbxServer, PhoneNumber, QueueConfig, RecordingAgent, RoomConfig,
    UserConfig, VoicemailAgent,
};
use crate::provisioning::body::{self, Invalid};
use crate::provisioning::wire::{
    AdministratorWire, AsteriskWire, ContactWire, CoreServerWire, EmailWire, ExtensionWire,
    PbxServerWire, PhoneWire, PlaceWire, QueueWire, RecordingAgentWire, UserWire,
    VoicemailAgentWire,
};

/// What the lines so far hold, and the names they took.
pub(super) struct Reader {
    pub(super) directory: Directory,
    numbers: BTreeSet<String>,
    usernames: BTreeSet<String>,
    bound: BTreeSet<String>,
}

impl Default for Reader {
    fn default() -> Self {
        Reader {
            directory: Directory::empty(),
            numbers: BTreeSet::new(),
            usernames: BTreeSet::new(),
            bound: BTreeSet::new(),
        }
    }
}

fn invalid(message: impl Into<String>) -> Invalid {
    Invalid(message.into())
}

/// The object under `key`, parsed with a wire declaration.
fn part<W>(
    record: &Map<String, Value>,
    key: &str,
    parse: fn(&Map<String, Value>) -> Result<W, Invalid>,
) -> Result<W, Invalid> {
    match record.get(key) {
        Some(Value::Object(object)) => {
            parse(object).map_err(|Invalid(m)| invalid(format!("`{key}`: {m}")))
        }
        Some(other) => Err(invalid(format!(
            "`{key}` must be an object, got {}",
            body::describe(other)
        ))),
        None => Err(invalid(format!("missing `{key}`"))),
    }
}

/// A list of objects under `key`, each parsed with a wire declaration.
fn parts<W>(
    record: &Map<String, Value>,
    key: &str,
    parse: fn(&Map<String, Value>) -> Result<W, Invalid>,
) -> Result<Vec<W>, Invalid> {
    match record.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Object(object) => {
                    parse(object).map_err(|Invalid(m)| invalid(format!("`{key}`: {m}")))
                }
                other => Err(invalid(format!(
                    "`{key}` holds {}, not objects",
                    body::describe(other)
                ))),
            })
            .collect(),
        Some(other) => Err(invalid(format!(
            "`{key}` must be a list, got {}",
            body::describe(other)
        ))),
    }
}

/// A list of strings under `key`.
fn names(record: &Map<String, Value>, key: &str) -> Result<Vec<String>, Invalid> {
    match record.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| invalid(format!("`{key}` must list strings")))
            })
            .collect(),
        Some(other) => Err(invalid(format!(
            "`{key}` must be a list, got {}",
            body::describe(other)
        ))),
    }
}

fn flag(record: &Map<String, Value>, key: &str, default: bool) -> Result<bool, Invalid> {
    match record.get(key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(invalid(format!(
            "`{key}` must be true or false, got {}",
            body::describe(other)
        ))),
    }
}

fn only(record: &Map<String, Value>, allowed: &[&str]) -> Result<(), Invalid> {
    body::refuse_unknown(record, allowed)
}

fn id(value: &Option<String>, kind: &str) -> Result<String, Invalid> {
    value.clone().ok_or_else(|| {
        invalid(format!(
            "the {kind} has no `id`; a state file keeps every id"
        ))
    })
}

fn key(value: &Option<String>, field: &str) -> Result<String, Invalid> {
    match value {
        Some(text) if !text.is_empty() => Ok(text.clone()),
        _ => Err(invalid(format!("missing field `{field}`"))),
    }
}

/// A stored password hash, or none for an empty string.
fn stored(password: Option<&crate::model::Secret>) -> Result<Option<Password>, Invalid> {
    let Some(secret) = password else {
        return Ok(None);
    };
    let text = secret.expose();
    if text.is_empty() {
        return Ok(None);
    }
    PasswordHash::parse(text).map(|h| Some(Password::Hashed(h))).ok_or_else(|| {
        invalid("field `password` is not a stored hash (pbkdf2-sha256$4096$...); a state file never holds a clear password")
    })
}

impl Reader {
    pub(super) fn record(&mut self, record: &Map<String, Value>) -> Result<(), Invalid> {
        let kinds: Vec<Kind> = Kind::ALL
            .into_iter()
            .filter(|k| record.contains_key(k.key()))
            .collect();
        let [kind] = kinds.as_slice() else {
            let keys: Vec<String> = Kind::ALL.iter().map(|k| format!("`{}`", k.key())).collect();
            return Err(invalid(format!(
                "a line holds one object of one kind, under one of {}",
                keys.join(", ")
            )));
        };
        if kind.needs_core_server() && self.directory.core_server.is_none() {
            return Err(invalid(format!(
                "a `{}` comes before the `coreServer` line; everything but administrators and agents belongs to a core server",
                kind.key()
            )));
        }
        let d = &mut self.directory;
        match *kind {
            Kind::CoreServer => {
                only(
                    record,
                    &[
                        "coreServer",
                        "asterisk",
                        "licensed",
                        "conferenceRooms",
                        "licenseSerial",
                        "voicemailAgentIdentifiers",
                    ],
                )?;
                if d.core_server.is_some() {
                    return Err(invalid("a second `coreServer`; a state file holds one"));
                }
                let wire = part(record, "coreServer", CoreServerWire::parse)?;
                let mut cs = CoreServerConfig {
                    id: Some(id(&wire.id, "core server")?),
                    slug: key(&wire.slug, "slug")?,
                    ..CoreServerConfig::default()
                };
                wire.apply(&mut cs);
                if record.contains_key("asterisk") {
                    part(record, "asterisk", AsteriskWire::parse)?.apply(&mut cs);
                }
                cs.licensed = flag(record, "licensed", true)?;
                cs.conference_rooms = flag(record, "conferenceRooms", true)?;
                cs.license_serial = match record.get("licenseSerial") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(other) => {
                        return Err(invalid(format!(
                            "`licenseSerial` must be a string or null, got {}",
                            body::describe(other)
                        )));
                    }
                };
                cs.voicemail_agent_identifiers = names(record, "voicemailAgentIdentifiers")?;
                d.core_server = Some(cs);
            }
            Kind::Extension => {
                only(record, &["extension"])?;
                let wire = part(record, "extension", ExtensionWire::parse)?;
                let number = key(&wire.extension, "extension")?;
                if !self.numbers.insert(number.clone()) {
                    return Err(invalid(format!(
                        "extension `{number}` is on an earlier line already"
                    )));
                }
                let mut e = ExtensionConfig {
                    id: Some(id(&wire.id, "extension")?),
                    ..ExtensionConfig::new(&number, &number)
                };
                wire.apply(&mut e);
                d.extensions.push(e);
            }
            Kind::User => {
                only(
                    record,
                    &[
                        "user",
                        "contact",
                        "emailAddresses",
                        "phoneNumbers",
                        "extensions",
                    ],
                )?;
                let wire = part(record, "user", UserWire::parse)?;
                let username = key(&wire.username, "username")?;
                if !self.usernames.insert(username.clone()) {
                    return Err(invalid(format!(
                        "user `{username}` is on an earlier line already"
                    )));
                }
                let mut u = UserConfig {
                    id: Some(id(&wire.id, "user")?),
                    ..UserConfig::new(&username, "")
                };
                let password = stored(wire.password.as_ref())?;
                UserWire {
                    password: None,
                    ..wire
                }
                .apply(&mut u);
                u.password = password;
                if record.contains_key("contact") {
                    part(record, "contact", ContactWire::parse)?.apply(&mut u);
                }
                u.contact.email_addresses = parts(record, "emailAddresses", EmailWire::parse)?
                    .into_iter()
                    .map(|e| {
                        Ok(EmailAddress {
                            id: id(&e.id, "e-mail address")?,
                            kind: e.kind.unwrap_or_default(),
                            address: e.address.unwrap_or_default(),
                        })
                    })
                    .collect::<Result<_, Invalid>>()?;
                u.contact.phone_numbers = parts(record, "phoneNumbers", PhoneWire::parse)?
                    .into_iter()
                    .map(|p| {
                        Ok(PhoneNumber {
                            id: id(&p.id, "phone number")?,
                            kind: p.kind.unwrap_or_default(),
                            number: p.number.unwrap_or_default(),
                        })
                    })
                    .collect::<Result<_, Invalid>>()?;
                u.extensions = names(record, "extensions")?;
                for number in &u.extensions {
                    if !self.numbers.contains(number) {
                        return Err(invalid(format!(
                            "user `{username}` manages extension `{number}`, which no earlier line defines"
                        )));
                    }
                    if !self.bound.insert(number.clone()) {
                        return Err(invalid(format!(
                            "extension `{number}` is managed by an earlier user already"
                        )));
                    }
                }
                d.users.push(u);
            }
            Kind::Queue => {
                only(record, &["queue", "staticAgents"])?;
                let wire = part(record, "queue", QueueWire::parse)?;
                let identifier = key(&wire.identifier, "identifier")?;
                let mut q = QueueConfig {
                    id: Some(id(&wire.id, "queue")?),
                    ..QueueConfig::new(&identifier, &identifier)
                };
                wire.apply(&mut q);
                q.static_agents = names(record, "staticAgents")?;
                if let Some(missing) = q.static_agents.iter().find(|n| !self.numbers.contains(*n)) {
                    return Err(invalid(format!(
                        "queue `{identifier}` has static agent `{missing}`, which no earlier line defines"
                    )));
                }
                d.queues.push(q);
            }
            Kind::ConferenceRoom => {
                only(record, &["conferenceRoom"])?;
                let wire = part(record, "conferenceRoom", PlaceWire::parse)?;
                let identifier = key(&wire.identifier, "identifier")?;
                let mut r = RoomConfig {
                    id: Some(id(&wire.id, "conference room")?),
                    ..RoomConfig::new(&identifier, &identifier, &identifier)
                };
                wire.apply_room(&mut r);
                d.rooms.push(r);
            }
            Kind::ParkingLot => {
                only(record, &["parkingLot"])?;
                let wire = part(record, "parkingLot", PlaceWire::parse)?;
                let mut lot = ParkingLot {
                    id: id(&wire.id, "parking lot")?,
                    identifier: key(&wire.identifier, "identifier")?,
                    ..ParkingLot::default()
                };
                wire.apply_lot(&mut lot);
                d.parking_lots.push(lot);
            }
            Kind::PbxServer => {
                only(record, &["pbxServer"])?;
                let wire = part(record, "pbxServer", PbxServerWire::parse)?;
                let mut server = PbxServer {
                    id: id(&wire.id, "PBX connection")?,
                    ..PbxServer::default()
                };
                wire.apply(&mut server);
                d.pbx_servers.push(server);
            }
            Kind::Administrator => {
                only(record, &["administrator"])?;
                let wire = part(record, "administrator", AdministratorWire::parse)?;
                let password = stored(wire.password.as_ref())?;
                let mut admin = Administrator {
                    id: id(&wire.id, "administrator")?,
                    user_name: key(&wire.user_name, "userName")?,
                    ..Administrator::default()
                };
                AdministratorWire {
                    password: None,
                    ..wire
                }
                .apply(&mut admin);
                admin.password = password;
                d.administrators.push(admin);
            }
            Kind::VoicemailAgent => {
                only(record, &["voicemailAgent"])?;
                let wire = part(record, "voicemailAgent", VoicemailAgentWire::parse)?;
                let mut agent = VoicemailAgent {
                    identifier: key(&wire.identifier, "identifier")?,
                    ..VoicemailAgent::default()
                };
                wire.apply(&mut agent);
                d.voicemail_agents.push(agent);
            }
            Kind::RecordingAgent => {
                only(record, &["recordingAgent"])?;
                let wire = part(record, "recordingAgent", RecordingAgentWire::parse)?;
                let mut agent = RecordingAgent {
                    identifier: key(&wire.identifier, "identifier")?,
                    ..RecordingAgent::default()
                };
                wire.apply(&mut agent);
                d.recording_agents.push(agent);
            }
        }
        Ok(())
    }
}
