//! Snapshots of a real server's Live API directory (docs/protocol.md §6): the core
//! server, its users, extensions, queues with their agents, conference rooms and
//! call segments. A resource that answers 404 (an older server, conferences turned
//! off) is noted in the snapshot, never fatal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use serde_json::Value;

use super::capture::{Phase, Resource, Snapshot};
use super::connect::{Endpoint, get};
use crate::server::Credentials;

/// The collections under a core server that a snapshot reads, after the core server itself.
pub const COLLECTIONS: [&str; 5] = [
    "users",
    "extensions",
    "queues",
    "conferences",
    "callSegments",
];

/// The Live API path of the default core server, for a `--live` derived from the target.
pub const DEFAULT_CORE_SERVER_PATH: &str =
    "/communication_manager/rest/live/coreServers/getByName/default";

/// How long one Live API request may take.
pub const REQUEST_PATIENCE: Duration = Duration::from_secs(15);

/// The Live API core-server URL next to an Event API endpoint: same host, port,
/// and TLS or not; the core server named `default`.
pub fn derived_live(target: &Endpoint) -> Endpoint {
    target.with_path(DEFAULT_CORE_SERVER_PATH)
}

/// Where to reach a Live API and how.
#[derive(Debug, Clone)]
pub struct LiveSource {
    /// The core-server URL (`.../coreServers/getByName/default`).
    pub core_server: Endpoint,
    /// HTTP Basic credentials.
    pub credentials: Credentials,
    /// TLS settings, for https.
    pub tls: Option<Arc<ClientConfig>>,
}

impl LiveSource {
    /// Reads every resource once; `ms` is when the snapshot is complete.
    pub async fn snapshot(&self, phase: Phase, ms: impl FnOnce() -> u64) -> Snapshot {
        let mut resources = BTreeMap::new();
        let core = self.resource("").await;
        resources.insert(String::new(), core);
        for collection in COLLECTIONS {
            let answer = self.resource(collection).await;
            resources.insert(collection.to_string(), answer);
        }
        let queue_ids: Vec<String> = resources
            .get("queues")
            .and_then(|r| r.body.as_ref())
            .and_then(Value::as_array)
            .map(|queues| {
                queues
                    .iter()
                    .filter_map(|q| q.get("id").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for id in queue_ids {
            let path = format!("queues/{id}/agents");
            let answer = self.resource(&path).await;
            resources.insert(path, answer);
        }
        Snapshot {
            ms: ms(),
            phase,
            resources,
        }
    }

    /// One resource, by its path relative to the core server.
    async fn resource(&self, relative: &str) -> Resource {
        let base = self.core_server.path.trim_end_matches('/');
        let path = if relative.is_empty() {
            base.to_string()
        } else {
            format!("{base}/{relative}")
        };
        let endpoint = self.core_server.with_path(&path);
        match get(
            &endpoint,
            &self.credentials,
            self.tls.as_ref(),
            REQUEST_PATIENCE,
        )
        .await
        {
            Ok(answer) => Resource {
                status: Some(answer.status),
                body: body_value(&answer.body),
                error: None,
            },
            Err(reason) => Resource {
                status: None,
                body: None,
                error: Some(reason),
            },
        }
    }
}

/// JSON when the body parses, else its text; nothing for an empty body.
fn body_value(body: &[u8]) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    Some(
        serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned())),
    )
}

/// One line about a snapshot for the terminal: what answered and what did not.
pub fn describe(snapshot: &Snapshot) -> String {
    let mut ok = 0;
    let mut missing = Vec::new();
    for (path, resource) in &snapshot.resources {
        let name = if path.is_empty() { "core server" } else { path };
        match (resource.status, &resource.error) {
            (Some(200), _) => ok += 1,
            (Some(status), _) => missing.push(format!("{name} {status}")),
            (None, Some(error)) => missing.push(format!("{name}: {error}")),
            (None, None) => missing.push(format!("{name}: no answer")),
        }
    }
    if missing.is_empty() {
        format!("{ok} resources")
    } else {
        format!(
            "{ok} resources; not available (noted): {}",
            missing.join(", ")
        )
    }
}
