//! The differential comparison, pure: is what a filtered connection received
//! exactly the subsequence of the unfiltered connection's events that the filter
//! admits (by default [`reference::admits`], the plain reading of docs/protocol.md §5.2)?
//! Events are matched without the fields the catalogue lacks
//! ([`fields`](super::fields)), so a stamp that differs per connection does not
//! keep two copies of one event apart.
//!
//! Both connections see one server's single stream of events, so the filtered one
//! must be a subsequence of it. The runner sets every filtered connection up (filter
//! sent, reply received) *before* it opens the unfiltered one, so every event the
//! unfiltered connection receives was published while the filter was in force.
//! What is left are the two edges of the window, defined as:
//! - **lead edge**: filtered events received before the first one the unfiltered
//!   connection also has were published before it attached; they are still checked
//!   against the filter, but need not appear on the unfiltered connection;
//! - **tail edge**: the window ends at `stop_ms`, and the connections read on a
//!   little (so a busy reader still takes in what was published before the end);
//!   an event received within `edge_ms` before the end or after it, after the last
//!   event the two have in common, may have reached one connection and not yet the
//!   other, so it is not required.
//!
//! Everything else counts: a filtered event the filter does not admit, an admitted
//! event missing from the filtered connection, an event the unfiltered connection
//! never received, or one out of order, each fails the rule set.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::protocol::filter::reference;

use super::fields::without_extra_fields;
use super::verdict::Verdict;

/// Reasons listed per rule set; the rest are counted.
const MAX_REASONS: usize = 8;

/// One event as a connection received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// Wall-clock ms since the run started.
    pub at_ms: u64,
    /// The frame's text.
    pub text: String,
    /// The frame decoded, when it is a JSON object.
    pub event: Option<Map<String, Value>>,
}

impl Received {
    /// A frame received at `at_ms`, decoded once.
    pub fn new(at_ms: u64, text: String) -> Received {
        let event = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(event)) => Some(event),
            _ => None,
        };
        Received { at_ms, text, event }
    }
}

/// The verdict on one filter rule set, with what it is based on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Pass, fail or inconclusive.
    pub verdict: Verdict,
    /// Why it failed (or is inconclusive).
    pub reasons: Vec<String>,
    /// Admitted events the filtered connection had to receive.
    pub expected: usize,
    /// Of those, how many it did receive.
    pub matched: usize,
    /// Events at the edges whose absence (or presence) was tolerated.
    pub tolerated: usize,
}

struct Decoded<'a> {
    key: String,
    event: &'a Map<String, Value>,
    at_ms: u64,
}

fn decode(frames: &[Received]) -> Vec<Decoded<'_>> {
    frames
        .iter()
        .filter_map(|frame| {
            let event = frame.event.as_ref()?;
            Some(Decoded {
                // Re-encoded with sorted keys: the same event is the same key even if
                // a server orders properties differently per connection.
                key: Value::Object(without_extra_fields(event)).to_string(),
                event,
                at_ms: frame.at_ms,
            })
        })
        .collect()
}

/// A short, readable name of an event: its type and time, then its other
/// properties (a few).
pub fn describe(event: &Map<String, Value>) -> String {
    let text = |key: &str| {
        event
            .get(key)
            .map_or("(absent)".to_string(), Value::to_string)
    };
    let mut out = format!("{} at time {}", text("type"), text("time"));
    let rest: Vec<String> = event
        .iter()
        .filter(|(k, _)| !["type", "time", "coreServerId"].contains(&k.as_str()))
        .take(4)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !rest.is_empty() {
        out.push_str(&format!(" ({})", rest.join(", ")));
    }
    out
}

/// Judges the events a filtered connection received after its last filter reply
/// against those of the unfiltered connection, for the rules in force; both stopped
/// reading at `stop_ms`.
pub fn compare(
    unfiltered: &[Received],
    filtered: &[Received],
    rules: &[(String, Value)],
    stop_ms: u64,
    edge_ms: u64,
) -> Comparison {
    compare_with(
        unfiltered,
        filtered,
        &|event| reference::admits(rules, event),
        stop_ms,
        edge_ms,
    )
}

/// [`compare`] with the filter given as a function.
pub fn compare_with(
    unfiltered: &[Received],
    filtered: &[Received],
    admits: &dyn Fn(&Map<String, Value>) -> bool,
    stop_ms: u64,
    edge_ms: u64,
) -> Comparison {
    let all = decode(unfiltered);
    let got = decode(filtered);
    let tail_from = stop_ms.saturating_sub(edge_ms);
    let mut reasons = Vec::new();
    let mut tolerated = 0;

    for event in &got {
        if !admits(event.event) {
            reasons.push(format!(
                "delivered an event the filter does not admit: {}",
                describe(event.event)
            ));
        }
    }

    let in_unfiltered: HashSet<&str> = all.iter().map(|e| e.key.as_str()).collect();
    let lead = got
        .iter()
        .position(|e| in_unfiltered.contains(e.key.as_str()))
        .unwrap_or(got.len());
    tolerated += lead;
    let mut matched = vec![false; all.len()];
    let mut next = 0;
    let mut last_common = None;
    for event in &got[lead..] {
        match all[next..].iter().position(|u| u.key == event.key) {
            Some(offset) => {
                let at = next + offset;
                matched[at] = true;
                last_common = Some(at);
                next = at + 1;
            }
            None if event.at_ms >= tail_from => tolerated += 1,
            None if in_unfiltered.contains(event.key.as_str()) => {
                reasons.push(format!("delivered out of order: {}", describe(event.event)))
            }
            None => reasons.push(format!(
                "delivered an event the unfiltered connection never received: {}",
                describe(event.event)
            )),
        }
    }

    let (mut expected, mut found) = (0, 0);
    for (index, event) in all.iter().enumerate() {
        if !admits(event.event) {
            continue;
        }
        let after_common = last_common.is_none_or(|last| index > last);
        if !matched[index] && after_common && event.at_ms >= tail_from {
            tolerated += 1;
            continue;
        }
        expected += 1;
        if matched[index] {
            found += 1;
        } else {
            reasons.push(format!(
                "missing an event the filter admits: {}",
                describe(event.event)
            ));
        }
    }

    let verdict = if !reasons.is_empty() {
        Verdict::Fail
    } else if expected == 0 {
        reasons.push(format!(
            "no event in the window matched this filter ({} unfiltered events), so nothing confirms it; use a longer --window or busier traffic",
            all.len()
        ));
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    };
    if reasons.len() > MAX_REASONS {
        let more = reasons.len() - MAX_REASONS;
        reasons.truncate(MAX_REASONS);
        reasons.push(format!("… and {more} more"));
    }
    Comparison {
        verdict,
        reasons,
        expected,
        matched: found,
        tolerated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at_ms: u64, kind: &str, n: u64) -> Received {
        Received::new(
            at_ms,
            format!(r#"{{"type":"{kind}","time":{n},"username":"u{n}"}}"#),
        )
    }

    fn rules(kind: &str) -> Vec<(String, Value)> {
        vec![("type".to_string(), Value::String(kind.to_string()))]
    }

    fn stream() -> Vec<Received> {
        (0..10)
            .map(|n| event(n * 100, if n % 2 == 0 { "a" } else { "b" }, n))
            .collect()
    }

    #[test]
    fn the_exact_matching_subsequence_passes() {
        let filtered: Vec<Received> = stream()
            .into_iter()
            .filter(|e| e.text.contains("\"a\""))
            .collect();
        let c = compare(&stream(), &filtered, &rules("a"), 1000, 50);
        assert_eq!(c.verdict, Verdict::Pass, "{:?}", c.reasons);
        assert_eq!((c.expected, c.matched), (5, 5));
    }

    #[test]
    fn extra_missing_and_foreign_events_fail() {
        let mut filtered: Vec<Received> = stream()
            .into_iter()
            .filter(|e| e.text.contains("\"a\""))
            .collect();
        filtered.remove(1);
        filtered.insert(2, event(450, "b", 3));
        filtered.insert(3, event(460, "a", 99));
        let c = compare(&stream(), &filtered, &rules("a"), 1000, 50);
        assert_eq!(c.verdict, Verdict::Fail);
        let all = c.reasons.join("\n");
        assert!(all.contains("does not admit: \"b\" at time 3"), "{all}");
        assert!(
            all.contains("missing an event the filter admits: \"a\" at time 2"),
            "{all}"
        );
        assert!(all.contains("never received: \"a\" at time 99"), "{all}");
    }

    #[test]
    fn edges_are_tolerated_but_still_judged_by_the_filter() {
        // Lead: one event before the unfiltered connection attached. Tail: the last
        // admitted event (at 800 ms) had not reached the filtered connection at stop.
        let mut filtered = vec![event(0, "a", 100)];
        filtered.extend(
            stream()
                .into_iter()
                .filter(|e| e.text.contains("\"a\""))
                .take(4),
        );
        let c = compare(&stream(), &filtered, &rules("a"), 820, 50);
        assert_eq!(c.verdict, Verdict::Pass, "{:?}", c.reasons);
        assert_eq!(c.tolerated, 2);
    }

    #[test]
    fn a_window_without_a_match_is_inconclusive() {
        let c = compare(&stream(), &[], &rules("zzz"), 1000, 50);
        assert_eq!(c.verdict, Verdict::Inconclusive);
    }
}
