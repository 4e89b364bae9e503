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

/// Any JSON value, a few levels deep, with long strings now and then.
fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9 %/._-]{0,12}".prop_map(Value::String),
        (0usize..3).prop_map(|k| Value::String("z".repeat([1025, 4096, 1 << 20][k]))),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("id".to_string()),
                    Just("extension".to_string()),
                    Just("username".to_string()),
                    Just("identifier".to_string()),
                    Just("password".to_string()),
                    Just("slug".to_string()),
                    "[a-zA-Z]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// Whatever body goes to whatever method of whatever resource: no panic, no
    /// 5xx, a reason with every refusal, and a refusal changes nothing.
    #[test]
    fn random_bodies_never_break_anything(
        which in 0usize..1000,
        method in 0usize..4,
        body in any_json(),
    ) {
        let (mut api, cs) = provisioned();
        let resource = Resource::ALL[which % Resource::ALL.len()];
        let path = path_of(&mut api, &cs, resource);
        let method = [Method::Get, Method::Post, Method::Put, Method::Delete][method];
        let before = api.pbx.clone();

        let (reply, _) = api.call(method.as_str(), &path, &body.to_string());

        proptest::prop_assert!(reply.status < 500, "{} {path}: {reply:?}", method.as_str());
        if reply.status >= 400 {
            proptest::prop_assert!(reply.reason().is_some_and(|r| !r.is_empty() && !r.contains('\n')));
            proptest::prop_assert_eq!(&api.pbx, &before, "a refused request changed the model");
        }
    }
}
