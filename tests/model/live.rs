//! The Live API's read side and action resolution over the model.

use isymphony_sim::model::LiveError;
use serde_json::{Value, json};

use super::*;

fn get(pbx: &Pbx, path: &str) -> Result<Value, LiveError> {
    let segments: Vec<&str> = path.split('/').collect();
    pbx.live_get(&segments)
}

fn action(pbx: &Pbx, path: &str, body: &str) -> Result<Command, LiveError> {
    let segments: Vec<&str> = path.split('/').collect();
    pbx.live_action(&segments, body.as_bytes())
        .map(|command| command.expect("an action with something to do"))
}

fn busy_pbx() -> Pbx {
    let mut pbx = pbx();
    apply(
        &mut pbx,
        Command::AgentLogin {
            queue: "support".into(),
            extension: "1001".into(),
        },
    );
    apply(
        &mut pbx,
        outside("in1", Destination::Queue("support".into())),
    );
    pbx
}

#[test]
fn extensions_list_only_licensed_ones_with_the_documented_shape() {
    let pbx = pbx();
    let list = get(&pbx, "coreServers/getByName/default/extensions").unwrap();
    let numbers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensionNumber"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        ["1001", "1002"],
        "basic user's and unbound extensions are hidden"
    );
    let ext = &pbx.extensions()["1001"];
    assert_eq!(
        list[0],
        json!({"id": ext.id, "extensionNumber": "1001", "displayName": "Dana Q",
               "configurationId": ext.configuration_id, "permissionId": ext.configuration_id})
    );
}

#[test]
fn ids_and_names_mix_freely_and_singular_spellings_work() {
    let pbx = pbx();
    let cs = pbx.core_server().expect("a core server").id.clone();
    let dana = pbx.users()["dana"].id.clone();
    let by_name = get(&pbx, "coreServers/getByName/default/users/getByName/dana").unwrap();
    let by_id = get(&pbx, &format!("coreServers/{cs}/users/{dana}")).unwrap();
    assert_eq!(by_name, by_id);
    assert_eq!(by_name["userName"], "dana");
    assert_eq!(by_name["displayedName"], "Dana Q");
    let exts = get(
        &pbx,
        &format!("coreServers/{cs}/user/getByName/dana/extensions"),
    )
    .unwrap();
    assert_eq!(exts[0]["extensionNumber"], "1001");
}

#[test]
fn unknown_resources_and_parents_are_not_found() {
    let pbx = pbx();
    for path in [
        "coreServers/getByName/other/users",
        "coreServers/getByName/default/users/getByName/nobody",
        "coreServers/getByName/default/queues/getByName/closed",
        "coreServers/getByName/default/extensions/getByName/2000",
        "coreServers/getByName/default/callSegments/123",
        "coreServers/getByName/default/parkingLots",
        "calls",
    ] {
        assert!(
            matches!(get(&pbx, path), Err(LiveError::NotFound(_))),
            "{path}"
        );
    }
    let err = get(&pbx, "coreServers/getByName/default/users/getByName/nobody").unwrap_err();
    assert_eq!(err.to_string(), "no user with name `nobody`");
}

#[test]
fn agents_segments_and_statistics_reflect_the_model() {
    let pbx = busy_pbx();
    let agents = get(
        &pbx,
        "coreServers/getByName/default/queues/getByName/support/agents",
    )
    .unwrap();
    let agent = &pbx.queues()["support"].agents["1001"];
    assert_eq!(
        agents,
        json!([{"id": agent.id, "paused": false, "state": "NOT_INUSE", "name": "Dana Q", "dynamic": true}])
    );
    let waiting = get(
        &pbx,
        "coreServers/getByName/default/queues/getByName/support/callSegments",
    )
    .unwrap();
    assert_eq!(waiting[0]["type"], "EXTERNAL");
    assert_eq!(waiting[0]["callerId"]["name"], "ACME Corp");
    assert_eq!(waiting[0]["did"], "5550100");
    let ext_of_agent = get(
        &pbx,
        &format!(
            "coreServers/getByName/default/queues/getByName/support/agent/{}/extension",
            agent.id
        ),
    )
    .unwrap();
    assert_eq!(ext_of_agent["extensionNumber"], "1001");
    let stats = get(
        &pbx,
        &format!(
            "coreServers/getByName/default/extensions/getByName/1001/agents/{}/statistics",
            agent.id
        ),
    )
    .unwrap();
    assert_eq!(stats["callsTaken"], 0);
    let rooms = get(&pbx, "coreServers/getByName/default/conferences").unwrap();
    assert_eq!(rooms[0]["identifier"], "weekly");
    assert_eq!(rooms[0]["dialString"], "8000");
}

#[test]
fn actions_resolve_to_model_commands() {
    let pbx = busy_pbx();
    let agent_id = pbx.queues()["support"].agents["1001"].id.clone();
    let base = "coreServers/getByName/default";
    assert_eq!(
        action(
            &pbx,
            &format!("{base}/extensions/getByName/1002/originate"),
            r#"{"destination":"1001"}"#
        )
        .unwrap(),
        Command::Dial {
            call: "rest-1".into(),
            from: Party::Extension("1002".into()),
            to: Destination::Extension("1001".into()),
        }
    );
    assert_eq!(
        action(
            &pbx,
            &format!("{base}/extensions/getByName/1002/dnd"),
            r#"{"enabled":true}"#
        )
        .unwrap(),
        Command::SetDnd {
            extension: "1002".into(),
            on: true
        }
    );
    assert_eq!(
        action(
            &pbx,
            &format!("{base}/queues/getByName/support/login"),
            r#"{"extension":"1002"}"#
        )
        .unwrap(),
        Command::AgentLogin {
            queue: "support".into(),
            extension: "1002".into()
        }
    );
    assert_eq!(
        action(
            &pbx,
            &format!("{base}/queues/getByName/support/agents/{agent_id}/penalty"),
            r#"{"penalty":3}"#
        )
        .unwrap(),
        Command::AgentPenalty {
            queue: "support".into(),
            extension: "1001".into(),
            penalty: 3
        }
    );
    assert_eq!(
        action(
            &pbx,
            &format!("{base}/queues/getByName/support/agents/{agent_id}/pause"),
            ""
        )
        .unwrap(),
        Command::AgentPause {
            queue: "support".into(),
            extension: "1001".into(),
            paused: true
        }
    );
    let seg = pbx.call("in1").unwrap().caller.clone();
    assert_eq!(
        action(
            &pbx,
            &format!("{base}/callSegments/{seg}/transfer"),
            r#"{"destination":"1002"}"#
        )
        .unwrap(),
        Command::Transfer {
            call: "in1".into(),
            to: "1002".into()
        }
    );
}

#[test]
fn bad_action_bodies_and_targets_are_told_apart() {
    let pbx = busy_pbx();
    let base = "coreServers/getByName/default";
    let err = action(
        &pbx,
        &format!("{base}/extensions/getByName/1002/originate"),
        "{not json",
    )
    .unwrap_err();
    assert!(matches!(err, LiveError::InvalidBody(_)), "{err}");
    let err = action(
        &pbx,
        &format!("{base}/extensions/getByName/1002/dnd"),
        r#"{"enabled":"yes"}"#,
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "expected a body like {\"enabled\": true}");
    let err = action(&pbx, &format!("{base}/extensions/getByName/9999/dndOn"), "").unwrap_err();
    assert!(matches!(err, LiveError::NotFound(_)), "{err}");
    let err = action(
        &pbx,
        &format!("{base}/extensions/getByName/1002/explode"),
        "",
    )
    .unwrap_err();
    assert!(matches!(err, LiveError::NotFound(_)), "{err}");
}
