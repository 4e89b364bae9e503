//! Bad bodies for every operation that takes one: not JSON (400), and JSON that
//! is wrong (422: wrong types, unknown fields, missing fields, 1 MiB strings),
//! each with a one-line reason naming the field, and nothing changed.

use isymphony_sim::provisioning::{Method, Operation, Resource};

use super::routes::{good, path_of};
use super::*;

/// Sends `body` and checks the status, that the reason names `needle`, and that
/// the model is as it was.
fn refused(api: &mut Api, method: Method, path: &str, body: &str, status: u16, needle: &str) {
    let before = api.pbx.clone();
    let (reply, events) = api.call(method.as_str(), path, body);
    assert_eq!(
        reply.status,
        status,
        "{} {path} {body:.120}: {reply:?}",
        method.as_str()
    );
    let reason = reply.reason().unwrap_or_default();
    assert!(
        reason.contains(needle),
        "{} {path} {body:.120}: `{reason}` lacks `{needle}`",
        method.as_str()
    );
    assert!(
        !reason.contains('\n') && reason.len() < 2048,
        "one short line: {reason:.200}"
    );
    assert!(events.is_empty());
    assert_eq!(
        api.pbx,
        before,
        "a refused {} {path} changed the model",
        method.as_str()
    );
}

/// A value of another JSON type than `value`'s.
fn wrong_type(value: &Value) -> Value {
    match value {
        Value::String(_) => json!({"not": "a string"}),
        Value::Bool(_) => json!("yes"),
        Value::Number(_) => json!("many"),
        Value::Null | Value::Array(_) | Value::Object(_) => json!(true),
    }
}

const STRING_BODIES: [Operation; 2] = [Operation::ActivateLicense, Operation::BindVoicemailAgent];

#[test]
fn bodies_that_are_not_json_are_400() {
    let (mut api, cs) = provisioned();
    for &resource in Resource::ALL {
        for &(method, _, _) in resource.methods() {
            if !matches!(method, Method::Post | Method::Put) {
                continue;
            }
            let path = path_of(&mut api, &cs, resource);
            for body in ["{", "", "  ", "nul", r#"{"a":}"#, "{\"a\":\"\\x\"}"] {
                refused(&mut api, method, &path, body, 400, "JSON");
            }
        }
    }
}

#[test]
fn json_bodies_that_are_wrong_are_422_naming_the_field() {
    let (mut api, cs) = provisioned();
    let mut fields_checked = 0;
    for &resource in Resource::ALL {
        for &(method, operation, _) in resource.methods() {
            if !matches!(method, Method::Post | Method::Put) {
                continue;
            }
            let path = path_of(&mut api, &cs, resource);
            if STRING_BODIES.contains(&operation) {
                refused(
                    &mut api,
                    method,
                    &path,
                    r#"{"serial":"x"}"#,
                    422,
                    "JSON string",
                );
                refused(&mut api, method, &path, "42", 422, "JSON string");
                refused(&mut api, method, &path, r#""""#, 422, "must not be empty");
                let huge = serde_json::to_string(&"x".repeat(1 << 20)).unwrap();
                refused(&mut api, method, &path, &huge, 422, "1048576 bytes");
                continue;
            }
            for body in ["[]", "5", r#""text""#, "null", "true"] {
                refused(&mut api, method, &path, body, 422, "must be a JSON object");
            }
            refused(
                &mut api,
                method,
                &path,
                r#"{"nosuchField":1}"#,
                422,
                "`nosuchField`",
            );
            let (good_body, _) = good(&mut api, &path, operation);
            let Ok(Value::Object(object)) = serde_json::from_str::<Value>(&good_body) else {
                panic!("{operation:?}: a good body is an object: {good_body}");
            };
            for (key, value) in &object {
                let mut bad = object.clone();
                bad.insert(key.clone(), wrong_type(value));
                refused(
                    &mut api,
                    method,
                    &path,
                    &Value::Object(bad).to_string(),
                    422,
                    &format!("`{key}`"),
                );
                if value.is_string() {
                    let mut long = object.clone();
                    long.insert(key.clone(), json!("y".repeat(1 << 20)));
                    let body = Value::Object(long).to_string();
                    refused(
                        &mut api,
                        method,
                        &path,
                        &body,
                        422,
                        // Too long, or (a port) not a number at all: named either way.
                        &format!("field `{key}`"),
                    );
                }
                fields_checked += 1;
            }
        }
    }
    assert!(fields_checked > 80, "{fields_checked}");
}

#[test]
fn missing_and_empty_required_fields_are_422() {
    let (mut api, cs) = provisioned();
    let cases = [
        (
            "server/coreServers/".to_string(),
            "{}",
            "missing field `slug`",
        ),
        (
            "server/administrators/noHash".into(),
            r#"{"password":"x"}"#,
            "missing field `userName`",
        ),
        (
            format!("asterisk/{cs}/extensions/"),
            r#"{"displayName":"x"}"#,
            "missing field `extension`",
        ),
        (
            format!("asterisk/{cs}/extensions/"),
            r#"{"extension":""}"#,
            "field `extension` must not be empty",
        ),
        (
            format!("core/{cs}/users/noHash"),
            r#"{"password":"x"}"#,
            "missing field `username`",
        ),
        (
            format!("asterisk/{cs}/queues/"),
            r#"{"displayName":"x"}"#,
            "missing field `identifier`",
        ),
        (
            format!("asterisk/{cs}/conferenceRooms/"),
            "{}",
            "missing field `identifier`",
        ),
        (
            format!("asterisk/{cs}/parkingLots/"),
            "{}",
            "missing field `identifier`",
        ),
        (
            format!("contact/{cs}/users/{}/emailAddresses", ids::USER),
            r#"{"type":"Work"}"#,
            "missing field `address`",
        ),
        (
            format!("contact/{cs}/users/{}/phoneNumbers", ids::USER),
            r#"{"type":"Work"}"#,
            "missing field `number`",
        ),
        (
            format!("asterisk/{cs}/extensions/{}/managingUser", ids::EXT),
            "{}",
            "missing field `id`",
        ),
        (
            format!("asterisk/{cs}/extensions/{}/managingUser", ids::EXT),
            r#"{"id":"nobody"}"#,
            "field `id`",
        ),
        (
            format!("core/{cs}/users/noHash"),
            r#"{"username":"x","id":"not a uuid!"}"#,
            "field `id` must be an id",
        ),
        (
            format!("core/{cs}/users/noHash"),
            r#"{"username":"x","id":"noHash"}"#,
            "path keyword",
        ),
    ];
    for (path, body, needle) in cases {
        refused(&mut api, Method::Post, &path, body, 422, needle);
    }
    let ext = format!("asterisk/{cs}/extensions/{}", ids::EXT);
    refused(
        &mut api,
        Method::Put,
        &ext,
        r#"{"extension":""}"#,
        422,
        "must not be empty",
    );
    refused(
        &mut api,
        Method::Put,
        &ext,
        r#"{"id":"other-id"}"#,
        422,
        "cannot change",
    );
    let agent = "asterisk/voicemailAgents/default";
    refused(
        &mut api,
        Method::Put,
        agent,
        r#"{"identifier":"other"}"#,
        422,
        "cannot change",
    );
}
