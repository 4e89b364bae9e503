//! The rules a whole directory must keep: unique names and ids, references to
//! objects that exist, and nothing of a core server's without one.

use std::collections::{BTreeMap, BTreeSet};

use super::directory::{Directory, is_valid_id};
use super::error::ModelError;

fn invalid(message: String) -> ModelError {
    ModelError::InvalidDirectory(message)
}

/// Records `name` as taken; an error naming both when it already was.
fn unique<'a>(
    seen: &mut BTreeSet<&'a str>,
    name: &'a str,
    what: impl FnOnce() -> String,
) -> Result<(), ModelError> {
    if seen.insert(name) {
        Ok(())
    } else {
        Err(invalid(format!("{} is configured twice", what())))
    }
}

/// Kept ids of one kind: valid and unique.
fn kept_ids<'a>(
    noun: &str,
    ids: impl Iterator<Item = (Option<&'a String>, &'a str)>,
) -> Result<(), ModelError> {
    let mut seen = BTreeSet::new();
    for (id, name) in ids {
        let Some(id) = id else { continue };
        if !is_valid_id(id) {
            return Err(invalid(format!(
                "{noun} `{name}` has id `{id}`, which is not 1 to 128 letters, digits, `-`, `.`, `_` or `~`"
            )));
        }
        unique(&mut seen, id, || format!("{noun} id `{id}`"))?;
    }
    Ok(())
}

/// Checks a directory before the model is built from it.
///
/// # Errors
/// [`ModelError::InvalidDirectory`] naming the objects involved.
pub(crate) fn validate(directory: &Directory) -> Result<(), ModelError> {
    if directory.core_server.is_none() {
        let owned = [
            ("user", directory.users.len()),
            ("extension", directory.extensions.len()),
            ("queue", directory.queues.len()),
            ("conference room", directory.rooms.len()),
            ("parking lot", directory.parking_lots.len()),
            ("PBX connection", directory.pbx_servers.len()),
        ];
        if let Some((noun, _)) = owned.iter().find(|(_, n)| *n > 0) {
            return Err(invalid(format!(
                "a {noun} is configured but no core server; every {noun} belongs to one"
            )));
        }
    }
    if let Some(id) = directory.core_server.as_ref().and_then(|cs| cs.id.as_ref())
        && !is_valid_id(id)
    {
        return Err(invalid(format!(
            "the core server has id `{id}`, which is not 1 to 128 letters, digits, `-`, `.`, `_` or `~`"
        )));
    }
    let mut numbers = BTreeSet::new();
    for e in &directory.extensions {
        unique(&mut numbers, &e.number, || {
            format!("extension `{}`", e.number)
        })?;
    }
    kept_ids(
        "extension",
        directory
            .extensions
            .iter()
            .map(|e| (e.id.as_ref(), e.number.as_str())),
    )?;
    let mut names = BTreeSet::new();
    let mut bound = BTreeMap::new();
    for u in &directory.users {
        unique(&mut names, &u.username, || format!("user `{}`", u.username))?;
        for n in &u.extensions {
            if !numbers.contains(n.as_str()) {
                return Err(invalid(format!(
                    "user `{}` is bound to extension `{n}`, which is not configured",
                    u.username
                )));
            }
            if let Some(other) = bound.insert(n.as_str(), u.username.as_str()) {
                return Err(invalid(format!(
                    "extension `{n}` is bound to both `{other}` and `{}`",
                    u.username
                )));
            }
        }
    }
    kept_ids(
        "user",
        directory
            .users
            .iter()
            .map(|u| (u.id.as_ref(), u.username.as_str())),
    )?;
    let mut queue_ids = BTreeSet::new();
    for q in &directory.queues {
        unique(&mut queue_ids, &q.identifier, || {
            format!("queue `{}`", q.identifier)
        })?;
        for n in &q.static_agents {
            if !numbers.contains(n.as_str()) {
                return Err(invalid(format!(
                    "queue `{}` has static agent `{n}`, which is not a configured extension",
                    q.identifier
                )));
            }
        }
    }
    kept_ids(
        "queue",
        directory
            .queues
            .iter()
            .map(|q| (q.id.as_ref(), q.identifier.as_str())),
    )?;
    let mut room_ids = BTreeSet::new();
    for r in &directory.rooms {
        unique(&mut room_ids, &r.identifier, || {
            format!("conference room `{}`", r.identifier)
        })?;
    }
    kept_ids(
        "conference room",
        directory
            .rooms
            .iter()
            .map(|r| (r.id.as_ref(), r.identifier.as_str())),
    )?;
    let mut lots = BTreeSet::new();
    for p in &directory.parking_lots {
        unique(&mut lots, &p.identifier, || {
            format!("parking lot `{}`", p.identifier)
        })?;
    }
    kept_ids(
        "parking lot",
        directory
            .parking_lots
            .iter()
            .map(|p| (Some(&p.id), p.identifier.as_str())),
    )?;
    kept_ids(
        "PBX connection",
        directory
            .pbx_servers
            .iter()
            .map(|p| (Some(&p.id), p.display_name.as_str())),
    )?;
    let mut admins = BTreeSet::new();
    for a in &directory.administrators {
        unique(&mut admins, &a.user_name, || {
            format!("administrator `{}`", a.user_name)
        })?;
    }
    kept_ids(
        "administrator",
        directory
            .administrators
            .iter()
            .map(|a| (Some(&a.id), a.user_name.as_str())),
    )?;
    let mut agents = BTreeSet::new();
    for a in &directory.voicemail_agents {
        unique(&mut agents, &a.identifier, || {
            format!("voicemail agent `{}`", a.identifier)
        })?;
    }
    let mut agents = BTreeSet::new();
    for a in &directory.recording_agents {
        unique(&mut agents, &a.identifier, || {
            format!("recording agent `{}`", a.identifier)
        })?;
    }
    Ok(())
}
