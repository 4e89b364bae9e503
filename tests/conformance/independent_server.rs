//! An Event API server written for these tests only, independent of ours: its own
//! five users and five event types (with an extra property, `site`, that our
//! catalogue lacks), its own message parsing and its own filter code, on plain
//! tokio + tungstenite. Nothing of `isymphony_sim::protocol` is used.
//!
//! It filters correctly by the documented and inferred rules, and differs from our
//! defaults where the documentation is silent: it accepts an empty property name,
//! `"value": null` and extra keys, and it lets a `null` property match the text
//! `"null"`. Each [`Defect`] makes a version of it that gets one rule wrong, the
//! way a real implementation might.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// Pause between two events: the traffic's pace, not a synchronisation.
const EVENT_GAP: Duration = Duration::from_millis(3);

/// One way of getting the filter rules wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// An event without a filtered property passes.
    MissingPropertyPasses,
    /// Values of one property must all match (AND instead of OR).
    AndWithinProperty,
    /// One matching property is enough (OR instead of AND).
    OrAcrossProperties,
    /// `"*"` is compared as the text `*`.
    WildcardLiteral,
    /// `"*"` also admits events without the property.
    WildcardMatchesAbsent,
    /// A concrete value next to `"*"` wins: the wildcard is dropped.
    ValueNarrowsWildcard,
    /// A filter message adds to the filters instead of replacing them.
    MergeNotReplace,
    /// Values compared ignoring case.
    CaseInsensitiveValues,
    /// Property names looked up ignoring case.
    CaseInsensitiveNames,
    /// A value matches every property value it starts.
    PrefixMatch,
    /// A value matches every property value it is part of.
    SubstringMatch,
    /// Numbers compared as numbers, so "40001.0" matches 40001.
    NumericCompare,
    /// A null property counts as missing.
    NullIsAbsent,
    /// Nothing is delivered before the first filter message.
    NothingBeforeFilter,
    /// Connection state is pooled and not reset: a new connection may start with
    /// the filters of a closed one.
    StaleConnectionState,
    /// Only the first 256 entries of a filter message count.
    TruncatesAt256,
    /// A filter message with a repeated entry is refused.
    RefusesDuplicates,
    /// Filters on `type` are ignored.
    IgnoresTypeFilters,
    /// Filters on `coreServerId` and `time` are ignored.
    IgnoresBaseProperties,
    /// A message spaced as the documentation prints it (` : `) is refused.
    RefusesSpacedMessages,
    /// An empty filter list delivers nothing (a default of ours differs).
    EmptyListDeliversNothing,
    /// The documentation's invalid form is repaired and accepted.
    AcceptsInvalidForm,
    /// A malformed message closes the connection.
    ClosesOnMalformed,
    /// Filter values that are JSON numbers or booleans are refused.
    RefusesNonStringValues,
    /// Replies have a shape of their own.
    OwnReplyShape,
    /// Any message with a filters list is taken, whatever its type.
    AcceptsAnyMessageType,
}

/// A running server; stops when dropped.
pub struct IndependentServer {
    pub url: String,
    stop: CancellationToken,
}

impl Drop for IndependentServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

type Filters = Vec<(String, Value)>;

/// An event as sent, and parsed once for every connection's filter.
struct Event {
    text: String,
    parsed: Map<String, Value>,
}

#[derive(Default)]
struct Shared {
    /// Connection states of closed connections (only with StaleConnectionState).
    pool: Mutex<Vec<Filters>>,
}

impl IndependentServer {
    /// The correct server (`None`) or one with `defect`, on a free port.
    pub async fn start(defect: Option<Defect>) -> IndependentServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let url = format!(
            "ws://{}/communication_manager/ws/event",
            listener.local_addr().expect("address")
        );
        let stop = CancellationToken::new();
        let (events, _) = broadcast::channel::<Arc<Event>>(1 << 14);
        tokio::spawn(traffic(events.clone(), stop.clone()));
        let shared = Arc::new(Shared::default());
        let accepting = stop.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = accepting.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((stream, _)) = accepted else { return };
                tokio::spawn(connection(
                    stream,
                    events.subscribe(),
                    defect,
                    shared.clone(),
                    accepting.clone(),
                ));
            }
        });
        IndependentServer { url, stop }
    }
}

const USERS: [(&str, &str, u16); 5] = [
    ("ines", "Ines Ortega", 40001),
    ("omar", "Omar Haddad", 40002),
    ("pia", "Pia Lund", 40003),
    ("ravi", "Ravi Nair", 40004),
    ("sven", "Sven Berg", 40005),
];

const CORE_SERVER: &str = "6f1c2a9e-0d4b-4e57-9a31-5b2c7d8e9f10";

/// The traffic: per round and user a login, a status, an agent login, an inside
/// and an outside caller's hangup (`username` null), and a logout; times and ids
/// grow, so no two events are equal.
async fn traffic(events: broadcast::Sender<Arc<Event>>, stop: CancellationToken) {
    let mut pace = tokio::time::interval(EVENT_GAP);
    let mut time: i64 = 1_650_000_000_000;
    for round in 0u64.. {
        for (index, (user, name, port)) in USERS.iter().enumerate() {
            let n = index + 1;
            let user_id = format!("00000000-0000-4000-8000-00000000000{n}");
            let mut make = |kind: &str, rest: Value| {
                time += 250;
                let mut event = json!({
                    "type": kind,
                    "time": time,
                    "coreServerId": CORE_SERVER,
                    "site": if index % 2 == 0 { "north" } else { "south" },
                });
                if let (Value::Object(event), Value::Object(rest)) = (&mut event, rest) {
                    event.extend(rest);
                }
                event.to_string()
            };
            let login_id = format!("login-{round}-{n}");
            let batch = [
                make(
                    "userLogin",
                    json!({"userId": user_id, "username": user,
                    "userLoginId": login_id, "ip": format!("192.168.7.{n}"), "port": port}),
                ),
                make(
                    "userStatus",
                    json!({"userId": user_id, "username": user,
                    "name": if round % 2 == 0 { "Lunch" } else { "Meeting" },
                    "statusType": if index % 2 == 0 { "away" } else { "dnd" },
                    "note": "", "returnTime": -1, "userCreated": index % 2 == 1}),
                ),
                make(
                    "agentLogin",
                    json!({"agentId": format!("agent-{n}"), "agent": name,
                    "state": if round % 2 == 0 { "NOT_INUSE" } else { "INUSE" },
                    "queueId": "queue-1", "queue": if index < 3 { "Billing" } else { "Sales" },
                    "extensionId": format!("ext-{n}"), "extensionNumber": format!("210{n}"),
                    "userId": user_id, "username": user}),
                ),
                make(
                    "hangup",
                    json!({"callSegmentId": format!("seg-{round}-{n}-a"),
                    "callerIdName": name, "callerIdNumber": format!("210{n}"), "did": null,
                    "extensionId": format!("ext-{n}"), "extensionNumber": format!("210{n}"),
                    "userId": user_id, "username": user}),
                ),
                make(
                    "hangup",
                    json!({"callSegmentId": format!("seg-{round}-{n}-b"),
                    "callerIdName": "Outside Caller", "callerIdNumber": format!("55590{n}"),
                    "did": "5559000", "extensionId": null, "extensionNumber": null,
                    "userId": null, "username": null}),
                ),
                make(
                    "userLogout",
                    json!({"userId": user_id, "username": user,
                    "userLoginId": login_id, "ip": "", "port": port}),
                ),
            ];
            for event in batch {
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = pace.tick() => {}
                }
                let Ok(Value::Object(parsed)) = serde_json::from_str::<Value>(&event) else {
                    continue;
                };
                let _ = events.send(Arc::new(Event {
                    text: event,
                    parsed,
                }));
            }
        }
    }
}

async fn connection(
    stream: TcpStream,
    mut feed: broadcast::Receiver<Arc<Event>>,
    defect: Option<Defect>,
    shared: Arc<Shared>,
    stop: CancellationToken,
) {
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let stale = defect == Some(Defect::StaleConnectionState);
    let pooled = if stale {
        shared.pool.lock().ok().and_then(|mut pool| pool.pop())
    } else {
        None
    };
    // None: no filter message yet.
    let mut filters: Option<Filters> = pooled;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            event = feed.recv() => {
                let event = match event {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if delivers(filters.as_ref(), &event.parsed, defect)
                    && socket.send(Message::text(event.text.as_str())).await.is_err()
                {
                    return;
                }
            }
            message = socket.next() => {
                let Some(Ok(Message::Text(text))) = message else {
                    if stale && let Ok(mut pool) = shared.pool.lock() {
                        pool.push(filters.clone().unwrap_or_default());
                    }
                    return;
                };
                let answer = match read_filter_message(text.as_str(), defect) {
                    Ok(new) => {
                        filters = Some(if defect == Some(Defect::MergeNotReplace) {
                            let mut merged = filters.take().unwrap_or_default();
                            merged.extend(new);
                            merged
                        } else {
                            new
                        });
                        reply(true, defect)
                    }
                    Err(_) if defect == Some(Defect::ClosesOnMalformed) => {
                        let _ = socket.close(None).await;
                        return;
                    }
                    Err(reason) => reply(false, defect).replace("REASON", &reason),
                };
                if socket.send(Message::text(answer)).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn reply(ok: bool, defect: Option<Defect>) -> String {
    if defect == Some(Defect::OwnReplyShape) {
        return json!({"type": "filterResult", "status": if ok { "ok" } else { "refused" }})
            .to_string();
    }
    if ok {
        r#"{"type":"filterResponse","success":true,"server":"independent"}"#.to_string()
    } else {
        r#"{"type":"filterResponse","success":false,"error":"REASON"}"#.to_string()
    }
}

/// The filters of a message, or why it is refused.
fn read_filter_message(text: &str, defect: Option<Defect>) -> Result<Filters, String> {
    if defect == Some(Defect::RefusesSpacedMessages) && text.contains(" : ") {
        return Err("unexpected whitespace".to_string());
    }
    let parsed = match serde_json::from_str::<Value>(text) {
        Ok(parsed) => parsed,
        Err(_) if defect == Some(Defect::AcceptsInvalidForm) => {
            serde_json::from_str(&text.replace("\" : \"value\"", "\", \"value\""))
                .map_err(|e| format!("bad JSON: {e}"))?
        }
        Err(e) => return Err(format!("bad JSON: {e}")),
    };
    let Value::Object(message) = parsed else {
        return Err("not an object".to_string());
    };
    let typed = message.get("type").and_then(Value::as_str) == Some("filter");
    if !typed && defect != Some(Defect::AcceptsAnyMessageType) {
        return Err("not a filter message".to_string());
    }
    let Some(Value::Array(entries)) = message.get("filters") else {
        return Err("no filters list".to_string());
    };
    let mut filters = Vec::new();
    for entry in entries {
        let Value::Object(entry) = entry else {
            return Err("an entry is not an object".to_string());
        };
        let Some(Value::String(property)) = entry.get("property") else {
            return Err("an entry has no property".to_string());
        };
        let value = match entry.get("value") {
            Some(v @ (Value::Number(_) | Value::Bool(_)))
                if defect == Some(Defect::RefusesNonStringValues) =>
            {
                return Err(format!("value {v} is not a string"));
            }
            Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null)) => {
                v.clone()
            }
            _ => return Err("an entry has no usable value".to_string()),
        };
        let pair = (property.clone(), value);
        if defect == Some(Defect::RefusesDuplicates) && filters.contains(&pair) {
            return Err("duplicate entry".to_string());
        }
        filters.push(pair);
    }
    if defect == Some(Defect::TruncatesAt256) {
        filters.truncate(256);
    }
    Ok(filters)
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn value_matches(wanted: &Value, actual: &Value, defect: Option<Defect>) -> bool {
    if wanted.as_str() == Some("*") {
        return if defect == Some(Defect::WildcardLiteral) {
            as_text(actual) == "*"
        } else {
            true
        };
    }
    if wanted.is_null() || actual.is_null() {
        // Null is the text "null" here: a difference from our default.
        return as_text(wanted) == as_text(actual);
    }
    let (w, a) = (as_text(wanted), as_text(actual));
    match defect {
        Some(Defect::CaseInsensitiveValues) => w.eq_ignore_ascii_case(&a),
        Some(Defect::PrefixMatch) => a.starts_with(&w),
        Some(Defect::SubstringMatch) => a.contains(&w),
        Some(Defect::NumericCompare) => match (w.parse::<f64>(), a.parse::<f64>()) {
            (Ok(x), Ok(y)) => x == y,
            _ => w == a,
        },
        _ => w == a,
    }
}

fn lookup<'e>(
    event: &'e Map<String, Value>,
    name: &str,
    defect: Option<Defect>,
) -> Option<&'e Value> {
    if defect == Some(Defect::CaseInsensitiveNames) {
        return event
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v);
    }
    event.get(name)
}

fn delivers(filters: Option<&Filters>, event: &Map<String, Value>, defect: Option<Defect>) -> bool {
    let Some(filters) = filters else {
        return defect != Some(Defect::NothingBeforeFilter);
    };
    if filters.is_empty() {
        return defect != Some(Defect::EmptyListDeliversNothing);
    }
    let mut groups: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for (property, value) in filters {
        let ignored = match defect {
            Some(Defect::IgnoresTypeFilters) => property == "type",
            Some(Defect::IgnoresBaseProperties) => property == "coreServerId" || property == "time",
            _ => false,
        };
        if !ignored {
            groups.entry(property.as_str()).or_default().push(value);
        }
    }
    let mut results = groups.iter().map(|(property, wanted)| {
        let wildcard = wanted.iter().any(|w| w.as_str() == Some("*"));
        let actual = lookup(event, property, defect)
            .filter(|v| !(v.is_null() && defect == Some(Defect::NullIsAbsent)));
        let Some(actual) = actual else {
            return defect == Some(Defect::MissingPropertyPasses)
                || (wildcard && defect == Some(Defect::WildcardMatchesAbsent));
        };
        let mut wanted: Vec<&&Value> = wanted.iter().collect();
        if defect == Some(Defect::ValueNarrowsWildcard) && wanted.len() > 1 {
            wanted.retain(|w| w.as_str() != Some("*"));
        }
        let mut matches = wanted.iter().map(|w| value_matches(w, actual, defect));
        if defect == Some(Defect::AndWithinProperty) {
            matches.all(|m| m)
        } else {
            matches.any(|m| m)
        }
    });
    if defect == Some(Defect::OrAcrossProperties) {
        results.any(|ok| ok)
    } else {
        results.all(|ok| ok)
    }
}
