//! The Configuration API and the Live API are two views of one model: what one
//! shows, the other shows too (within the licensing rules of §4 and §6.1), after
//! any sequence of creates, updates and deletes, with calls and logins going on.

use std::collections::BTreeMap;

use isymphony_sim::model::{Command, Destination, Party};
use proptest::prelude::*;

use super::*;

/// Checks that both views show the same users, extensions, queues and rooms.
fn views_agree(api: &mut Api, cs: &str) {
    let live = |api: &Api, what: &str| -> Vec<Value> {
        match api.live(&format!("coreServers/{cs}/{what}")) {
            Some(Value::Array(items)) => items,
            other => panic!("live {what}: {other:?}"),
        }
    };
    let by = |items: Vec<Value>, key: &str| -> BTreeMap<String, Value> {
        items
            .into_iter()
            .map(|i| (i[key].as_str().unwrap_or_default().to_string(), i))
            .collect()
    };

    let users = by(
        api.get(&format!("core/{cs}/users"))
            .as_array()
            .cloned()
            .unwrap_or_default(),
        "id",
    );
    let live_users = by(live(api, "users"), "configurationId");
    assert_eq!(
        users.keys().collect::<Vec<_>>(),
        live_users.keys().collect::<Vec<_>>(),
        "user ids"
    );
    for (id, user) in &users {
        let shown = &live_users[id];
        assert_eq!(shown["id"], *id, "a created user's live id is its id");
        assert_eq!(shown["userName"], user["username"]);
        let contact = api.get(&format!("contact/{cs}/users/{id}"));
        let names = format!(
            "{} {}",
            contact["firstName"].as_str().unwrap(),
            contact["lastName"].as_str().unwrap()
        );
        let expected = match names.trim() {
            "" => user["username"].as_str().unwrap().to_string(),
            _ if contact["lastName"] == "" => contact["firstName"].as_str().unwrap().to_string(),
            _ => names.clone(),
        };
        assert_eq!(shown["displayedName"], expected.as_str());
    }

    let extensions = api
        .get(&format!("asterisk/{cs}/extensions"))
        .as_array()
        .cloned()
        .unwrap_or_default();
    let live_extensions = by(live(api, "extensions"), "configurationId");
    let mut licensed = Vec::new();
    for ext in &extensions {
        let id = ext["id"].as_str().unwrap();
        let (reply, _) = api.call(
            "GET",
            &format!("asterisk/{cs}/extensions/{id}/managingUser"),
            "",
        );
        let full = reply.status == 200 && json_of(&reply)["full"] == true;
        if full {
            licensed.push(id.to_string());
            let shown = &live_extensions[id];
            assert_eq!(shown["extensionNumber"], ext["extension"]);
            assert_eq!(shown["displayName"], ext["displayName"]);
        }
    }
    assert_eq!(
        live_extensions.keys().cloned().collect::<Vec<_>>(),
        {
            licensed.sort();
            licensed
        },
        "the Live API shows exactly the extensions managed by full users"
    );

    let queues = api
        .get(&format!("asterisk/{cs}/queues"))
        .as_array()
        .cloned()
        .unwrap_or_default();
    let live_queues = by(live(api, "queues"), "configurationId");
    let enabled: Vec<String> = queues
        .iter()
        .filter(|q| q["enabled"] == true)
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        live_queues.keys().cloned().collect::<Vec<_>>(),
        {
            let mut e = enabled;
            e.sort();
            e
        },
        "enabled queues"
    );
    for q in &queues {
        if let Some(shown) = live_queues.get(q["id"].as_str().unwrap()) {
            assert_eq!(shown["identifier"], q["identifier"]);
            assert_eq!(shown["displayName"], q["displayName"]);
        }
    }

    let rooms = by(
        api.get(&format!("asterisk/{cs}/conferenceRooms"))
            .as_array()
            .cloned()
            .unwrap_or_default(),
        "id",
    );
    let live_rooms = by(live(api, "conferences"), "configurationId");
    assert_eq!(
        rooms.keys().collect::<Vec<_>>(),
        live_rooms.keys().collect::<Vec<_>>(),
        "rooms"
    );
    for (id, room) in &rooms {
        assert_eq!(live_rooms[id]["dialString"], room["destinationExtension"]);
        assert_eq!(live_rooms[id]["displayName"], room["name"]);
    }
}

fn fresh() -> (Api, String) {
    let mut api = Api::empty();
    api.expect(201, "POST", "server/coreServers/", r#"{"slug":"default"}"#);
    let cs = api.get("server/coreServers/getBySlug/default")["id"]
        .as_str()
        .unwrap()
        .to_string();
    (api, cs)
}

/// One random step: a Configuration API request or some live activity.
#[derive(Debug, Clone)]
enum Step {
    CreateExtension(u8),
    RenumberExtension(u8, u8),
    DeleteExtension(u8),
    CreateUser(u8, bool),
    UpdateUser(u8, u8, bool, bool),
    DeleteUser(u8),
    Manage(u8, u8),
    Unmanage(u8),
    Contact(u8, u8),
    CreateQueue(u8),
    UpdateQueue(u8, bool),
    DeleteQueue(u8),
    CreateRoom(u8),
    DeleteRoom(u8),
    Login(u8),
    AgentLogin(u8, u8),
    Dial(u8, u8),
    Answer(u8),
    JoinRoom(u8, u8),
}

fn step() -> impl Strategy<Value = Step> {
    let n = 0u8..4;
    prop_oneof![
        n.clone().prop_map(Step::CreateExtension),
        (n.clone(), n.clone()).prop_map(|(a, b)| Step::RenumberExtension(a, b)),
        n.clone().prop_map(Step::DeleteExtension),
        (n.clone(), any::<bool>()).prop_map(|(a, f)| Step::CreateUser(a, f)),
        (n.clone(), n.clone(), any::<bool>(), any::<bool>())
            .prop_map(|(a, b, f, e)| Step::UpdateUser(a, b, f, e)),
        n.clone().prop_map(Step::DeleteUser),
        (n.clone(), n.clone()).prop_map(|(a, b)| Step::Manage(a, b)),
        n.clone().prop_map(Step::Unmanage),
        (n.clone(), n.clone()).prop_map(|(a, b)| Step::Contact(a, b)),
        n.clone().prop_map(Step::CreateQueue),
        (n.clone(), any::<bool>()).prop_map(|(a, e)| Step::UpdateQueue(a, e)),
        n.clone().prop_map(Step::DeleteQueue),
        n.clone().prop_map(Step::CreateRoom),
        n.clone().prop_map(Step::DeleteRoom),
        n.clone().prop_map(Step::Login),
        (n.clone(), n.clone()).prop_map(|(a, b)| Step::AgentLogin(a, b)),
        (n.clone(), n.clone()).prop_map(|(a, b)| Step::Dial(a, b)),
        n.clone().prop_map(Step::Answer),
        (n.clone(), n).prop_map(|(a, b)| Step::JoinRoom(a, b)),
    ]
}

fn ext_id(i: u8) -> String {
    format!("ext-{i}")
}
fn user_id(i: u8) -> String {
    format!("user-{i}")
}
fn queue_id(i: u8) -> String {
    format!("queue-{i}")
}
fn room_id(i: u8) -> String {
    format!("room-{i}")
}

/// Runs a step; the statuses a client can get (never a 5xx, never a panic).
fn run(api: &mut Api, cs: &str, step: &Step) {
    let (method, path, body) = match step {
        Step::CreateExtension(i) => (
            "POST",
            format!("asterisk/{cs}/extensions/"),
            json!({"id": ext_id(*i), "extension": format!("11{i:02}"), "displayName": format!("Phone {i}")}),
        ),
        Step::RenumberExtension(i, n) => (
            "PUT",
            format!("asterisk/{cs}/extensions/{}", ext_id(*i)),
            json!({"extension": format!("12{n:02}")}),
        ),
        Step::DeleteExtension(i) => (
            "DELETE",
            format!("asterisk/{cs}/extensions/{}", ext_id(*i)),
            Value::Null,
        ),
        Step::CreateUser(i, full) => (
            "POST",
            format!("core/{cs}/users/noHash"),
            json!({"id": user_id(*i), "username": format!("user{i}"), "password": "pw", "full": full}),
        ),
        Step::UpdateUser(i, n, full, enabled) => (
            "PUT",
            format!("core/{cs}/users/noHash/{}", user_id(*i)),
            json!({"username": format!("user{n}"), "full": full, "enabled": enabled}),
        ),
        Step::DeleteUser(i) => (
            "DELETE",
            format!("core/{cs}/users/{}", user_id(*i)),
            Value::Null,
        ),
        Step::Manage(e, u) => (
            "POST",
            format!("asterisk/{cs}/extensions/{}/managingUser", ext_id(*e)),
            json!({"id": user_id(*u)}),
        ),
        Step::Unmanage(e) => (
            "DELETE",
            format!("asterisk/{cs}/extensions/{}/managingUser", ext_id(*e)),
            Value::Null,
        ),
        Step::Contact(u, n) => (
            "PUT",
            format!("contact/{cs}/users/{}", user_id(*u)),
            json!({"firstName": format!("First{n}"), "lastName": if *n % 2 == 0 { "" } else { "Last" }}),
        ),
        Step::CreateQueue(i) => (
            "POST",
            format!("asterisk/{cs}/queues/"),
            json!({"id": queue_id(*i), "identifier": format!("q{i}")}),
        ),
        Step::UpdateQueue(i, enabled) => (
            "PUT",
            format!("asterisk/{cs}/queues/{}", queue_id(*i)),
            json!({"enabled": enabled, "displayName": format!("Queue {enabled}")}),
        ),
        Step::DeleteQueue(i) => (
            "DELETE",
            format!("asterisk/{cs}/queues/{}", queue_id(*i)),
            Value::Null,
        ),
        Step::CreateRoom(i) => (
            "POST",
            format!("asterisk/{cs}/conferenceRooms/"),
            json!({"id": room_id(*i), "identifier": format!("r{i}"), "destinationExtension": format!("80{i:02}")}),
        ),
        Step::DeleteRoom(i) => (
            "DELETE",
            format!("asterisk/{cs}/conferenceRooms/{}", room_id(*i)),
            Value::Null,
        ),
        Step::Login(u) => {
            return live(
                api,
                Command::UserLogin {
                    user: format!("user{u}"),
                    ip: "10.0.0.1".into(),
                    port: 5000,
                },
            );
        }
        Step::AgentLogin(q, e) => {
            return live(
                api,
                Command::AgentLogin {
                    queue: format!("q{q}"),
                    extension: number_of(api, *e),
                },
            );
        }
        Step::Dial(a, b) => {
            return live(
                api,
                Command::Dial {
                    call: format!("c{a}{b}"),
                    from: Party::Extension(number_of(api, *a)),
                    to: Destination::Extension(number_of(api, *b)),
                },
            );
        }
        Step::Answer(a) => {
            let calls = api.pbx.active_calls();
            let Some(call) = calls.get(usize::from(*a) % calls.len().max(1)) else {
                return;
            };
            return live(
                api,
                Command::Answer {
                    call: call.clone(),
                    by: None,
                },
            );
        }
        Step::JoinRoom(e, r) => {
            return live(
                api,
                Command::Dial {
                    call: format!("room{e}{r}"),
                    from: Party::Extension(number_of(api, *e)),
                    to: Destination::Conference(format!("r{r}")),
                },
            );
        }
    };
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let (reply, _) = api.call(method, &path, &body);
    assert!(
        [200, 201, 204, 404, 409, 422].contains(&reply.status),
        "{method} {path} {body}: {reply:?}"
    );
}

/// The current number of extension `i`, if it exists.
fn number_of(api: &Api, i: u8) -> String {
    let id = ext_id(i);
    api.pbx
        .extensions()
        .values()
        .find(|e| e.configuration_id == id)
        .map_or_else(|| format!("11{i:02}"), |e| e.number.clone())
}

/// Live activity; the model may refuse it (nothing then changes).
fn live(api: &mut Api, command: Command) {
    let _ = api.pbx.apply(&command);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_changes_keep_both_views_equal(steps in proptest::collection::vec(step(), 1..40)) {
        let (mut api, cs) = fresh();
        for step in &steps {
            run(&mut api, &cs, step);
            views_agree(&mut api, &cs);
        }
        // Whatever happened, the saved directory rebuilds a model with the same views.
        let saved = api.pbx.directory();
        let rebuilt = Pbx::new(saved.clone(), 9, Profile::Standard).expect("a saved directory loads");
        prop_assert_eq!(rebuilt.directory(), saved);
    }
}

#[test]
fn the_fixture_shows_the_same_in_both_views() {
    let (mut api, cs) = provisioned();
    views_agree(&mut api, &cs);
    let user = api
        .live("coreServers/getByName/default/users/getByName/sam")
        .expect("sam");
    assert_eq!(user["id"], ids::USER);
    let ext = api
        .live("coreServers/getByName/default/extensions/getByName/1101")
        .expect("1101");
    assert_eq!(ext["id"], ids::EXT);
    let queue = api
        .live("coreServers/getByName/default/queues/getByName/sales")
        .expect("sales");
    assert_eq!(queue["id"], ids::QUEUE);
    let room = api
        .live(&format!("coreServers/{cs}/conferences/{}", ids::ROOM))
        .expect("room");
    assert_eq!(room["dialString"], "8000");
}

#[test]
fn a_deleted_object_is_gone_from_both_views() {
    let (mut api, cs) = provisioned();
    api.expect(204, "DELETE", &format!("core/{cs}/users/{}", ids::USER), "");
    api.expect(
        204,
        "DELETE",
        &format!("asterisk/{cs}/queues/{}", ids::QUEUE),
        "",
    );
    assert!(
        api.live("coreServers/getByName/default/users/getByName/sam")
            .is_none()
    );
    assert!(
        api.live("coreServers/getByName/default/queues/getByName/sales")
            .is_none()
    );
    assert!(
        api.live("coreServers/getByName/default/extensions/getByName/1101")
            .is_none(),
        "unmanaged now"
    );
    api.expect(404, "GET", &format!("core/{cs}/users/{}", ids::USER), "");
    views_agree(&mut api, &cs);
}
