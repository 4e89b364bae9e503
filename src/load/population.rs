//! The synthetic office both sides of a load test agree on: the names the
//! synthetic feed puts in events are the names the filter mix asks for, so a
//! realistic share of (event, client) pairs match.

/// Users in the office; user `i` is `user{i:03}` on extension `2{i:03}`.
pub const USERS: usize = 200;

/// Queue display names; the first two are the busy ones the mix filters on.
pub const QUEUES: &[&str] = &[
    "Support", "Sales", "Billing", "Helpdesk", "Orders", "Returns",
];

/// Status types a user may set (docs/protocol.md §4.3).
pub const STATUS_TYPES: &[&str] = &["available", "away", "dnd", "xa", "chat", "unavailable"];

/// The username of user `i` (wrapping).
pub fn username(i: usize) -> String {
    format!("user{:03}", i % USERS)
}

/// The extension number of user `i` (wrapping).
pub fn extension(i: usize) -> String {
    format!("2{:03}", i % USERS)
}
