//! Hand-built events for the server tests, made with the protocol types.

use isymphony_sim::protocol::Event;
use isymphony_sim::protocol::event::{
    AgentMembership, EventBody, SegmentHangup, UserSession, UserStatus,
};

const CORE: &str = "77636f98-c7ae-48fc-9b87-33ffcb13802a";

fn event(n: i64, body: EventBody) -> Event {
    Event {
        time: 1_700_000_000_000 + n,
        core_server_id: CORE.to_string(),
        body,
    }
}

/// A `userLogin` of `username`.
pub fn login(username: &str, n: i64) -> Event {
    event(
        n,
        EventBody::UserLogin(UserSession {
            user_id: format!("user-{username}"),
            username: username.to_string(),
            user_login_id: format!("login-{n}"),
            ip: "192.0.2.10".to_string(),
            port: 51234,
        }),
    )
}

/// A `userLogout` of `username`.
pub fn logout(username: &str, n: i64) -> Event {
    let EventBody::UserLogin(session) = login(username, n).body else {
        unreachable!("login() builds a userLogin")
    };
    event(n, EventBody::UserLogout(session))
}

/// A `userStatus` of `username`.
pub fn status(username: &str, status_type: &str, n: i64) -> Event {
    event(
        n,
        EventBody::UserStatus(UserStatus {
            user_id: format!("user-{username}"),
            username: username.to_string(),
            name: status_type.to_string(),
            status_type: status_type.to_string(),
            note: String::new(),
            return_time: -1,
            user_created: n % 2 == 0,
        }),
    )
}

/// An `agentLogin` of `username` into `queue`.
pub fn agent_login(queue: &str, username: &str, n: i64) -> Event {
    event(
        n,
        EventBody::AgentLogin(AgentMembership {
            agent_id: format!("agent-{username}-{queue}"),
            agent: username.to_string(),
            state: "NOT_INUSE".to_string(),
            queue_id: format!("queue-{queue}"),
            queue: queue.to_string(),
            extension_id: format!("ext-{username}"),
            extension_number: "1001".to_string(),
            user_id: format!("user-{username}"),
            username: username.to_string(),
        }),
    )
}

/// A `hangup`; `username` None gives the null user of an external segment.
pub fn hangup(username: Option<&str>, n: i64) -> Event {
    event(
        n,
        EventBody::Hangup(SegmentHangup {
            call_segment_id: format!("segment-{n}"),
            caller_id_name: "Caller".to_string(),
            caller_id_number: "5550123".to_string(),
            did: None,
            extension_id: username.map(|u| format!("ext-{u}")),
            extension_number: username.map(|_| "1001".to_string()),
            user_id: username.map(|u| format!("user-{u}")),
            username: username.map(str::to_string),
        }),
    )
}

/// `count` events cycling through kinds, users (one of them null) and queues, so
/// every filter in the tests both admits and rejects some of them.
pub fn mixed(count: usize) -> Vec<Event> {
    const USERS: [&str; 3] = ["mikey", "1001", "dana"];
    (0..count)
        .map(|i| {
            let n = i as i64;
            let user = USERS[i % USERS.len()];
            match i % 6 {
                0 => login(user, n),
                1 => logout(user, n),
                2 => status(user, if i % 4 == 2 { "available" } else { "away" }, n),
                3 => agent_login(if i % 4 == 3 { "Support" } else { "Sales" }, user, n),
                4 => hangup(Some(user), n),
                _ => hangup(None, n),
            }
        })
        .collect()
}

/// The wire JSON of `events`, decoded, for comparing with what clients received.
pub fn wire(events: &[Event]) -> Vec<serde_json::Value> {
    events
        .iter()
        .map(|e| serde_json::from_str(&e.to_json()).expect("events encode to JSON"))
        .collect()
}
