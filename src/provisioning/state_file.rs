//! `serve --state FILE`: the directory saved at exit and loaded at start, so a
//! provisioned server survives restarts. Ours, not iSymphony's (docs/protocol.md §10.7).
//!
//! The file is JSON lines: a header, then one object per line, each field as the
//! Configuration API shows it (passwords as their stored hashes, never in clear):
//!
//! ```text
//! {"isymphony-sim state":1}
//! {"coreServer":{"id":"…","slug":"default",…},"asterisk":{…},"licensed":true,…}
//! {"extension":{"id":"…","extension":"1101",…}}
//! {"user":{"id":"…","username":"sam",…},"contact":{…},"extensions":["1101"],…}
//! ```
//!
//! One object a line, so every problem names its line. Writes are atomic: a
//! temporary file beside the target, then a rename.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::body::{self, Invalid};
use super::wire::{
    AdministratorWire, AsteriskWire, ContactWire, CoreServerWire, EmailWire, ExtensionWire,
    PbxServerWire, PhoneWire, PlaceWire, QueueWire, RecordingAgentWire, UserWire,
    VoicemailAgentWire,
};
use crate::model::{
    Administrator, CoreServerConfig, Directory, EmailAddress, ExtensionConfig, ParkingLot,
    Password, PasswordHash, Pbx, PbxServer, PhoneNumber, QueueConfig, RecordingAgent, RoomConfig,
    UserConfig, VoicemailAgent,
};
use crate::protocol::Profile;

/// The header line's key, and the format version this build writes and reads.
const HEADER: &str = "isymphony-sim state";
const VERSION: u64 = 1;

/// A state file that cannot be read or used: where and why.
#[derive(Debug)]
pub struct StateFileError {
    /// The file, as named on the command line.
    pub path: String,
    /// The line (1-based), when one line is at fault.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for StateFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for StateFileError {}

/// The directory as the file's text.
pub fn to_text(directory: &Directory) -> String {
    let mut lines = vec![json!({ HEADER: VERSION })];
    if let Some(cs) = &directory.core_server {
        let extra = vec![
            ("asterisk", AsteriskWire::show(cs).to_json()),
            ("licensed", json!(cs.licensed)),
            ("conferenceRooms", json!(cs.conference_rooms)),
            ("licenseSerial", json!(cs.license_serial)),
            (
                "voicemailAgentIdentifiers",
                json!(cs.voicemail_agent_identifiers),
            ),
        ];
        lines.push(line(
            Kind::CoreServer,
            CoreServerWire::show(cs).to_json(),
            extra,
        ));
    }
    for e in &directory.extensions {
        lines.push(line(
            Kind::Extension,
            ExtensionWire::show(e).to_json(),
            Vec::new(),
        ));
    }
    for u in &directory.users {
        let c = &u.contact;
        let extra = vec![
            ("contact", ContactWire::show(u).to_json()),
            (
                "emailAddresses",
                c.email_addresses
                    .iter()
                    .map(|e| EmailWire::show(e).to_json())
                    .collect(),
            ),
            (
                "phoneNumbers",
                c.phone_numbers
                    .iter()
                    .map(|p| PhoneWire::show(p).to_json())
                    .collect(),
            ),
            ("extensions", json!(u.extensions)),
        ];
        lines.push(line(Kind::User, UserWire::show(u).to_json(), extra));
    }
    for q in &directory.queues {
        let extra = vec![("staticAgents", json!(q.static_agents))];
        lines.push(line(Kind::Queue, QueueWire::show(q).to_json(), extra));
    }
    for r in &directory.rooms {
        lines.push(line(
            Kind::ConferenceRoom,
            PlaceWire::show_room(r).to_json(),
            Vec::new(),
        ));
    }
    for p in &directory.parking_lots {
        lines.push(line(
            Kind::ParkingLot,
            PlaceWire::show_lot(p).to_json(),
            Vec::new(),
        ));
    }
    for p in &directory.pbx_servers {
        lines.push(line(
            Kind::PbxServer,
            PbxServerWire::show(p).to_json(),
            Vec::new(),
        ));
    }
    for a in &directory.administrators {
        lines.push(line(
            Kind::Administrator,
            AdministratorWire::show(a).to_json(),
            Vec::new(),
        ));
    }
    for a in &directory.voicemail_agents {
        lines.push(line(
            Kind::VoicemailAgent,
            VoicemailAgentWire::show(a).to_json(),
            Vec::new(),
        ));
    }
    for a in &directory.recording_agents {
        lines.push(line(
            Kind::RecordingAgent,
            RecordingAgentWire::show(a).to_json(),
            Vec::new(),
        ));
    }
    let mut text = String::new();
    for line in lines {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    text
}

/// Writes the directory to `path` atomically: a temporary file in the same
/// folder, flushed to disk, then renamed over `path`.
///
/// # Errors
/// The folder is not writable, or the disk is full; `path` is then untouched.
pub fn save(path: &Path, directory: &Directory) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map_or_else(|| "state".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(to_text(directory).as_bytes())?;
        file.sync_all()
    })();
    if let Err(err) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(err);
    }
    Ok(())
}

/// The directory saved in `path`; `Ok(None)` when there is no such file yet.
///
/// # Errors
/// [`StateFileError`] naming the line and the problem.
pub fn load(path: &Path) -> Result<Option<Directory>, StateFileError> {
    let shown = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => from_text(&text, &shown).map(Some),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(StateFileError {
            path: shown,
            line: None,
            message: format!("cannot read it: {err}"),
        }),
    }
}

/// Reads a state file's text; `path` names it in messages.
///
/// # Errors
/// [`StateFileError`] naming the line and the problem.
pub fn from_text(text: &str, path: &str) -> Result<Directory, StateFileError> {
    let at = |line: usize, message: String| StateFileError {
        path: path.to_string(),
        line: Some(line),
        message,
    };
    let mut reader = Reader::default();
    let mut header = false;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| {
            // serde counts lines within this one line; the column is what helps.
            let text = e.to_string();
            let reason = text.rsplit_once(" at line ").map_or(text.as_str(), |(r, _)| r);
            at(number, format!("not JSON at column {}: {reason}; each line is one JSON object, as `serve --state` writes them; fix the line, or move the file away to start empty", e.column()))
        })?;
        let Value::Object(record) = value else {
            return Err(at(
                number,
                format!("expected a JSON object, got {}", body::describe(&value)),
            ));
        };
        if !header {
            check_header(&record).map_err(|m| at(number, m))?;
            header = true;
            continue;
        }
        reader.record(&record).map_err(|Invalid(m)| at(number, m))?;
    }
    if !header {
        return Err(StateFileError {
            path: path.to_string(),
            line: None,
            message: format!(
                "the file is empty; a state file starts with {{\"{HEADER}\":{VERSION}}}"
            ),
        });
    }
    let directory = reader.directory;
    // Everything the model itself insists on, in case a line-by-line check missed it.
    Pbx::new(directory.clone(), 0, Profile::Standard).map_err(|e| StateFileError {
        path: path.to_string(),
        line: None,
        message: e.to_string(),
    })?;
    Ok(directory)
}

fn check_header(record: &Map<String, Value>) -> Result<(), String> {
    match record.get(HEADER).and_then(Value::as_u64) {
        Some(VERSION) if record.len() == 1 => Ok(()),
        Some(other) if record.len() == 1 => Err(format!(
            "state file version {other}; this build reads version {VERSION}"
        )),
        _ => Err(format!(
            "the first line must be {{\"{HEADER}\":{VERSION}}}; is this a state file written by `serve --state`?"
        )),
    }
}

/// What the lines so far hold, and the names they took.
struct Reader {
    directory: Directory,
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

/// The kinds of line after the header: the one table reading and writing share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CoreServer,
    Extension,
    User,
    Queue,
    ConferenceRoom,
    ParkingLot,
    PbxServer,
    Administrator,
    VoicemailAgent,
    RecordingAgent,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::CoreServer,
        Kind::Extension,
        Kind::User,
        Kind::Queue,
        Kind::ConferenceRoom,
        Kind::ParkingLot,
        Kind::PbxServer,
        Kind::Administrator,
        Kind::VoicemailAgent,
        Kind::RecordingAgent,
    ];

    /// The key its object sits under.
    fn key(self) -> &'static str {
        match self {
            Kind::CoreServer => "coreServer",
            Kind::Extension => "extension",
            Kind::User => "user",
            Kind::Queue => "queue",
            Kind::ConferenceRoom => "conferenceRoom",
            Kind::ParkingLot => "parkingLot",
            Kind::PbxServer => "pbxServer",
            Kind::Administrator => "administrator",
            Kind::VoicemailAgent => "voicemailAgent",
            Kind::RecordingAgent => "recordingAgent",
        }
    }

    /// Whether it belongs to the core server (and so comes after its line).
    fn needs_core_server(self) -> bool {
        !matches!(
            self,
            Kind::CoreServer | Kind::Administrator | Kind::VoicemailAgent | Kind::RecordingAgent
        )
    }
}

/// One line: `kind`'s object, and what else the line carries.
fn line(kind: Kind, object: Value, extra: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    map.insert(kind.key().to_string(), object);
    for (key, value) in extra {
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
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
    fn record(&mut self, record: &Map<String, Value>) -> Result<(), Invalid> {
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
