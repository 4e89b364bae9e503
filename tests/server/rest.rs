//! The Live REST API's reads in-process (`warp::test`): every read docs/protocol.md
//! §6.3 marks SEEN, the representations of §6.2, the selector and spelling
//! variants, and the errors every request can get (400, 401, 403, 404, 405, 503).

use isymphony_sim::server::{Credentials, Server, ServerConfig};
use serde_json::{Value, json};

use crate::desk::{self, CS, assert_error, get_json, send};

#[tokio::test]
async fn every_documented_read_answers_200_with_the_spec_representation() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let reference = desk::player();
    let pbx = reference.pbx();
    let ext = &pbx.extensions()["1001"];
    let user = &pbx.users()["alice"];
    let queue = &pbx.queues()["support"];
    let agent = &queue.agents["1001"];
    let extension_json = json!({"id": ext.id, "extensionNumber": "1001", "displayName": "Alice Archer",
        "configurationId": ext.configuration_id, "permissionId": ext.configuration_id});
    let agent_json = json!({"id": agent.id, "paused": false, "state": "NOT_INUSE",
        "name": "Alice Archer", "dynamic": false});

    let reads: Vec<(String, Value)> = vec![
        (
            format!("{CS}/extensions/{}", ext.id),
            extension_json.clone(),
        ),
        (
            format!("{CS}/extensions/getByName/1001"),
            extension_json.clone(),
        ),
        (
            format!("{CS}/user/getByName/alice/extensions"),
            json!([extension_json]),
        ),
        (
            format!("{CS}/users/{}", user.id),
            json!({"id": user.id, "configurationId": user.configuration_id, "userName": "alice",
                "displayedName": "Alice Archer", "permissionId": user.configuration_id}),
        ),
        (
            format!("{CS}/queues/getByName/support"),
            json!({"id": queue.id, "displayName": "Support", "identifier": "support",
                "configurationId": queue.configuration_id, "permissionId": queue.configuration_id}),
        ),
        (
            format!("{CS}/queues/getByName/support/agents"),
            json!([agent_json]),
        ),
        (
            format!("{CS}/queues/{}/agents/{}", queue.id, agent.id),
            agent_json.clone(),
        ),
        (
            format!("{CS}/queues/getByName/support/agent/{}/extension", agent.id),
            extension_json.clone(),
        ),
        (
            format!("{CS}/extensions/getByName/1001/agents"),
            json!([agent_json]),
        ),
        (format!("{CS}/callSegments"), json!([])),
        (
            format!("{CS}/extensions/getByName/1001/callSegments"),
            json!([]),
        ),
        (
            format!("{CS}/queues/getByName/support/callSegments"),
            json!([]),
        ),
        (format!("{CS}/conferences"), json!([])),
    ];
    for (path, expected) in reads {
        assert_eq!(get_json(&server, &path).await, expected, "GET {path}");
    }

    let mut lengths = Vec::new();
    for list in ["extensions", "users", "queues"] {
        let value = get_json(&server, &format!("{CS}/{list}")).await;
        lengths.push(value.as_array().map(Vec::len));
    }
    let bob = get_json(&server, &format!("{CS}/users/getByName/bob")).await;
    assert_eq!(
        lengths,
        [Some(2), Some(2), Some(1)],
        "collections are arrays"
    );
    assert_eq!(bob["userName"], "bob", "an instance is one object");
    let stats = get_json(
        &server,
        &format!(
            "{CS}/queues/getByName/support/agents/{}/statistics",
            agent.id
        ),
    )
    .await;
    assert_eq!(stats["penalty"], 0);
}

#[tokio::test]
async fn ids_and_names_mix_freely_and_singular_spellings_are_accepted() {
    let server = desk::server(ServerConfig::default().with_paused(true));
    let reference = desk::player();
    let pbx = reference.pbx();
    let cs_id = &pbx.core_server().expect("a core server").id;
    let queue_id = &pbx.queues()["support"].id;
    let user_id = &pbx.users()["alice"].id;
    let root = "/communication_manager/rest/live/coreServers";

    let by_ids = get_json(&server, &format!("{root}/{cs_id}/queues/{queue_id}/agents")).await;
    let mixed = get_json(
        &server,
        &format!("{root}/{cs_id}/queue/getByName/support/agent"),
    )
    .await;
    let by_names = get_json(&server, &format!("{CS}/queues/getByName/support/agents/")).await;
    let user_singular = get_json(
        &server,
        &format!("{root}/{cs_id}/user/{user_id}/extensions"),
    )
    .await;
    let user_plural = get_json(&server, &format!("{CS}/users/getByName/alice/extensions")).await;
    let core = get_json(&server, CS).await;

    assert_eq!(by_ids, mixed);
    assert_eq!(by_ids, by_names);
    assert_eq!(user_singular, user_plural);
    assert_eq!(
        core,
        json!({"id": cs_id, "slug": "front desk", "name": "Front desk"})
    );
}

#[tokio::test]
async fn unknown_resources_and_parents_are_404_in_one_line() {
    let server = desk::server(ServerConfig::default());
    let root = "/communication_manager/rest/live/coreServers";
    let cases = [
        (
            format!("{root}/getByName/nowhere/extensions"),
            "core server",
        ),
        (
            format!("{root}/00000000-0000-0000-0000-000000000000/users"),
            "core server",
        ),
        (format!("{CS}/extensions/getByName/4224"), "extension"),
        (format!("{CS}/users/getByName/nobody/extensions"), "user"),
        (format!("{CS}/queues/getByName/sales/agents"), "queue"),
        (format!("{CS}/callSegments/nope"), "call segment"),
        (format!("{CS}/parkingLots"), "no Live API resource"),
        (
            "/communication_manager/rest/config/server/nothing".to_string(),
            "no Configuration API resource",
        ),
        (
            "/communication_manager/rest/nothing".to_string(),
            "Configuration API under",
        ),
    ];
    for (path, needle) in cases {
        let response = send(&server, "GET", &path, "").await;
        assert_error(&response, 404, needle);
    }
}

#[tokio::test]
async fn other_methods_are_405_and_bad_escapes_400() {
    let server = desk::server(ServerConfig::default());

    for method in ["PUT", "DELETE", "PATCH"] {
        let response = send(&server, method, &format!("{CS}/extensions"), "").await;
        assert_error(&response, 405, method);
        assert_eq!(
            response.headers().get("allow").map(|v| v.as_bytes()),
            Some(&b"GET, POST"[..])
        );
    }
    // POST on a resource that reads but has no such action: the method is wrong.
    for path in [
        "extensions",
        "extensions/getByName/1001",
        "users",
        "callSegments",
    ] {
        let response = send(&server, "POST", &format!("{CS}/{path}"), "{}").await;
        assert_error(&response, 405, "POST");
        assert_eq!(
            response.headers().get("allow").map(|v| v.as_bytes()),
            Some(&b"GET"[..]),
            "POST {path}"
        );
    }
    // An unknown path stays 404 whatever the method.
    let response = send(&server, "POST", &format!("{CS}/parkingLots"), "{}").await;
    assert_error(&response, 404, "no Live API resource");
    let response = send(
        &server,
        "GET",
        &format!("{CS}/extensions/getByName/%zz"),
        "",
    )
    .await;
    assert_error(&response, 400, "percent-encoding");
}

#[tokio::test]
async fn without_a_scenario_the_live_api_is_503() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let response = send(&server, "GET", &format!("{CS}/extensions"), "").await;

    assert_error(&response, 503, "no scenario is playing");
}

#[tokio::test]
async fn rest_and_control_requests_are_admitted_like_the_websocket() {
    let server = desk::server(ServerConfig::default());
    let stranger = std::net::SocketAddr::from(([192, 0, 2, 1], 40000));
    for path in [
        format!("{CS}/extensions"),
        format!("{CS}/nothing"),
        "/sim/status".into(),
    ] {
        let anonymous = warp::test::request()
            .path(&path)
            .remote_addr(desk::loopback())
            .reply(&server.routes())
            .await;
        let wrong = warp::test::request()
            .path(&path)
            .remote_addr(desk::loopback())
            .header(
                "authorization",
                Credentials::new("manager", "guess").basic_header(),
            )
            .reply(&server.routes())
            .await;
        let far = desk::request("GET", &path)
            .remote_addr(stranger)
            .reply(&server.routes())
            .await;

        assert_error(&anonymous, 401, "HTTP Basic");
        assert_eq!(
            anonymous
                .headers()
                .get("www-authenticate")
                .map(|v| v.as_bytes()),
            Some(&b"Basic realm=\"iSymphony\""[..]),
            "{path}"
        );
        assert_error(&wrong, 403, "wrong username or password");
        assert_error(&far, 403, "192.0.2.1");
    }
    let counted = server.stats().snapshot();
    // The 401s are held as possible challenges until their window runs out.
    assert_eq!(
        (
            counted.challenges_held,
            counted.refused_no_credentials,
            counted.refused_wrong_credentials,
            counted.refused_address
        ),
        (3, 0, 3, 3)
    );
}
