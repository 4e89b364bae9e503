//! Users and their contacts.

use super::checks::{free_id, not_emptied, parse, required, same_key};
use super::pending::{IdSlot, Pending, created, deleted, shown};
use crate::model::{DirectoryChange as C, Pbx, UserConfig};
use crate::provisioning::read::{core, user_of};
use crate::provisioning::reply::Reply;
use crate::provisioning::routes::{Params, Resource as R};
use crate::provisioning::wire::{ContactWire, EmailWire, PhoneWire, UserWire};

/// A new user: `username` required; `enabled` and `full` default to true (ours).
pub fn create_user(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let wire = parse(bytes, UserWire::parse)?;
    let username = required(&wire.username, "username")?;
    free_id(&wire.id)?;
    let mut config = UserConfig {
        id: wire.id.clone(),
        ..UserConfig::new(&username, "")
    };
    wire.apply(&mut config);
    Ok(created(
        C::CreateUser(config),
        R::UserInstance,
        p,
        IdSlot::Id,
    ))
}

/// `users/{id}` and `users/noHash/{id}` alike (see `secrets`).
pub fn update_user(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut config = user_of(pbx, p)?.config();
    let wire = parse(bytes, UserWire::parse)?;
    same_key(&wire.id, &p.id, "id")?;
    wire.apply(&mut config);
    not_emptied(&config.username, "username")?;
    Ok(shown(C::UpdateUser(config), R::UserInstance, p))
}

pub fn delete_user(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    user_of(pbx, p)?;
    Ok(deleted(C::DeleteUser(p.id.clone())))
}

/// The names of the contact; they make the Live API's `displayedName`.
pub fn update_contact(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut config = user_of(pbx, p)?.config();
    parse(bytes, ContactWire::parse)?.apply(&mut config);
    Ok(shown(C::UpdateUser(config), R::Contact, p))
}

/// `address` required; `type` defaults to empty.
pub fn add_email_address(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    user_of(pbx, p)?;
    let wire = parse(bytes, EmailWire::parse)?;
    let change = C::AddEmailAddress {
        user: p.id.clone(),
        id: wire.id.clone(),
        kind: wire.kind.clone().unwrap_or_default(),
        address: required(&wire.address, "address")?,
    };
    Ok(created(change, R::EmailAddressInstance, p, IdSlot::Nested))
}

/// `number` required; `type` defaults to empty.
pub fn add_phone_number(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    user_of(pbx, p)?;
    let wire = parse(bytes, PhoneWire::parse)?;
    let change = C::AddPhoneNumber {
        user: p.id.clone(),
        id: wire.id.clone(),
        kind: wire.kind.clone().unwrap_or_default(),
        number: required(&wire.number, "number")?,
    };
    Ok(created(change, R::PhoneNumberInstance, p, IdSlot::Nested))
}

pub fn remove_email_address(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    user_of(pbx, p)?;
    Ok(deleted(C::RemoveEmailAddress {
        user: p.id.clone(),
        id: p.nested.clone(),
    }))
}

pub fn remove_phone_number(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    user_of(pbx, p)?;
    Ok(deleted(C::RemovePhoneNumber {
        user: p.id.clone(),
        id: p.nested.clone(),
    }))
}
