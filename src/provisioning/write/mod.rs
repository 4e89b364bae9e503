//! POSTs, PUTs and DELETEs: each becomes one [`DirectoryChange`], built from the
//! object as it stands with what the body sent written over it, and checked here
//! as far as the body goes (types, required fields, ids matching the path); the
//! model checks the rest (names and ids taken, objects that do not exist).

mod extensions;
mod places;
mod server;
mod users;

pub use extensions::*;
pub use places::*;
pub use server::*;
pub use users::*;

use serde_json::{Map, Value};

use super::body::{self, BodyError, Invalid};
use super::reply::Reply;
use super::routes::{Params, Resource};
use crate::model::DirectoryChange;

/// A change to make, and how to answer once it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The change.
    pub change: DirectoryChange,
    /// What to answer when it is accepted.
    pub(crate) after: After,
    /// A refusal `NotFound` is about this body field (422), not the path (404).
    pub(crate) not_found_field: Option<&'static str>,
}

/// How an accepted change is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum After {
    /// 201, showing `instance` (its GET) with the new id in `slot`, and its path.
    Created {
        instance: Resource,
        params: Params,
        slot: IdSlot,
    },
    /// 201, showing the identifier bound, as a JSON string.
    Bound { params: Params, identifier: String },
    /// 200, showing `instance` with `params`.
    Shown { instance: Resource, params: Params },
    /// 204.
    Deleted,
}

/// Where a created object's id goes in its instance path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdSlot {
    /// `{cs}`.
    CoreServer,
    /// `{id}`.
    Id,
    /// `{pid}`.
    Nested,
}

impl Pending {
    fn new(change: DirectoryChange, after: After) -> Pending {
        Pending {
            change,
            after,
            not_found_field: None,
        }
    }
}

fn created(change: DirectoryChange, instance: Resource, params: &Params, slot: IdSlot) -> Pending {
    let after = After::Created {
        instance,
        params: params.clone(),
        slot,
    };
    Pending::new(change, after)
}

fn shown(change: DirectoryChange, instance: Resource, params: &Params) -> Pending {
    let after = After::Shown {
        instance,
        params: params.clone(),
    };
    Pending::new(change, after)
}

fn deleted(change: DirectoryChange) -> Pending {
    Pending::new(change, After::Deleted)
}

/// A body error as its reply: 400 for what is not JSON, 422 for the rest.
pub(crate) fn refused(error: BodyError) -> Reply {
    match error {
        BodyError::Malformed(reason) => Reply::error(400, reason),
        BodyError::Invalid(Invalid(reason)) => Reply::error(422, reason),
    }
}

/// Parses the body object with a wire declaration's parser.
fn parse<W>(
    bytes: &[u8],
    parser: fn(&Map<String, Value>) -> Result<W, Invalid>,
) -> Result<W, Reply> {
    let object = body::object(bytes).map_err(refused)?;
    parser(&object).map_err(|Invalid(reason)| Reply::error(422, reason))
}

/// A required text field, present and not empty.
fn required(value: &Option<String>, field: &str) -> Result<String, Reply> {
    match value {
        Some(text) if !text.is_empty() => Ok(text.clone()),
        Some(_) => Err(Reply::error(
            422,
            format!("field `{field}` must not be empty"),
        )),
        None => Err(Reply::error(422, format!("missing field `{field}`"))),
    }
}

/// A key field an update keeps: not emptied.
fn not_emptied(value: &str, field: &str) -> Result<(), Reply> {
    if value.is_empty() {
        Err(Reply::error(
            422,
            format!("field `{field}` must not be empty"),
        ))
    } else {
        Ok(())
    }
}

/// An update's body may repeat the id (or identifier) its path names, never another.
fn same_key(sent: &Option<String>, path: &str, field: &str) -> Result<(), Reply> {
    match sent {
        Some(sent) if sent != path => Err(Reply::error(
            422,
            format!("field `{field}` is `{sent}` but the path names `{path}`; it cannot change"),
        )),
        _ => Ok(()),
    }
}

/// Path keywords no created object may take as its id: it could not be addressed.
const RESERVED_IDS: [&str; 2] = ["noHash", "getBySlug"];

fn free_id(id: &Option<String>) -> Result<(), Reply> {
    match id {
        Some(id) if RESERVED_IDS.contains(&id.as_str()) => Err(Reply::error(
            422,
            format!("field `id` `{id}` is a path keyword here; choose another id"),
        )),
        _ => Ok(()),
    }
}
