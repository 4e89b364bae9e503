//! Extensions and the users that manage them.

use super::checks::{not_emptied, parse, required, same_key};
use super::pending::{IdSlot, Pending, created, deleted, shown};
use crate::model::{DirectoryChange as C, ExtensionConfig, Pbx};
use crate::provisioning::read::{core, extension_of};
use crate::provisioning::reply::Reply;
use crate::provisioning::routes::{Params, Resource as R};
use crate::provisioning::wire::{ExtensionWire, UserWire};

/// A new extension: `extension` (the number) required; `displayName` defaults to it.
pub fn create_extension(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let wire = parse(bytes, ExtensionWire::parse)?;
    let number = required(&wire.extension, "extension")?;
    let mut config = ExtensionConfig {
        id: wire.id.clone(),
        ..ExtensionConfig::new(&number, &number)
    };
    wire.apply(&mut config);
    Ok(created(
        C::CreateExtension(config),
        R::ExtensionInstance,
        p,
        IdSlot::Id,
    ))
}

pub fn update_extension(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut config = extension_of(pbx, p)?.config();
    let wire = parse(bytes, ExtensionWire::parse)?;
    same_key(&wire.id, &p.id, "id")?;
    wire.apply(&mut config);
    not_emptied(&config.number, "extension")?;
    Ok(shown(C::UpdateExtension(config), R::ExtensionInstance, p))
}

pub fn delete_extension(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    extension_of(pbx, p)?;
    Ok(deleted(C::DeleteExtension(p.id.clone())))
}

/// The body is the user, as `core/{cs}/users` shows it: named by `id`, or by
/// `username` when it has no `id`; the other fields are not changed.
pub fn set_managing_user(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    extension_of(pbx, p)?;
    let wire = parse(bytes, UserWire::parse)?;
    let by_name = wire
        .username
        .as_deref()
        .map(|name| pbx.users().get(name).map(|u| u.configuration_id.clone()));
    let user = match (&wire.id, by_name) {
        (Some(id), Some(Some(named))) if *id != named => {
            return Err(Reply::error(
                422,
                format!("field `id` `{id}` and field `username` name different users"),
            ));
        }
        (Some(id), _) => id.clone(),
        (None, Some(Some(named))) => named,
        (None, Some(None)) => {
            return Err(Reply::error(
                422,
                format!(
                    "field `username` names no user: `{}`",
                    wire.username.as_deref().unwrap_or_default()
                ),
            ));
        }
        (None, None) => {
            return Err(Reply::error(
                422,
                "missing field `id`: send the managing user as core/{cs}/users shows it",
            ));
        }
    };
    let change = C::SetManagingUser {
        extension: p.id.clone(),
        user: Some(user),
    };
    Ok(Pending {
        not_found_field: Some("id"),
        ..shown(change, R::ManagingUser, p)
    })
}

pub fn clear_managing_user(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    let ext = extension_of(pbx, p)?;
    if ext.user.is_none() {
        return Err(Reply::not_found(format!(
            "extension `{}` has no managing user",
            ext.number
        )));
    }
    Ok(deleted(C::SetManagingUser {
        extension: p.id.clone(),
        user: None,
    }))
}
