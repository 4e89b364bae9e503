//! The core server, its settings and license; administrators, agents and PBX
//! connections.

use super::checks::{free_id, not_emptied, parse, refused, required, same_key};
use super::pending::{After, IdSlot, Pending, created, deleted, shown};
use crate::model::{Administrator, CoreServerConfig, DirectoryChange as C, Pbx, PbxServer};
use crate::provisioning::body;
use crate::provisioning::read::{self, core};
use crate::provisioning::reply::Reply;
use crate::provisioning::routes::{Params, Resource as R};
use crate::provisioning::wire::{
    AdministratorWire, AsteriskWire, CoreServerWire, PbxServerWire, RecordingAgentWire,
    VoicemailAgentWire,
};

/// A new core server: `slug` required, `name` defaults to it. Ours: it comes with
/// a simulated license installed, so `userStatus` events are sent (§4.3).
pub fn create_core_server(bytes: &[u8]) -> Result<Pending, Reply> {
    let wire = parse(bytes, CoreServerWire::parse)?;
    let slug = required(&wire.slug, "slug")?;
    let mut config = CoreServerConfig {
        id: wire.id.clone(),
        name: slug.clone(),
        slug,
        ..CoreServerConfig::default()
    };
    wire.apply(&mut config);
    let params = Params::default();
    Ok(created(
        C::CreateCoreServer(config),
        R::CoreServerInstance,
        &params,
        IdSlot::CoreServer,
    ))
}

pub fn update_core_server(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut config = core(pbx, &p.cs)?.config();
    let wire = parse(bytes, CoreServerWire::parse)?;
    same_key(&wire.id, config.id.as_deref().unwrap_or_default(), "id")?;
    wire.apply(&mut config);
    not_emptied(&config.slug, "slug")?;
    Ok(shown(C::UpdateCoreServer(config), R::CoreServerInstance, p))
}

pub fn delete_core_server(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    Ok(deleted(C::DeleteCoreServer))
}

pub fn update_asterisk_settings(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut config = core(pbx, &p.cs)?.config();
    parse(bytes, AsteriskWire::parse)?.apply(&mut config);
    Ok(shown(C::UpdateCoreServer(config), R::AsteriskSettings, p))
}

/// The body is the serial key, a JSON string. Ours: any serial is accepted at
/// once (no bind step, so never a 307).
pub fn activate_license(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let serial = body::string(bytes, "serial key").map_err(refused)?;
    Ok(shown(C::ActivateLicense { serial }, R::License, p))
}

pub fn bind_voicemail_agent(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let identifier = body::string(bytes, "voicemail agent identifier").map_err(refused)?;
    let after = After::Bound {
        params: p.clone(),
        identifier: identifier.clone(),
    };
    Ok(Pending::new(C::BindVoicemailAgent(identifier), after))
}

pub fn unbind_voicemail_agent(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    Ok(deleted(C::UnbindVoicemailAgent(p.identifier.clone())))
}

pub fn put_voicemail_agent(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut agent = read::voicemail_agent_of(pbx, &p.identifier);
    let wire = parse(bytes, VoicemailAgentWire::parse)?;
    same_key(&wire.identifier, &p.identifier, "identifier")?;
    wire.apply(&mut agent);
    Ok(shown(
        C::PutVoicemailAgent(agent),
        R::VoicemailAgentInstance,
        p,
    ))
}

pub fn put_recording_agent(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let mut agent = read::recording_agent_of(pbx, &p.identifier);
    let wire = parse(bytes, RecordingAgentWire::parse)?;
    same_key(&wire.identifier, &p.identifier, "identifier")?;
    wire.apply(&mut agent);
    Ok(shown(
        C::PutRecordingAgent(agent),
        R::RecordingAgentInstance,
        p,
    ))
}

/// A new PBX connection; `enabled` defaults to true (ours).
pub fn create_pbx_server(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let wire = parse(bytes, PbxServerWire::parse)?;
    let mut server = PbxServer {
        enabled: true,
        ..PbxServer::default()
    };
    wire.apply(&mut server);
    let change = C::CreatePbxServer {
        id: wire.id.clone(),
        server,
    };
    Ok(created(change, R::PbxServerInstance, p, IdSlot::Id))
}

pub fn update_pbx_server(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    let Some(current) = pbx.pbx_servers().get(&p.id) else {
        return Err(Reply::not_found(format!(
            "no PBX connection has id `{}`",
            p.id
        )));
    };
    let mut server = current.clone();
    let wire = parse(bytes, PbxServerWire::parse)?;
    same_key(&wire.id, &p.id, "id")?;
    wire.apply(&mut server);
    Ok(shown(C::UpdatePbxServer(server), R::PbxServerInstance, p))
}

pub fn delete_pbx_server(pbx: &Pbx, p: &Params) -> Result<Pending, Reply> {
    core(pbx, &p.cs)?;
    Ok(deleted(C::DeletePbxServer(p.id.clone())))
}

/// A new administrator: `userName` required; `superUser` defaults to false.
pub fn create_administrator(bytes: &[u8]) -> Result<Pending, Reply> {
    let wire = parse(bytes, AdministratorWire::parse)?;
    let user_name = required(&wire.user_name, "userName")?;
    free_id(&wire.id)?;
    let mut administrator = Administrator {
        user_name,
        ..Administrator::default()
    };
    wire.apply(&mut administrator);
    let change = C::CreateAdministrator {
        id: wire.id.clone(),
        administrator,
    };
    let params = Params::default();
    Ok(created(
        change,
        R::AdministratorInstance,
        &params,
        IdSlot::Id,
    ))
}

pub fn update_administrator(pbx: &Pbx, p: &Params, bytes: &[u8]) -> Result<Pending, Reply> {
    let Some(current) = pbx.administrators().get(&p.id) else {
        return Err(Reply::not_found(format!(
            "no administrator has id `{}`",
            p.id
        )));
    };
    let mut administrator = current.clone();
    let wire = parse(bytes, AdministratorWire::parse)?;
    same_key(&wire.id, &p.id, "id")?;
    wire.apply(&mut administrator);
    not_emptied(&administrator.user_name, "userName")?;
    Ok(shown(
        C::UpdateAdministrator(administrator),
        R::AdministratorInstance,
        p,
    ))
}

pub fn delete_administrator(p: &Params) -> Result<Pending, Reply> {
    Ok(deleted(C::DeleteAdministrator(p.id.clone())))
}
