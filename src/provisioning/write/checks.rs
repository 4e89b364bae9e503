//! What this layer checks of a body before the model sees the change: that it
//! parses, has its required fields, and names the object its path names.

use serde_json::{Map, Value};

use crate::provisioning::body::{self, BodyError, Invalid};
use crate::provisioning::reply::Reply;

/// A body error as its reply: 400 for what is not JSON, 422 for the rest.
pub(crate) fn refused(error: BodyError) -> Reply {
    match error {
        BodyError::Malformed(reason) => Reply::error(400, reason),
        BodyError::Invalid(Invalid(reason)) => Reply::error(422, reason),
    }
}

/// Parses the body object with a wire declaration's parser.
pub(super) fn parse<W>(
    bytes: &[u8],
    parser: fn(&Map<String, Value>) -> Result<W, Invalid>,
) -> Result<W, Reply> {
    let object = body::object(bytes).map_err(refused)?;
    parser(&object).map_err(|Invalid(reason)| Reply::error(422, reason))
}

/// A required text field, present and not empty.
pub(super) fn required(value: &Option<String>, field: &str) -> Result<String, Reply> {
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
pub(super) fn not_emptied(value: &str, field: &str) -> Result<(), Reply> {
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
pub(super) fn same_key(sent: &Option<String>, path: &str, field: &str) -> Result<(), Reply> {
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

pub(super) fn free_id(id: &Option<String>) -> Result<(), Reply> {
    match id {
        Some(id) if RESERVED_IDS.contains(&id.as_str()) => Err(Reply::error(
            422,
            format!("field `id` `{id}` is a path keyword here; choose another id"),
        )),
        _ => Ok(()),
    }
}
