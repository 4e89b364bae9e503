//! Checks decided from a case's journal once the scripted part is over: every
//! message answered success:true, backoff between attempts, the same filter on the
//! new connection. Shared by the cases that need them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use serde_json::Value;

use super::check::{Check, CheckId};
use super::frames::Message;
use super::journal::{Conn, Record, Seen, Side};
use super::lint::{Entry, filter_entries};

/// Every message the client sent on any connection, paired in order with the
/// server's replies on that connection: each must be a filter message the server
/// accepted. Nothing the client sends goes unjudged.
pub fn filters_accepted(records: &[Record]) -> Check {
    let mut pending: BTreeMap<Conn, VecDeque<(usize, String)>> = BTreeMap::new();
    let mut counts: BTreeMap<Conn, usize> = BTreeMap::new();
    let mut faults = Vec::new();
    let mut accepted = 0;
    for record in records {
        match &record.seen {
            Seen::Frame {
                conn,
                from: Side::Client,
                message,
            } => {
                let n = counts.entry(*conn).or_default();
                *n += 1;
                match message {
                    Message::Text(text) => pending
                        .entry(*conn)
                        .or_default()
                        .push_back((*n, text.clone())),
                    Message::Binary(size) => faults.push(format!(
                        "message {n} on #{conn} is a binary frame ({size} bytes); the Event API speaks JSON text"
                    )),
                    _ => *n -= 1,
                }
            }
            Seen::Frame {
                conn,
                from: Side::Server,
                message: Message::Text(text),
            } => {
                let Some(reply) = filter_response(text) else {
                    continue;
                };
                let Some((n, sent)) = pending.get_mut(conn).and_then(VecDeque::pop_front) else {
                    continue;
                };
                match reply {
                    Ok(()) => accepted += 1,
                    Err(error) => faults.push(format!(
                        "message {n} on #{conn} was refused ({error}): {}",
                        shorten(&sent)
                    )),
                }
            }
            _ => {}
        }
    }
    let unanswered: usize = pending.values().map(VecDeque::len).sum();
    if !faults.is_empty() {
        return Check::fail(CheckId::FiltersAccepted, faults.join("; "));
    }
    let mut detail = format!("{accepted} message(s), each answered success:true");
    if unanswered > 0 {
        detail.push_str(&format!(
            "; {unanswered} more got no reply before the connection ended"
        ));
    }
    Check::pass(CheckId::FiltersAccepted, detail)
}

/// `Some(Ok)` for a success reply, `Some(Err(error))` for a failure, `None` for
/// anything that is not a filter response.
fn filter_response(text: &str) -> Option<Result<(), String>> {
    let value: Value = serde_json::from_str(text).ok()?;
    if value.get("type")?.as_str()? != "filterResponse" {
        return None;
    }
    if value.get("success").and_then(Value::as_bool) == Some(true) {
        Some(Ok(()))
    } else {
        let error = value
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("success:false");
        Some(Err(error.to_string()))
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    format!("{cut}…")
}

/// A filter message's entries as a set, for comparing two filters.
pub fn entry_set(text: &str) -> Option<BTreeSet<Entry>> {
    filter_entries(text).map(|entries| entries.into_iter().collect())
}

/// The last filter message the server accepted on `conn`, before journal index `before`.
pub fn last_accepted_filter(records: &[Record], conn: Conn, before: usize) -> Option<String> {
    let mut sent: VecDeque<String> = VecDeque::new();
    let mut last = None;
    for record in records.iter().take(before) {
        match &record.seen {
            Seen::Frame {
                conn: c,
                from: Side::Client,
                message: Message::Text(text),
            } if *c == conn => sent.push_back(text.clone()),
            Seen::Frame {
                conn: c,
                from: Side::Server,
                message: Message::Text(text),
            } if *c == conn => {
                if let Some(reply) = filter_response(text) {
                    let message = sent.pop_front();
                    if reply.is_ok() && message.as_deref().and_then(filter_entries).is_some() {
                        last = message;
                    }
                }
            }
            _ => {}
        }
    }
    last
}

/// Where the server's close (or drop) of `conn` reached the tap after journal
/// index `after`: the record's index.
pub fn close_index(records: &[Record], conn: Conn, after: usize) -> Option<usize> {
    records
        .iter()
        .enumerate()
        .skip(after)
        .find_map(|(i, r)| match &r.seen {
            Seen::Frame {
                conn: c,
                from: Side::Server,
                message: Message::Close(..),
            } if *c == conn => Some(i),
            Seen::Hangup {
                conn: c,
                by: Side::Server,
                ..
            } if *c == conn => Some(i),
            _ => None,
        })
}

/// Backoff after the close at journal index `closed_at`: each attempt at least
/// `min_interval` after the close or the attempt before, and none after the
/// connection that worked.
pub fn backoff(
    records: &[Record],
    closed_at: usize,
    reconnected: Option<Conn>,
    min_interval: Duration,
) -> Check {
    let mut previous = records[closed_at].wall;
    let mut gaps = Vec::new();
    let mut faults = Vec::new();
    let mut after_success = Vec::new();
    let attempts = records.iter().skip(closed_at).filter_map(|r| match r.seen {
        Seen::Attempt { conn, .. } => Some((conn, r.wall)),
        _ => None,
    });
    for (n, (conn, wall)) in attempts.enumerate() {
        if reconnected.is_some_and(|ok| conn > ok) {
            after_success.push(conn);
            continue;
        }
        let gap = wall.saturating_sub(previous);
        gaps.push(format!("{} ms", gap.as_millis()));
        if gap < min_interval {
            let since = if n == 0 {
                "the close"
            } else {
                "the attempt before"
            };
            faults.push(format!(
                "attempt #{conn} came {} ms after {since} (at least {min_interval:?})",
                gap.as_millis()
            ));
        }
        previous = wall;
    }
    if !after_success.is_empty() {
        faults.push(format!(
            "it connected again ({}) although its connection was open: a reconnect loop",
            after_success
                .iter()
                .map(|c| format!("#{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if gaps.is_empty() && faults.is_empty() {
        return Check::inconclusive(CheckId::Backoff, "the client made no attempt to reconnect");
    }
    if faults.is_empty() {
        Check::pass(
            CheckId::Backoff,
            format!(
                "gaps before each attempt: {} (at least {min_interval:?})",
                gaps.join(", ")
            ),
        )
    } else {
        Check::fail(CheckId::Backoff, faults.join("; "))
    }
}

/// The same filter on the new connection as the last accepted one on the old,
/// after mapping ids that changed (a restart) through `ids`.
pub fn refilters(
    before: Option<&str>,
    after: Option<&str>,
    new_conn: Conn,
    ids: &BTreeMap<String, String>,
) -> Check {
    let Some(before) = before else {
        return Check::inconclusive(
            CheckId::Refilters,
            "no filter was accepted on the first connection, so there is none to repeat",
        );
    };
    let Some(after) = after else {
        return Check::fail(
            CheckId::Refilters,
            format!(
                "never sent its filter on the new connection #{new_conn}: a new connection starts unfiltered, so it now gets every event"
            ),
        );
    };
    let expected: Option<BTreeSet<Entry>> = entry_set(before).map(|set| {
        set.into_iter()
            .map(|e| Entry {
                value: ids.get(&e.value).cloned().unwrap_or(e.value),
                property: e.property,
            })
            .collect()
    });
    let actual = entry_set(after);
    match (expected, actual) {
        (Some(expected), Some(actual)) if expected == actual => Check::pass(
            CheckId::Refilters,
            format!(
                "the same {} entries on #{new_conn}{}",
                actual.len(),
                if ids.is_empty() { "" } else { " (ids renewed)" }
            ),
        ),
        (Some(_), Some(_)) => Check::fail(
            CheckId::Refilters,
            format!(
                "the filter on #{new_conn} differs from the one before: before {}, after {}",
                shorten(before),
                shorten(after)
            ),
        ),
        _ => Check::fail(
            CheckId::Refilters,
            format!(
                "the first message on #{new_conn} is not a filter message: {}",
                shorten(after)
            ),
        ),
    }
}
