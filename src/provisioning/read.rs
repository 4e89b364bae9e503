//! GETs: each object as its [`wire`](super::wire) declaration shows it, read from
//! the same model objects the Live API shows. Collections are JSON arrays, users,
//! extensions, queues and rooms in creation order, the rest by id.

use serde_json::{Value, json};

use super::reply::Reply;
use super::routes::Params;
use super::wire::{
    AdministratorWire, AsteriskWire, ContactWire, CoreServerWire, EmailWire, ExtensionWire,
    PbxServerWire, PhoneWire, PlaceWire, QueueWire, RecordingAgentWire, UserWire,
    VoicemailAgentWire,
};
use crate::model::state::{CoreServer, Extension, Queue, Room, User};
use crate::model::{Pbx, RecordingAgent, VoicemailAgent};

/// What `server/brand` shows. Ours: the iSymphony version whose APIs this
/// simulates, and our own build.
pub const BRAND_VERSION: &str = "3.2.0";

/// The one module license a simulated core server has. Ours.
pub const MODULE_LICENSE_ID: &str = "core";

/// The core server `{cs}` names: by its configuration id (what `getBySlug` gives)
/// or its live id (`coreServerId` in events).
pub fn core<'a>(pbx: &'a Pbx, cs: &str) -> Result<&'a CoreServer, Reply> {
    pbx.core_server()
        .filter(|c| c.configuration_id == cs || c.id == cs)
        .ok_or_else(|| Reply::not_found(format!("no core server has id `{cs}`")))
}

fn by_seq<'a, T>(items: impl Iterator<Item = &'a T>, seq: fn(&T) -> u64) -> Vec<&'a T>
where
    T: 'a,
{
    let mut items: Vec<&T> = items.collect();
    items.sort_by_key(|i| seq(i));
    items
}

fn array(values: impl Iterator<Item = Value>) -> Reply {
    Reply::ok(Value::Array(values.collect()))
}

pub fn brand() -> Reply {
    Reply::ok(json!({
        "version": BRAND_VERSION,
        "build": concat!("isymphony-sim ", env!("CARGO_PKG_VERSION")),
    }))
}

pub fn core_server_json(core: &CoreServer) -> Value {
    CoreServerWire::show(&core.config()).to_json()
}

pub fn core_servers(pbx: &Pbx) -> Reply {
    array(pbx.core_server().into_iter().map(core_server_json))
}

pub fn core_server_by_slug(pbx: &Pbx, slug: &str) -> Reply {
    match pbx.core_server().filter(|c| c.slug == slug) {
        Some(core) => Reply::ok(core_server_json(core)),
        None => Reply::not_found(format!("no core server has slug `{slug}`")),
    }
}

pub fn core_server(pbx: &Pbx, p: &Params) -> Reply {
    core(pbx, &p.cs).map_or_else(|e| e, |c| Reply::ok(core_server_json(c)))
}

/// The license: unlimited, never expiring (ours), licensed to what was activated.
pub fn license_json(core: &CoreServer) -> Value {
    json!({
        "licensedTo": if core.licensed { "isymphony-sim" } else { "" },
        "serial": core.license_serial,
        "expirationDate": null,
        "maintenanceExpirationDate": null,
        "clientConnections": -1,
        "configuredUsers": -1,
    })
}

pub fn license(pbx: &Pbx, p: &Params) -> Reply {
    core(pbx, &p.cs).map_or_else(|e| e, |c| Reply::ok(license_json(c)))
}

pub fn module_licenses(pbx: &Pbx, p: &Params) -> Reply {
    core(pbx, &p.cs).map_or_else(
        |e| e,
        |_| Reply::ok(json!([{"id": MODULE_LICENSE_ID, "name": "iSymphony (simulated)"}])),
    )
}

pub fn module_license_properties(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    if p.nested != MODULE_LICENSE_ID {
        return Reply::not_found(format!("no module license has id `{}`", p.nested));
    }
    Reply::ok(json!([
        {"display": true, "value": "-1", "displayName": "Users",
         "description": "Configured users allowed (-1: unlimited)"},
        {"display": true, "value": "-1", "displayName": "Client connections",
         "description": "Client connections allowed at once (-1: unlimited)"},
    ]))
}

pub fn administrators(pbx: &Pbx) -> Reply {
    array(
        pbx.administrators()
            .values()
            .map(|a| AdministratorWire::show(a).to_json()),
    )
}

pub fn administrator(pbx: &Pbx, p: &Params) -> Reply {
    match pbx.administrators().get(&p.id) {
        Some(a) => Reply::ok(AdministratorWire::show(a).to_json()),
        None => Reply::not_found(format!("no administrator has id `{}`", p.id)),
    }
}

/// A voicemail agent: every identifier has one (ours: the agent program that
/// would register it is not simulated); one never written has empty fields.
pub fn voicemail_agent_of(pbx: &Pbx, identifier: &str) -> VoicemailAgent {
    pbx.voicemail_agents()
        .get(identifier)
        .cloned()
        .unwrap_or_else(|| VoicemailAgent {
            identifier: identifier.into(),
            ..VoicemailAgent::default()
        })
}

/// A recording agent, as [`voicemail_agent_of`].
pub fn recording_agent_of(pbx: &Pbx, identifier: &str) -> RecordingAgent {
    pbx.recording_agents()
        .get(identifier)
        .cloned()
        .unwrap_or_else(|| RecordingAgent {
            identifier: identifier.into(),
            ..RecordingAgent::default()
        })
}

pub fn voicemail_agent(pbx: &Pbx, p: &Params) -> Reply {
    Reply::ok(VoicemailAgentWire::show(&voicemail_agent_of(pbx, &p.identifier)).to_json())
}

pub fn recording_agent(pbx: &Pbx, p: &Params) -> Reply {
    Reply::ok(RecordingAgentWire::show(&recording_agent_of(pbx, &p.identifier)).to_json())
}

pub fn asterisk_settings(pbx: &Pbx, p: &Params) -> Reply {
    core(pbx, &p.cs).map_or_else(
        |e| e,
        |c| Reply::ok(AsteriskWire::show(&c.config()).to_json()),
    )
}

pub fn voicemail_agent_identifiers(pbx: &Pbx, p: &Params) -> Reply {
    core(pbx, &p.cs).map_or_else(
        |e| e,
        |c| array(c.voicemail_agent_identifiers.iter().map(|i| json!(i))),
    )
}

pub fn pbx_servers(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    array(
        pbx.pbx_servers()
            .values()
            .map(|s| PbxServerWire::show(s).to_json()),
    )
}

pub fn pbx_server(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    match pbx.pbx_servers().get(&p.id) {
        Some(s) => Reply::ok(PbxServerWire::show(s).to_json()),
        None => Reply::not_found(format!("no PBX connection has id `{}`", p.id)),
    }
}

/// The extension `{id}` names (its configuration id).
pub fn extension_of<'a>(pbx: &'a Pbx, p: &Params) -> Result<&'a Extension, Reply> {
    core(pbx, &p.cs)?;
    pbx.extensions()
        .values()
        .find(|e| e.configuration_id == p.id)
        .ok_or_else(|| Reply::not_found(format!("no extension has id `{}`", p.id)))
}

/// The user `{id}` names (its configuration id).
pub fn user_of<'a>(pbx: &'a Pbx, p: &Params) -> Result<&'a User, Reply> {
    core(pbx, &p.cs)?;
    pbx.users()
        .values()
        .find(|u| u.configuration_id == p.id)
        .ok_or_else(|| Reply::not_found(format!("no user has id `{}`", p.id)))
}

pub fn queue_of<'a>(pbx: &'a Pbx, p: &Params) -> Result<&'a Queue, Reply> {
    core(pbx, &p.cs)?;
    pbx.queues()
        .values()
        .find(|q| q.configuration_id == p.id)
        .ok_or_else(|| Reply::not_found(format!("no queue has id `{}`", p.id)))
}

pub fn room_of<'a>(pbx: &'a Pbx, p: &Params) -> Result<&'a Room, Reply> {
    core(pbx, &p.cs)?;
    pbx.rooms()
        .values()
        .find(|r| r.configuration_id == p.id)
        .ok_or_else(|| Reply::not_found(format!("no conference room has id `{}`", p.id)))
}

pub fn extension_json(e: &Extension) -> Value {
    ExtensionWire::show(&e.config()).to_json()
}

pub fn user_json(u: &User) -> Value {
    UserWire::show(&u.config()).to_json()
}

pub fn extensions(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    array(
        by_seq(pbx.extensions().values(), |e| e.seq)
            .into_iter()
            .map(extension_json),
    )
}

pub fn extension(pbx: &Pbx, p: &Params) -> Reply {
    extension_of(pbx, p).map_or_else(|e| e, |x| Reply::ok(extension_json(x)))
}

pub fn managing_user(pbx: &Pbx, p: &Params) -> Reply {
    let ext = match extension_of(pbx, p) {
        Ok(ext) => ext,
        Err(reply) => return reply,
    };
    match ext.user.as_deref().and_then(|u| pbx.users().get(u)) {
        Some(user) => Reply::ok(user_json(user)),
        None => Reply::not_found(format!("extension `{}` has no managing user", ext.number)),
    }
}

pub fn users(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    array(
        by_seq(pbx.users().values(), |u| u.seq)
            .into_iter()
            .map(user_json),
    )
}

pub fn user(pbx: &Pbx, p: &Params) -> Reply {
    user_of(pbx, p).map_or_else(|e| e, |u| Reply::ok(user_json(u)))
}

pub fn contact(pbx: &Pbx, p: &Params) -> Reply {
    user_of(pbx, p).map_or_else(
        |e| e,
        |u| Reply::ok(ContactWire::show(&u.config()).to_json()),
    )
}

pub fn email_addresses(pbx: &Pbx, p: &Params) -> Reply {
    user_of(pbx, p).map_or_else(
        |e| e,
        |u| {
            let emails = u.contact.email_addresses.iter();
            array(emails.map(|e| EmailWire::show(e).to_json()))
        },
    )
}

pub fn phone_numbers(pbx: &Pbx, p: &Params) -> Reply {
    user_of(pbx, p).map_or_else(
        |e| e,
        |u| {
            let phones = u.contact.phone_numbers.iter();
            array(phones.map(|n| PhoneWire::show(n).to_json()))
        },
    )
}

pub fn queues(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    let queues = by_seq(pbx.queues().values(), |q| q.seq);
    array(
        queues
            .into_iter()
            .map(|q| QueueWire::show(&q.config()).to_json()),
    )
}

pub fn queue(pbx: &Pbx, p: &Params) -> Reply {
    queue_of(pbx, p).map_or_else(|e| e, |q| Reply::ok(QueueWire::show(&q.config()).to_json()))
}

pub fn rooms(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    let rooms = by_seq(pbx.rooms().values(), |r| r.seq);
    array(
        rooms
            .into_iter()
            .map(|r| PlaceWire::show_room(&r.config()).to_json()),
    )
}

pub fn room(pbx: &Pbx, p: &Params) -> Reply {
    room_of(pbx, p).map_or_else(
        |e| e,
        |r| Reply::ok(PlaceWire::show_room(&r.config()).to_json()),
    )
}

pub fn parking_lots(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    array(
        pbx.parking_lots()
            .values()
            .map(|l| PlaceWire::show_lot(l).to_json()),
    )
}

pub fn parking_lot(pbx: &Pbx, p: &Params) -> Reply {
    if let Err(e) = core(pbx, &p.cs) {
        return e;
    }
    match pbx.parking_lots().get(&p.id) {
        Some(l) => Reply::ok(PlaceWire::show_lot(l).to_json()),
        None => Reply::not_found(format!("no parking lot has id `{}`", p.id)),
    }
}

pub fn email_address(pbx: &Pbx, p: &Params) -> Reply {
    user_of(pbx, p).map_or_else(
        |e| e,
        |u| match u.contact.email_addresses.iter().find(|e| e.id == p.nested) {
            Some(e) => Reply::ok(EmailWire::show(e).to_json()),
            None => Reply::not_found(format!("no e-mail address has id `{}`", p.nested)),
        },
    )
}

pub fn phone_number(pbx: &Pbx, p: &Params) -> Reply {
    user_of(pbx, p).map_or_else(
        |e| e,
        |u| match u.contact.phone_numbers.iter().find(|n| n.id == p.nested) {
            Some(n) => Reply::ok(PhoneWire::show(n).to_json()),
            None => Reply::not_found(format!("no phone number has id `{}`", p.nested)),
        },
    )
}
