//! Every row of the table: each of its methods with a good request, under both
//! bases and both slash spellings; every other method 405 with `Allow`; unknown
//! objects 404; taken names 409; and nothing outside the table answers.

use isymphony_sim::provisioning::{Method, Operation, Provenance, Resource, Seg};

use super::*;

/// The concrete path of a resource in the [`provisioned`] fixture.
pub fn path_of(api: &mut Api, cs: &str, resource: Resource) -> String {
    let id = match resource {
        Resource::ExtensionInstance | Resource::ManagingUser => ids::EXT.to_string(),
        Resource::QueueInstance => ids::QUEUE.to_string(),
        Resource::ConferenceRoomInstance => ids::ROOM.to_string(),
        Resource::AdministratorInstance | Resource::AdministratorNoHash => ids::ADMIN.to_string(),
        Resource::ParkingLotInstance => first_id(api, &format!("asterisk/{cs}/parkingLots")),
        Resource::PbxServerInstance => first_id(api, &format!("asterisk/{cs}/pbxServers")),
        _ => ids::USER.to_string(),
    };
    let nested = match resource {
        Resource::ModuleLicenseProperties => "core".to_string(),
        Resource::EmailAddressInstance => first_id(
            api,
            &format!("contact/{cs}/users/{}/emailAddresses", ids::USER),
        ),
        _ => first_id(
            api,
            &format!("contact/{cs}/users/{}/phoneNumbers", ids::USER),
        ),
    };
    let parts: Vec<String> = resource
        .segments()
        .iter()
        .map(|seg| match seg {
            Seg::Lit(text) => (*text).to_string(),
            Seg::CoreServer => cs.to_string(),
            Seg::Id => id.clone(),
            Seg::Slug | Seg::Identifier => "default".to_string(),
            Seg::Nested => nested.clone(),
        })
        .collect();
    parts.join("/")
}

fn first_id(api: &mut Api, list: &str) -> String {
    api.get(list)[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A good body for `operation` on the fixture at `path`, and the status it gets.
/// Every operation is listed: a new one does not compile until it is tested.
pub fn good(api: &mut Api, path: &str, operation: Operation) -> (String, u16) {
    use Operation as O;
    // What a client does: read the object, change it, send it back whole. The
    // noHash update paths have no GET of their own; the object's path has.
    let read_back = |api: &mut Api| api.get(&path.replace("/noHash/", "/")).to_string();
    let get = (String::new(), 200);
    let delete = (String::new(), 204);
    match operation {
        O::GetBrand
        | O::ListCoreServers
        | O::GetCoreServerBySlug
        | O::GetLicense
        | O::ListModuleLicenses
        | O::ListModuleLicenseProperties
        | O::GetCoreServer
        | O::ListAdministrators
        | O::GetAdministrator
        | O::GetVoicemailAgent
        | O::GetRecordingAgent
        | O::GetAsteriskSettings
        | O::ListVoicemailAgentIdentifiers
        | O::ListPbxServers
        | O::GetPbxServer
        | O::ListExtensions
        | O::GetExtension
        | O::GetManagingUser
        | O::ListQueues
        | O::GetQueue
        | O::ListConferenceRooms
        | O::GetConferenceRoom
        | O::ListParkingLots
        | O::GetParkingLot
        | O::ListUsers
        | O::GetUser
        | O::GetContact
        | O::ListEmailAddresses
        | O::GetEmailAddress
        | O::GetPhoneNumber
        | O::ListPhoneNumbers => get,
        O::CreateCoreServer => (r#"{"slug":"default"}"#.into(), 409),
        O::ActivateLicense => (r#""SIM-1234""#.into(), 200),
        O::UpdateCoreServer
        | O::UpdateAdministrator
        | O::UpdateAsteriskSettings
        | O::UpdatePbxServer
        | O::UpdateExtension
        | O::UpdateQueue
        | O::UpdateConferenceRoom
        | O::UpdateParkingLot
        | O::UpdateUserNoHash
        | O::UpdateUser
        | O::UpdateContact => (read_back(api), 200),
        O::PutVoicemailAgent | O::PutRecordingAgent => (
            r#"{"rootPath":"/var/spool/asterisk/voicemail"}"#.into(),
            200,
        ),
        O::DeleteCoreServer
        | O::DeleteAdministrator
        | O::UnbindVoicemailAgent
        | O::DeletePbxServer
        | O::DeleteExtension
        | O::ClearManagingUser
        | O::DeleteQueue
        | O::DeleteConferenceRoom
        | O::DeleteParkingLot
        | O::DeleteUser
        | O::RemoveEmailAddress
        | O::RemovePhoneNumber => delete,
        O::CreateAdministrator => (
            r#"{"userName":"second","password":"x","superUser":false}"#.into(),
            201,
        ),
        O::BindVoicemailAgent => (r#""other""#.into(), 201),
        O::CreatePbxServer => (r#"{"displayName":"second","host":"10.0.0.2"}"#.into(), 201),
        O::CreateExtension => (r#"{"extension":"1102"}"#.into(), 201),
        O::SetManagingUser => (json!({"id": ids::USER}).to_string(), 200),
        O::CreateQueue => (r#"{"identifier":"support"}"#.into(), 201),
        O::CreateConferenceRoom => (r#"{"identifier":"8001"}"#.into(), 201),
        O::CreateParkingLot => (r#"{"identifier":"second"}"#.into(), 201),
        O::CreateUser => (r#"{"username":"kim","password":"k1m"}"#.into(), 201),
        O::AddEmailAddress => (r#"{"type":"Work","address":"sam@example.com"}"#.into(), 201),
        O::AddPhoneNumber => (r#"{"type":"Home","number":"5550111"}"#.into(), 201),
    }
}

/// The four spellings of a path: two bases, with and without a trailing slash.
fn spellings(path: &str) -> [String; 4] {
    [
        format!("{CLIENT}{path}"),
        format!("{CLIENT}{path}/"),
        format!("{DOCUMENTED}{path}"),
        format!("{DOCUMENTED}{path}/"),
    ]
}

#[test]
fn every_method_of_every_resource_answers_under_every_spelling() {
    let mut checked = 0;
    let (mut fixture, cs) = provisioned();
    for &resource in Resource::ALL {
        for &(method, operation, _) in resource.methods() {
            let path = path_of(&mut fixture, &cs, resource);
            for spelled in spellings(&path) {
                // A fresh copy each time: deletes and creates change it.
                let mut api = Api {
                    pbx: fixture.pbx.clone(),
                };
                let (body, status) = good(&mut api, &path, operation);
                let (reply, _) = api.call_at(&spelled, method.as_str(), &body);
                assert_eq!(
                    reply.status,
                    status,
                    "{} {spelled} ({operation:?}) answered {reply:?}",
                    method.as_str()
                );
                if status == 201 {
                    let location = reply.location.clone().expect("a 201 says where");
                    let base = if spelled.starts_with(CLIENT) {
                        CLIENT
                    } else {
                        DOCUMENTED
                    };
                    assert!(location.starts_with(base), "{location} under {base}");
                    if !matches!(operation, Operation::BindVoicemailAgent) {
                        let (again, _) = api.call_at(&location, "GET", "");
                        assert_eq!(
                            again.status, 200,
                            "the created object reads at once: {location}"
                        );
                        assert_eq!(Some(&json_of(&again)), reply.json_body());
                    }
                }
                checked += 1;
            }
        }
    }
    let methods: usize = Resource::ALL.iter().map(|r| r.methods().len()).sum();
    assert_eq!(checked, methods * 4);
    assert!(methods >= 60, "{methods}");
}

#[test]
fn other_methods_are_405_with_the_allowed_ones() {
    let (mut api, cs) = provisioned();
    for &resource in Resource::ALL {
        let path = path_of(&mut api, &cs, resource);
        let allowed: Vec<Method> = resource.methods().iter().map(|(m, _, _)| *m).collect();
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            if Method::parse(method).is_some_and(|m| allowed.contains(&m)) {
                continue;
            }
            let (reply, events) = api.call(method, &path, "{}");
            assert_eq!(reply.status, 405, "{method} {path}: {reply:?}");
            assert_eq!(reply.allow, allowed, "{method} {path}");
            assert!(
                reply
                    .reason()
                    .is_some_and(|r| r.contains(allowed[0].as_str()))
            );
            assert!(events.is_empty());
        }
    }
}

#[test]
fn unknown_objects_are_404_and_the_client_relies_on_it() {
    let (mut api, cs) = provisioned();
    let none = "00000000-0000-4000-8000-000000000000";
    let cases = [
        ("GET", "server/coreServers/getBySlug/nosuch".to_string()),
        ("GET", format!("server/coreServers/{none}/license")),
        (
            "GET",
            format!("server/coreServers/{cs}/license/moduleLicenses/nosuch/properties"),
        ),
        ("PUT", format!("server/administrators/noHash/{none}")),
        ("DELETE", format!("server/administrators/{none}")),
        ("GET", format!("asterisk/{none}")),
        (
            "DELETE",
            format!("asterisk/{cs}/voicemailAgentIdentifiers/nosuch"),
        ),
        ("PUT", format!("asterisk/{cs}/pbxServers/{none}")),
        ("PUT", format!("asterisk/{cs}/extensions/{none}")),
        ("DELETE", format!("asterisk/{cs}/extensions/{none}")),
        ("GET", format!("asterisk/{none}/extensions")),
        ("PUT", format!("asterisk/{cs}/queues/{none}")),
        ("DELETE", format!("asterisk/{cs}/conferenceRooms/{none}")),
        ("DELETE", format!("asterisk/{cs}/parkingLots/{none}")),
        ("PUT", format!("core/{cs}/users/{none}")),
        ("PUT", format!("core/{cs}/users/noHash/{none}")),
        ("DELETE", format!("core/{cs}/users/{none}")),
        ("GET", format!("contact/{cs}/users/{none}")),
        (
            "DELETE",
            format!("contact/{cs}/users/{}/phoneNumbers/{none}", ids::USER),
        ),
    ];
    for (method, path) in cases {
        let body = if method == "PUT" { "{}" } else { "" };
        let reply = api.expect(404, method, &path, body);
        assert!(
            reply
                .reason()
                .is_some_and(|r| !r.is_empty() && !r.contains('\n'))
        );
    }
    // The extension exists but has no managing user yet: 404, then the client sets one.
    api.expect(
        204,
        "DELETE",
        &format!("asterisk/{cs}/extensions/{}/managingUser", ids::EXT),
        "",
    );
    api.expect(
        404,
        "GET",
        &format!("asterisk/{cs}/extensions/{}/managingUser", ids::EXT),
        "",
    );
}

#[test]
fn paths_outside_the_table_are_404_never_another_resource() {
    let (mut api, cs) = provisioned();
    for path in [
        String::new(),
        "server".into(),
        "server/brand/extra".into(),
        format!("asterisk/{cs}/extension"),
        format!("asterisk/{cs}/extensions/{}/managingUsers", ids::EXT),
        format!("core/{cs}"),
        format!("core/{cs}/users/noHash/{}/x", ids::USER),
        "asterisk//extensions".to_string(),
    ] {
        let reply = api.expect(404, "GET", &path, "");
        assert!(
            reply
                .reason()
                .is_some_and(|r| r.contains("no Configuration API resource")),
            "{path}: {reply:?}"
        );
    }
    let (outside, _) = api.call_at(
        "/communication_manager/rest/configs/server/brand",
        "GET",
        "",
    );
    assert_eq!(outside.status, 404);
}

#[test]
fn taken_names_and_ids_are_409() {
    let (mut api, cs) = provisioned();
    let cases = [
        (
            "server/coreServers/".to_string(),
            r#"{"slug":"default"}"#.to_string(),
            "already exists",
        ),
        (
            "server/coreServers/".into(),
            r#"{"slug":"other"}"#.into(),
            "one core server",
        ),
        (
            format!("asterisk/{cs}/extensions/"),
            r#"{"extension":"1101"}"#.into(),
            "extension `1101` already exists",
        ),
        (
            format!("asterisk/{cs}/extensions/"),
            json!({"extension":"1199","id":ids::EXT}).to_string(),
            "already exists",
        ),
        (
            format!("core/{cs}/users/noHash"),
            r#"{"username":"sam"}"#.into(),
            "a user named `sam` already exists",
        ),
        (
            format!("core/{cs}/users/noHash"),
            json!({"username":"kim","id":ids::USER}).to_string(),
            "already exists",
        ),
        (
            format!("asterisk/{cs}/queues/"),
            r#"{"identifier":"sales"}"#.into(),
            "already exists",
        ),
        (
            format!("asterisk/{cs}/conferenceRooms/"),
            r#"{"identifier":"8000"}"#.into(),
            "already exists",
        ),
        (
            format!("asterisk/{cs}/parkingLots/"),
            r#"{"identifier":"default"}"#.into(),
            "already exists",
        ),
        (
            "server/administrators/noHash".into(),
            r#"{"userName":"admin"}"#.into(),
            "already exists",
        ),
        (
            format!("asterisk/{cs}/voicemailAgentIdentifiers/"),
            r#""default""#.into(),
            "already bound",
        ),
    ];
    for (path, body, reason) in cases {
        let before = api.pbx.clone();
        let reply = api.expect(409, "POST", &path, &body);
        assert!(
            reply.reason().is_some_and(|r| r.contains(reason)),
            "{path}: {reply:?}"
        );
        assert_eq!(api.pbx, before, "a refused POST {path} changed nothing");
    }
    // Renaming onto a taken name is a conflict too.
    api.expect(
        201,
        "POST",
        &format!("asterisk/{cs}/extensions/"),
        r#"{"extension":"1102"}"#,
    );
    let other = api.get(&format!("asterisk/{cs}/extensions"))[1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.expect(
        409,
        "PUT",
        &format!("asterisk/{cs}/extensions/{other}"),
        r#"{"extension":"1101"}"#,
    );
}

#[test]
fn every_path_of_the_table_is_documented_in_the_readme_with_its_provenance() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for &resource in Resource::ALL {
        let template = resource.template();
        assert!(
            readme.contains(&format!("`{template}`")),
            "README lacks `{template}`"
        );
        for &(method, _, provenance) in resource.methods() {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{template}` |")))
                .unwrap_or_default();
            let mark = match provenance {
                Provenance::Seen => method.as_str().to_string(),
                Provenance::Ours => format!("{} (ours)", method.as_str()),
            };
            assert!(
                row.contains(&mark),
                "README row of `{template}` lacks {mark}: {row}"
            );
        }
    }
}
