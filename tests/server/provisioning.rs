//! The Configuration API end to end, over real sockets: the FreePBX-style sync
//! (`sync_client`) run twice against `serve --empty` with a scenario whose steps
//! name the objects the sync creates. The first run creates everything, the
//! second only reads; then the Live API shows what was provisioned, with the
//! client's ids, and a filtered websocket gets the provisioned user's login.

use isymphony_sim::model::Directory;
use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, Scenario};
use isymphony_sim::server::ServerConfig;
use serde_json::Value;

use crate::harness::TestServer;
use crate::http_client::send;
use crate::sync_client::{Desired, Extension, Place, Sync, User};

/// Traffic over what the sync provisions: user 1101 logs in at 1m, its
/// extension joins queue 400 at 2m.
const TRAFFIC: &str = r#"
[scenario]
name = "provisioned office"
length = "1h"
provisioned = true

[[steps]]
at = "1m"
action = "login"
user = "1101"
ip = "10.0.0.31"
port = 50123

[[steps]]
at = "2m"
action = "agent_login"
queue = "400"
extension = "1101"
"#;

const USER_1101: &str = "6f1c2d3e-0001-4a5b-8c7d-000000001101";
const EXT_1101: &str = "6f1c2d3e-0002-4a5b-8c7d-000000001101";
const QUEUE_400: &str = "6f1c2d3e-0003-4a5b-8c7d-000000000400";

fn desired() -> Desired {
    Desired {
        slug: "default",
        admin: ("6f1c2d3e-0004-4a5b-8c7d-0000000000ad", "admin", "4f1a3c"),
        extensions: vec![
            Extension {
                id: EXT_1101,
                number: "1101",
                name: "Sam Smith",
            },
            Extension {
                id: "6f1c2d3e-0002-4a5b-8c7d-000000001102",
                number: "1102",
                name: "Kim Lee",
            },
        ],
        users: vec![
            User {
                id: USER_1101,
                username: "1101",
                password: "7c4a8d09ca3762af61e59520943dc26494f8941b",
                full: true,
                first: "Sam",
                last: "Smith",
                email: "sam@example.com",
                phones: vec![("Cell", "5550101")],
                manages: vec!["1101"],
            },
            User {
                id: "6f1c2d3e-0001-4a5b-8c7d-000000001102",
                username: "1102",
                password: "k1m",
                full: false,
                first: "Kim",
                last: "Lee",
                email: "kim@example.com",
                phones: vec![("Work", "5550102"), ("Cell", "5550112")],
                manages: vec!["1102"],
            },
        ],
        queues: vec![Place {
            id: QUEUE_400,
            identifier: "400",
            name: "Sales",
        }],
        rooms: vec![Place {
            id: "6f1c2d3e-0005-4a5b-8c7d-000000008000",
            identifier: "8000",
            name: "Weekly",
        }],
        parking_extension: "70",
    }
}

async fn provisioned_server() -> TestServer {
    let scenario = Scenario::from_toml(TRAFFIC, "traffic.toml").expect("a valid scenario");
    let player = Player::with_directory(
        scenario,
        Directory::empty(),
        11,
        1_700_000_000_000,
        Profile::Standard,
        true,
    )
    .expect("an empty directory");
    TestServer::start_with_feed(ServerConfig::default().with_paused(true), player).await
}

async fn live(server: &TestServer, path: &str) -> Value {
    let reply = send(
        server.addr,
        "GET",
        &format!("/communication_manager/rest/live/coreServers/getByName/default/{path}"),
        "",
    )
    .await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.json()
}

#[tokio::test]
async fn the_sync_creates_everything_once_then_only_reads_and_traffic_uses_it() {
    let server = provisioned_server().await;
    let want = desired();

    let mut first = Sync::new(server.addr);
    first.run(&want).await;
    let writes: Vec<&String> = first
        .sent
        .iter()
        .filter(|r| !r.starts_with("GET "))
        .collect();
    let created = |prefix: &str, suffix: &str| {
        writes
            .iter()
            .filter(|r| r.starts_with(prefix) && r.ends_with(suffix))
            .count()
    };
    assert_eq!(created("POST server/coreServers", "/"), 1, "{writes:#?}");
    assert_eq!(created("POST asterisk/", "/extensions/"), 2, "{writes:#?}");
    assert_eq!(created("POST core/", "/users/noHash"), 2, "{writes:#?}");
    assert_eq!(created("POST asterisk/", "/managingUser"), 2, "{writes:#?}");
    assert_eq!(created("POST asterisk/", "/queues/"), 1, "{writes:#?}");
    assert_eq!(
        created("POST asterisk/", "/conferenceRooms/"),
        1,
        "{writes:#?}"
    );
    assert_eq!(created("POST asterisk/", "/parkingLots/"), 1, "{writes:#?}");
    assert_eq!(created("POST contact/", "/phoneNumbers"), 3, "{writes:#?}");
    assert_eq!(
        created("POST contact/", "/emailAddresses"),
        2,
        "{writes:#?}"
    );
    assert_eq!(created("PUT contact/", ""), 2, "{writes:#?}");
    assert_eq!(created("POST server/administrators/noHash", ""), 1);
    assert_eq!(created("PUT asterisk/voicemailAgents/", "default"), 1);
    assert_eq!(created("PUT asterisk/recordingAgents/", "default"), 1);
    assert_eq!(created("POST asterisk/", "/pbxServers"), 1);

    let mut second = Sync::new(server.addr);
    second.run(&want).await;
    let changed: Vec<&String> = second
        .sent
        .iter()
        .filter(|r| !r.starts_with("GET "))
        .collect();
    assert!(
        changed.is_empty(),
        "the second sync found differences: {changed:#?}"
    );
    assert!(
        second.sent.len() > 20,
        "it read everything again: {:?}",
        second.sent
    );

    // The Live API shows the provisioned objects with the client's ids.
    let user = live(&server, "users/getByName/1101").await;
    assert_eq!(user["id"], USER_1101);
    assert_eq!(user["displayedName"], "Sam Smith");
    let ext = live(&server, "extensions/getByName/1101").await;
    assert_eq!(ext["id"], EXT_1101);
    assert_eq!(ext["displayName"], "Sam Smith");
    let queue = live(&server, "queues/getByName/400").await;
    assert_eq!(queue["id"], QUEUE_400);
    assert_eq!(queue["displayName"], "Sales");
    let extensions = live(&server, "extensions").await;
    let numbers: Vec<&str> = extensions
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensionNumber"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        ["1101"],
        "1102's user is not full: its extension is hidden (§6.1)"
    );

    // A filtered websocket: the provisioned user's login, with its provisioned id.
    let mut logins = server.connect().await;
    let (_, reply) = logins
        .set_filters(r#"[{"property":"type","value":"userLogin"}]"#)
        .await;
    assert_eq!(reply["success"], true, "{reply}");
    let mut sams = server.connect().await;
    let (_, reply) = sams
        .set_filters(r#"[{"property":"username","value":"1101"}]"#)
        .await;
    assert_eq!(reply["success"], true, "{reply}");
    let step = send(server.addr, "POST", "/sim/step", "").await;
    assert_eq!(step.status, 200, "{}", step.body);
    let step = send(server.addr, "POST", "/sim/step", "").await;
    assert_eq!(step.status, 200, "{}", step.body);

    let events = logins.window().await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["type"], "userLogin");
    assert_eq!(events[0]["userId"], USER_1101);
    assert_eq!(events[0]["username"], "1101");
    assert_eq!(events[0]["ip"], "10.0.0.31");

    let events = sams.window().await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["userLogin", "agentLogin"], "{events:#?}");
    assert_eq!(events[1]["queueId"], QUEUE_400);
    assert_eq!(events[1]["extensionId"], EXT_1101);
    assert_eq!(events[1]["userId"], USER_1101);
    let agents = live(&server, "queues/getByName/400/agents").await;
    assert_eq!(agents[0]["id"], events[1]["agentId"]);

    server.shut_down([logins, sams]).await;
}

#[tokio::test]
async fn deleting_a_provisioned_extension_in_a_call_ends_the_call_on_the_websocket() {
    let server = provisioned_server().await;
    Sync::new(server.addr).run(&desired()).await;
    let mut client = server.connect().await;
    let (_, reply) = client
        .set_filters(
            r#"[{"property":"type","value":"linkEnd"},{"property":"type","value":"hangup"}]"#,
        )
        .await;
    assert_eq!(reply["success"], true, "{reply}");
    let call = send(
        server.addr,
        "POST",
        "/communication_manager/rest/live/coreServers/getByName/default/extensions/getByName/1101/originate",
        r#"{"destination":"5550199"}"#,
    )
    .await;
    assert_eq!(call.status, 204, "{}", call.body);
    let cs = send(
        server.addr,
        "GET",
        "/communication_manager/api/resource/server/coreServers/getBySlug/default",
        "",
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let gone = send(
        server.addr,
        "DELETE",
        &format!("/communication_manager/api/resource/asterisk/{cs}/extensions/{EXT_1101}"),
        "",
    )
    .await;
    assert_eq!(gone.status, 204, "{}", gone.body);

    let events = client.window().await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["hangup", "hangup"],
        "a ringing call ends with both hangups: {events:#?}"
    );
    assert_eq!(events[0]["extensionId"], EXT_1101);
    let segments = send(
        server.addr,
        "GET",
        "/communication_manager/rest/live/coreServers/getByName/default/callSegments",
        "",
    )
    .await
    .json();
    assert_eq!(segments, serde_json::json!([]));
    server.shut_down([client]).await;
}

#[tokio::test]
async fn over_the_socket_big_bodies_are_413_and_long_fields_422_changing_nothing() {
    let server = provisioned_server().await;
    let base = "/communication_manager/api/resource";
    let post = |body: String| {
        let addr = server.addr;
        async move { send(addr, "POST", &format!("{base}/server/coreServers/"), &body).await }
    };

    let too_big = post(format!(r#"{{"slug":"{}"}}"#, "x".repeat(1 << 20))).await;
    let too_long = post(format!(r#"{{"slug":"{}"}}"#, "x".repeat(1_000_000))).await;
    let not_json = post("{\"slug\":".to_string()).await;
    let wrong = post(r#"{"slug":"default","brokerPort":"not a port"}"#.to_string()).await;
    let nothing = send(
        server.addr,
        "GET",
        &format!("{base}/server/coreServers"),
        "",
    )
    .await;

    assert_eq!(too_big.status, 413, "{}", too_big.body);
    assert_eq!(too_long.status, 422, "{:.200}", too_long.body);
    assert!(
        too_long.body.contains("field `slug` is 1000000 bytes long"),
        "{:.200}",
        too_long.body
    );
    assert_eq!(not_json.status, 400, "{}", not_json.body);
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("field `brokerPort`"), "{}", wrong.body);
    for reply in [&too_big, &too_long, &not_json, &wrong] {
        assert_eq!(
            reply.body.trim_end().lines().count(),
            1,
            "one line: {:.200}",
            reply.body
        );
    }
    assert_eq!(nothing.json(), serde_json::json!([]), "nothing was created");
}

#[tokio::test]
async fn a_reset_starts_the_traffic_over_and_keeps_what_was_provisioned() {
    let server = provisioned_server().await;
    Sync::new(server.addr).run(&desired()).await;
    let before = live(&server, "users/getByName/1101").await;

    let reset = send(server.addr, "POST", "/sim/reset", "").await;

    assert_eq!(reset.status, 200, "{}", reset.body);
    assert_eq!(live(&server, "users/getByName/1101").await, before);
    assert_eq!(live(&server, "queues/getByName/400").await["id"], QUEUE_400);
    let mut again = Sync::new(server.addr);
    again.run(&desired()).await;
    assert!(
        again.sent.iter().all(|r| r.starts_with("GET ")),
        "nothing to write after a reset: {:?}",
        again.sent
    );
}
