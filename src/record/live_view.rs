//! The Live API of a replayed capture: GETs answered from the directory snapshot
//! taken when the recording started (docs/protocol.md §6), by the same paths as
//! the real server: `{id}` or `getByName/{name}` selectors, singular spellings too.

use serde_json::Value;

use super::capture::Snapshot;
use crate::model::LiveError;

/// Each collection with its singular spelling and the field `getByName` matches.
const COLLECTIONS: [(&str, &str, Option<&str>); 5] = [
    ("users", "user", Some("userName")),
    ("extensions", "extension", Some("extensionNumber")),
    ("queues", "queue", Some("identifier")),
    ("conferences", "conference", Some("identifier")),
    ("callSegments", "callSegment", None),
];

/// What a capture recorded, for messages about what it did not.
const RECORDED: &str = "a capture holds the core server, users, extensions, queues with their agents, conferences and call segments, as they were when the recording started";

/// Answers `path` (the segments after `/rest/live/`) from `snapshot`.
///
/// # Errors
/// [`LiveError::NotFound`] for what the snapshot does not hold, with why.
pub fn answer(snapshot: Option<&Snapshot>, path: &[&str]) -> Result<Value, LiveError> {
    let snapshot = snapshot.ok_or_else(|| {
        LiveError::NotFound(
            "this capture has no Live API snapshot (it was recorded with --no-live)".to_string(),
        )
    })?;
    let rest = match path {
        ["coreServers", "getByName", slug, rest @ ..] => {
            core_server_matches(snapshot, "slug", slug)?;
            rest
        }
        ["coreServers", id, rest @ ..] if *id != "getByName" => {
            core_server_matches(snapshot, "id", id)?;
            rest
        }
        _ => return Err(not_recorded(path)),
    };
    match rest {
        [] => resource(snapshot, ""),
        [collection, rest @ ..] => {
            let (plural, _, name_field) = COLLECTIONS
                .iter()
                .find(|(plural, singular, _)| collection == plural || collection == singular)
                .ok_or_else(|| not_recorded(path))?;
            let all = resource(snapshot, plural)?;
            match rest {
                [] => Ok(all),
                _ => {
                    let (instance, rest) = select(&all, rest, *name_field, path)?;
                    match (*plural, rest) {
                        (_, []) => Ok(instance.clone()),
                        ("queues", ["agents" | "agent", rest @ ..]) => {
                            let id = instance
                                .get("id")
                                .and_then(Value::as_str)
                                .unwrap_or_default();
                            let agents = resource(snapshot, &format!("queues/{id}/agents"))?;
                            match rest {
                                [] => Ok(agents),
                                _ => match select(&agents, rest, None, path)? {
                                    (agent, []) => Ok(agent.clone()),
                                    _ => Err(not_recorded(path)),
                                },
                            }
                        }
                        _ => Err(not_recorded(path)),
                    }
                }
            }
        }
    }
}

fn not_recorded(path: &[&str]) -> LiveError {
    LiveError::NotFound(format!(
        "`{}` is not in the capture: {RECORDED}",
        path.join("/")
    ))
}

fn core_server_matches(snapshot: &Snapshot, field: &str, wanted: &str) -> Result<(), LiveError> {
    let Ok(core) = resource(snapshot, "") else {
        // The core server itself did not answer when recorded: any selector will do.
        return Ok(());
    };
    if core.get(field).and_then(Value::as_str) == Some(wanted) {
        Ok(())
    } else {
        Err(LiveError::NotFound(format!(
            "no core server with {field} `{wanted}` in the capture"
        )))
    }
}

/// The recorded answer at `path`, when it was a 200.
fn resource(snapshot: &Snapshot, path: &str) -> Result<Value, LiveError> {
    let shown = if path.is_empty() {
        "the core server"
    } else {
        path
    };
    let recorded = snapshot
        .resources
        .get(path)
        .ok_or_else(|| LiveError::NotFound(format!("{shown} is not in the capture: {RECORDED}")))?;
    match (recorded.status, &recorded.body, &recorded.error) {
        (Some(200), Some(body), _) => Ok(body.clone()),
        (Some(status), _, _) => Err(LiveError::NotFound(format!(
            "the recorded server answered {status} for {shown}"
        ))),
        (None, _, Some(error)) => Err(LiveError::NotFound(format!(
            "{shown} did not answer when recorded: {error}"
        ))),
        (None, _, None) => Err(LiveError::NotFound(format!(
            "{shown} did not answer when recorded"
        ))),
    }
}

/// One instance of `collection` by `{id}` or `getByName/{name}`, and the rest of the path.
fn select<'v, 'p>(
    collection: &'v Value,
    path: &'p [&'p str],
    name_field: Option<&str>,
    whole: &[&str],
) -> Result<(&'v Value, &'p [&'p str]), LiveError> {
    let items = collection.as_array().map(Vec::as_slice).unwrap_or_default();
    let (field, wanted, rest) = match path {
        ["getByName", name, rest @ ..] => {
            let field = name_field.ok_or_else(|| not_recorded(whole))?;
            (field, *name, rest)
        }
        [id, rest @ ..] => ("id", *id, rest),
        [] => return Err(not_recorded(whole)),
    };
    items
        .iter()
        .find(|item| item.get(field).and_then(Value::as_str) == Some(wanted))
        .map(|item| (item, rest))
        .ok_or_else(|| {
            LiveError::NotFound(format!(
                "no object with {field} `{wanted}` in the capture's snapshot"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::capture::{Phase, Resource};
    use serde_json::json;

    fn snapshot() -> Snapshot {
        let ok = |body: Value| Resource {
            status: Some(200),
            body: Some(body),
            error: None,
        };
        Snapshot {
            ms: 0,
            phase: Phase::Start,
            resources: [
                (
                    String::new(),
                    ok(json!({"id":"cs","slug":"default","name":"Default"})),
                ),
                (
                    "users".to_string(),
                    ok(json!([{"id":"u1","userName":"sam"}])),
                ),
                (
                    "queues".to_string(),
                    ok(json!([{"id":"q1","identifier":"sales"}])),
                ),
                (
                    "queues/q1/agents".to_string(),
                    ok(json!([{"id":"a1","name":"Sam"}])),
                ),
                (
                    "conferences".to_string(),
                    Resource {
                        status: Some(404),
                        body: None,
                        error: None,
                    },
                ),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn paths_resolve_like_the_live_api() {
        let s = snapshot();
        let get = |path: &str| answer(Some(&s), &path.split('/').collect::<Vec<_>>());
        assert_eq!(
            get("coreServers/getByName/default").map(|v| v["id"].clone()),
            Ok(json!("cs"))
        );
        assert_eq!(
            get("coreServers/cs/users/getByName/sam").map(|v| v["id"].clone()),
            Ok(json!("u1"))
        );
        assert_eq!(
            get("coreServers/cs/user/u1").map(|v| v["userName"].clone()),
            Ok(json!("sam"))
        );
        assert_eq!(
            get("coreServers/cs/queues/getByName/sales/agents/a1").map(|v| v["name"].clone()),
            Ok(json!("Sam"))
        );
    }

    #[test]
    fn what_the_capture_lacks_is_a_404_that_says_why() {
        let s = snapshot();
        let get = |path: &str| answer(Some(&s), &path.split('/').collect::<Vec<_>>());
        for (path, why) in [
            ("coreServers/getByName/other", "no core server"),
            ("coreServers/cs/conferences", "answered 404"),
            ("coreServers/cs/extensions", "not in the capture"),
            ("coreServers/cs/users/nobody", "no object with id"),
            ("coreServers/cs/users/u1/extensions", "not in the capture"),
            ("coreServers", "not in the capture"),
        ] {
            match get(path) {
                Err(LiveError::NotFound(message)) => {
                    assert!(message.contains(why), "{path}: {message}")
                }
                other => panic!("{path}: {other:?}"),
            }
        }
        assert!(
            matches!(answer(None, &["coreServers"]), Err(LiveError::NotFound(m)) if m.contains("--no-live"))
        );
    }
}
