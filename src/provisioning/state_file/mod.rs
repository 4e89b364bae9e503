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

use std::fmt;
use std::io::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};

mod kind;
mod reader;

use kind::{Kind, line};
use reader::Reader;

use super::body::{self, Invalid};
use super::wire::{
    AdministratorWire, AsteriskWire, ContactWire, CoreServerWire, EmailWire, ExtensionWire,
    PbxServerWire, PhoneWire, PlaceWire, QueueWire, RecordingAgentWire, UserWire,
    VoicemailAgentWire,
};
use crate::model::{Directory, Pbx};
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
