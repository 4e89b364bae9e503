//! The Configuration API (docs/protocol.md §9), as a provisioning client such as
//! FreePBX's iSymphony module drives it: a request (method, path, body) in, a
//! status and JSON out. Pure: no sockets; the server puts it behind its Basic auth
//! and allow-list, and tests call it in-process.
//!
//! It is a view of the model: reads come from the same objects the Live API
//! shows, writes become [`DirectoryChange`](crate::model::DirectoryChange)s
//! applied through [`Pbx::configure`],
//! whose events (calls and logins a change ends) go out like any others.
//!
//! Answers (ours, docs/protocol.md §9.1, where S12 gives 204 and 412 instead):
//! - 200 and JSON for reads and updates (the object as it now stands);
//! - 201 and JSON for creates, with `Location`: the object is readable at once;
//! - 204 for deletes;
//! - 400 for a body that is not JSON; 422 for JSON that is not acceptable (the
//!   field is named); 404 for an unknown object or path; 409 for a name or id
//!   already taken; 405 for another method, with `Allow`. Errors are one line
//!   of plain text.
//!
//! Both bases ([`path::BASES`]) serve every resource, with or without a trailing
//! slash. The transport caps the body (1 MiB); every text field is capped at
//! [`MAX_TEXT_BYTES`](crate::model::directory::MAX_TEXT_BYTES).

mod body;
mod method;
pub mod path;
mod read;
mod reply;
pub mod routes;
mod secrets;
pub mod state_file;
mod wire;
mod write;

pub use method::Method;
pub use read::BRAND_VERSION;
pub use reply::{Reply, ReplyBody};
pub use routes::{Operation, Params, Provenance, Resource, Seg};
pub use write::Pending;

use serde_json::json;

use crate::model::{Configured, DirectoryError, Pbx};
use crate::protocol::Event;
use write::{After, IdSlot};

/// One request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method as sent (`"GET"`).
    pub method: &'a str,
    /// The path, still percent-encoded, without the query.
    pub path: &'a str,
    /// The body.
    pub body: &'a [u8],
}

/// What a request needs: an answer now, or a change to make first.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Answered from the model as it stands: reads, and every refusal.
    Answer(Reply),
    /// Apply this change ([`Pbx::configure`]), then answer with [`finish`].
    Change(Box<Pending>),
}

/// Whether `path` is under one of the Configuration API's bases.
pub fn serves(path: &str) -> bool {
    path::BASES
        .iter()
        .any(|base| path.starts_with(base) || path == base.trim_end_matches('/'))
}

/// Resolves a request against the model as it stands.
pub fn resolve(pbx: &Pbx, request: &Request<'_>) -> Resolution {
    let located = match path::locate(request.path) {
        Ok(Some(located)) => located,
        Ok(None) => return Resolution::Answer(Reply::not_found(not_here(request.path))),
        Err(reason) => return Resolution::Answer(Reply::error(400, reason)),
    };
    let Some((resource, params)) = Resource::find(&located.segments) else {
        return Resolution::Answer(Reply::not_found(format!(
            "no Configuration API resource at `{}`",
            located.segments.join("/")
        )));
    };
    let allowed: Vec<Method> = resource.methods().iter().map(|(m, _, _)| *m).collect();
    let operation = Method::parse(request.method).and_then(|m| resource.operation(m));
    let Some(operation) = operation else {
        return Resolution::Answer(Reply::method_not_allowed(request.method, &allowed));
    };
    operate(pbx, operation, &params, request.body)
}

fn not_here(path: &str) -> String {
    format!(
        "`{path}` is not under the Configuration API ({} or {})",
        path::CLIENT_BASE,
        path::DOCUMENTED_BASE
    )
}

/// The answer to a change once the model has taken or refused it. `base` is the
/// base the request used (a `Location` points under it).
pub fn finish(
    pbx: &Pbx,
    pending: &Pending,
    outcome: &Result<Configured, DirectoryError>,
    base: &str,
) -> Reply {
    let configured = match outcome {
        Ok(configured) => configured,
        Err(DirectoryError::NotFound(reason)) => {
            return match pending.not_found_field {
                Some(field) => Reply::error(422, format!("field `{field}`: {reason}")),
                None => Reply::not_found(reason.clone()),
            };
        }
        Err(DirectoryError::Conflict(reason)) => return Reply::error(409, reason.clone()),
        Err(DirectoryError::Invalid(reason)) => return Reply::error(422, reason.clone()),
    };
    let created = configured.created.clone().unwrap_or_default();
    match &pending.after {
        After::Created {
            instance,
            params,
            slot,
        } => {
            let mut params = params.clone();
            match slot {
                IdSlot::CoreServer => params.cs = created,
                IdSlot::Id => params.id = created,
                IdSlot::Nested => params.nested = created,
            }
            let reply = show(pbx, *instance, &params);
            let location = path::under(base, &fill(*instance, &params));
            match reply.json_body() {
                Some(value) if reply.status == 200 => Reply::created(value.clone(), Some(location)),
                _ => reply,
            }
        }
        After::Bound { params, identifier } => {
            let params = Params {
                identifier: identifier.clone(),
                ..params.clone()
            };
            let segments = fill(Resource::VoicemailAgentIdentifier, &params);
            Reply::created(json!(identifier), Some(path::under(base, &segments)))
        }
        After::Shown { instance, params } => show(pbx, *instance, params),
        After::Deleted => Reply::no_content(),
    }
}

/// Resolves, applies and finishes in one go, on a model owned by the caller:
/// the answer, and the events the change caused.
pub fn handle(pbx: &mut Pbx, request: &Request<'_>) -> (Reply, Vec<Event>) {
    match resolve(pbx, request) {
        Resolution::Answer(reply) => (reply, Vec::new()),
        Resolution::Change(pending) => {
            let outcome = pbx.configure(&pending.change);
            let base = base_of(request.path);
            let reply = finish(pbx, &pending, &outcome, base);
            let events = outcome.map(|c| c.events).unwrap_or_default();
            (reply, events)
        }
    }
}

/// The base `path` is under (the client's when neither).
pub fn base_of(path: &str) -> &'static str {
    path::BASES
        .into_iter()
        .find(|base| path.starts_with(base))
        .unwrap_or(path::CLIENT_BASE)
}

/// A resource's GET, as a reply.
fn show(pbx: &Pbx, resource: Resource, params: &Params) -> Reply {
    match resource
        .operation(Method::Get)
        .map(|op| operate(pbx, op, params, b""))
    {
        Some(Resolution::Answer(reply)) => reply,
        Some(Resolution::Change(_)) | None => Reply::no_content(),
    }
}

/// A resource's path segments with `params` in place.
fn fill(resource: Resource, params: &Params) -> Vec<&str> {
    resource
        .segments()
        .iter()
        .map(|seg| match seg {
            Seg::Lit(text) => text,
            Seg::CoreServer => params.cs.as_str(),
            Seg::Id => params.id.as_str(),
            Seg::Slug => params.slug.as_str(),
            Seg::Identifier => params.identifier.as_str(),
            Seg::Nested => params.nested.as_str(),
        })
        .collect()
}

/// The one dispatch: every operation of the table, no other.
fn operate(pbx: &Pbx, operation: Operation, p: &Params, bytes: &[u8]) -> Resolution {
    use Operation as O;
    let answer = Resolution::Answer;
    let change = |result: Result<Pending, Reply>| match result {
        Ok(pending) => Resolution::Change(Box::new(pending)),
        Err(reply) => Resolution::Answer(reply),
    };
    match operation {
        O::GetBrand => answer(read::brand()),
        O::ListCoreServers => answer(read::core_servers(pbx)),
        O::CreateCoreServer => change(write::create_core_server(bytes)),
        O::GetCoreServerBySlug => answer(read::core_server_by_slug(pbx, &p.slug)),
        O::GetLicense => answer(read::license(pbx, p)),
        O::ListModuleLicenses => answer(read::module_licenses(pbx, p)),
        O::ListModuleLicenseProperties => answer(read::module_license_properties(pbx, p)),
        O::ActivateLicense => change(write::activate_license(pbx, p, bytes)),
        O::GetCoreServer => answer(read::core_server(pbx, p)),
        O::UpdateCoreServer => change(write::update_core_server(pbx, p, bytes)),
        O::DeleteCoreServer => change(write::delete_core_server(pbx, p)),
        O::ListAdministrators => answer(read::administrators(pbx)),
        O::CreateAdministrator => change(write::create_administrator(bytes)),
        O::UpdateAdministrator => change(write::update_administrator(pbx, p, bytes)),
        O::DeleteAdministrator => change(write::delete_administrator(p)),
        O::GetAdministrator => answer(read::administrator(pbx, p)),
        O::GetVoicemailAgent => answer(read::voicemail_agent(pbx, p)),
        O::PutVoicemailAgent => change(write::put_voicemail_agent(pbx, p, bytes)),
        O::GetRecordingAgent => answer(read::recording_agent(pbx, p)),
        O::PutRecordingAgent => change(write::put_recording_agent(pbx, p, bytes)),
        O::GetAsteriskSettings => answer(read::asterisk_settings(pbx, p)),
        O::UpdateAsteriskSettings => change(write::update_asterisk_settings(pbx, p, bytes)),
        O::ListVoicemailAgentIdentifiers => answer(read::voicemail_agent_identifiers(pbx, p)),
        O::BindVoicemailAgent => change(write::bind_voicemail_agent(pbx, p, bytes)),
        O::UnbindVoicemailAgent => change(write::unbind_voicemail_agent(pbx, p)),
        O::ListPbxServers => answer(read::pbx_servers(pbx, p)),
        O::CreatePbxServer => change(write::create_pbx_server(pbx, p, bytes)),
        O::UpdatePbxServer => change(write::update_pbx_server(pbx, p, bytes)),
        O::DeletePbxServer => change(write::delete_pbx_server(pbx, p)),
        O::GetPbxServer => answer(read::pbx_server(pbx, p)),
        O::ListExtensions => answer(read::extensions(pbx, p)),
        O::CreateExtension => change(write::create_extension(pbx, p, bytes)),
        O::UpdateExtension => change(write::update_extension(pbx, p, bytes)),
        O::DeleteExtension => change(write::delete_extension(pbx, p)),
        O::GetExtension => answer(read::extension(pbx, p)),
        O::GetManagingUser => answer(read::managing_user(pbx, p)),
        O::SetManagingUser => change(write::set_managing_user(pbx, p, bytes)),
        O::ClearManagingUser => change(write::clear_managing_user(pbx, p)),
        O::ListQueues => answer(read::queues(pbx, p)),
        O::CreateQueue => change(write::create_queue(pbx, p, bytes)),
        O::UpdateQueue => change(write::update_queue(pbx, p, bytes)),
        O::DeleteQueue => change(write::delete_queue(pbx, p)),
        O::GetQueue => answer(read::queue(pbx, p)),
        O::ListConferenceRooms => answer(read::rooms(pbx, p)),
        O::CreateConferenceRoom => change(write::create_room(pbx, p, bytes)),
        O::UpdateConferenceRoom => change(write::update_room(pbx, p, bytes)),
        O::DeleteConferenceRoom => change(write::delete_room(pbx, p)),
        O::GetConferenceRoom => answer(read::room(pbx, p)),
        O::ListParkingLots => answer(read::parking_lots(pbx, p)),
        O::CreateParkingLot => change(write::create_parking_lot(pbx, p, bytes)),
        O::UpdateParkingLot => change(write::update_parking_lot(pbx, p, bytes)),
        O::DeleteParkingLot => change(write::delete_parking_lot(pbx, p)),
        O::GetParkingLot => answer(read::parking_lot(pbx, p)),
        O::ListUsers => answer(read::users(pbx, p)),
        O::CreateUser => change(write::create_user(pbx, p, bytes)),
        O::UpdateUserNoHash | O::UpdateUser => change(write::update_user(pbx, p, bytes)),
        O::DeleteUser => change(write::delete_user(pbx, p)),
        O::GetUser => answer(read::user(pbx, p)),
        O::GetContact => answer(read::contact(pbx, p)),
        O::UpdateContact => change(write::update_contact(pbx, p, bytes)),
        O::ListEmailAddresses => answer(read::email_addresses(pbx, p)),
        O::AddEmailAddress => change(write::add_email_address(pbx, p, bytes)),
        O::ListPhoneNumbers => answer(read::phone_numbers(pbx, p)),
        O::AddPhoneNumber => change(write::add_phone_number(pbx, p, bytes)),
        O::GetEmailAddress => answer(read::email_address(pbx, p)),
        O::RemoveEmailAddress => change(write::remove_email_address(pbx, p)),
        O::RemovePhoneNumber => change(write::remove_phone_number(pbx, p)),
        O::GetPhoneNumber => answer(read::phone_number(pbx, p)),
    }
}
