//! Every Event API connection as the dashboard (`/sim/ui`) shows it: who, since
//! when, its filter grouped by property, what it was sent and dropped, what waits
//! in its queue, and, for the ones that ended lately, how they ended.
//!
//! The dispatcher answers for the attached clients; the ones that left are kept
//! in a ring of the last [`MAX_DEPARTED`], so the table stays bounded. A client
//! leaves the fan-out either by its session's `Detach`, which says how it ended,
//! or earlier, when the dispatcher drops it (a slow consumer, a `drop` or `close`
//! fault); the session's `Detach` then fills in the ending.

use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;

use crate::protocol::FilterSet;
use crate::protocol::filter::{RuleValue, WILDCARD};

/// Ended connections the roster remembers.
pub const MAX_DEPARTED: usize = 50;

/// Values shown per filter property; a longer list says how many more it has.
pub const MAX_SHOWN_VALUES: usize = 20;

/// What the roster says of a client that left the fan-out before its session
/// said how it ended.
pub const ENDING_UNKNOWN_YET: &str = "closing";

/// One property of a client's filter: its values, OR-ed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterGroup {
    /// The event property.
    pub property: String,
    /// Up to [`MAX_SHOWN_VALUES`] values as sent (`"*"` for any value), sorted.
    pub values: Vec<String>,
    /// Values left out of `values`.
    pub more: usize,
}

/// Groups a filter set by property, as the filter semantics read it.
pub fn grouped(filters: &FilterSet) -> Vec<FilterGroup> {
    let mut by_property: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for rule in filters.rules() {
        let value = match &rule.value {
            RuleValue::Any => WILDCARD,
            RuleValue::Text(text) => text.as_str(),
        };
        by_property.entry(&rule.property).or_default().push(value);
    }
    by_property
        .into_iter()
        .map(|(property, mut values)| {
            values.sort_unstable();
            values.dedup();
            let more = values.len().saturating_sub(MAX_SHOWN_VALUES);
            values.truncate(MAX_SHOWN_VALUES);
            FilterGroup {
                property: property.to_string(),
                values: values.into_iter().map(str::to_string).collect(),
                more,
            }
        })
        .collect()
}

/// One connection, attached or ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    /// The id faults target.
    pub id: u64,
    /// Where it connected from.
    pub peer: Option<String>,
    /// When it attached, wall-clock epoch ms.
    pub connected_at_ms: i64,
    /// Its filter, by property; empty: it receives everything.
    pub filter: Vec<FilterGroup>,
    /// Filter entries as sent.
    pub filter_entries: usize,
    /// Events queued to it.
    pub delivered: u64,
    /// Events due to it that could not be queued.
    pub dropped: u64,
    /// Frames waiting in its queue now.
    pub queued: usize,
    /// Capacity of its queue (`--client-queue`).
    pub queue_capacity: usize,
    /// Events still to be sent twice (`duplicate` faults).
    pub duplicates_pending: u64,
}

/// A connection that ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Departed {
    /// The connection as it stood when it left the fan-out.
    #[serde(flatten)]
    pub client: ClientView,
    /// When it left, wall-clock epoch ms.
    pub ended_at_ms: i64,
    /// How it ended, as the server logged it ("client closed the connection",
    /// "slow consumer, 1024 frames pending (1008)", ...).
    pub ending: String,
}

/// The attached clients and the last ones that ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Roster {
    /// Attached now, by id.
    pub clients: Vec<ClientView>,
    /// Ended lately, the latest first.
    pub departed: Vec<Departed>,
}

/// The last [`MAX_DEPARTED`] connections that ended.
#[derive(Debug, Default)]
pub(crate) struct Departures {
    ring: VecDeque<Departed>,
}

impl Departures {
    /// Records a client that left the fan-out; `ending` when its session said.
    pub(crate) fn left(&mut self, client: ClientView, ending: Option<String>) {
        if self.ring.len() == MAX_DEPARTED {
            self.ring.pop_back();
        }
        self.ring.push_front(Departed {
            client,
            ended_at_ms: wall_clock_ms(),
            ending: ending.unwrap_or_else(|| ENDING_UNKNOWN_YET.to_string()),
        });
    }

    /// Fills in how the departed client `id` ended; false if it is not here.
    /// (A bare id: the bus's types import this file, not the other way round.)
    pub(crate) fn ended(&mut self, id: u64, ending: String) -> bool {
        match self.ring.iter_mut().find(|d| d.client.id == id) {
            Some(departed) => {
                departed.ending = ending;
                true
            }
            None => false,
        }
    }

    /// The ring, the latest first.
    pub(crate) fn list(&self) -> Vec<Departed> {
        self.ring.iter().cloned().collect()
    }
}

/// Now, wall-clock epoch ms (0 before 1970): for people reading the dashboard.
pub(crate) fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::FilterRule;

    fn view(id: u64) -> ClientView {
        ClientView {
            id,
            peer: None,
            connected_at_ms: 0,
            filter: Vec::new(),
            filter_entries: 0,
            delivered: 0,
            dropped: 0,
            queued: 0,
            queue_capacity: 1,
            duplicates_pending: 0,
        }
    }

    #[test]
    fn filters_are_grouped_by_property_and_long_lists_say_how_many_more() {
        let mut rules = vec![
            FilterRule::new("type", "userLogin"),
            FilterRule::new("username", "*"),
            FilterRule::new("type", "hangup"),
            FilterRule::new("type", "hangup"),
        ];
        rules.extend((0..30).map(|n| FilterRule::new("extensionNumber", format!("{n:03}"))));

        let groups = grouped(&FilterSet::from_rules(rules));

        let names: Vec<&str> = groups.iter().map(|g| g.property.as_str()).collect();
        assert_eq!(names, ["extensionNumber", "type", "username"]);
        assert_eq!(
            (groups[0].values.len(), groups[0].more),
            (MAX_SHOWN_VALUES, 10)
        );
        assert_eq!(groups[1].values, ["hangup", "userLogin"]);
        assert_eq!(groups[2].values, ["*"]);
    }

    #[test]
    fn the_ring_keeps_the_latest_and_learns_endings_late() {
        let mut departures = Departures::default();
        for id in 0..(MAX_DEPARTED as u64 + 5) {
            departures.left(view(id), Some("client closed the connection".into()));
        }
        departures.left(view(1000), None);

        assert!(departures.ended(1000, "slow consumer".into()));
        assert!(!departures.ended(0, "gone long ago".into()));
        let list = departures.list();
        assert_eq!(list.len(), MAX_DEPARTED);
        assert_eq!(
            (list[0].client.id, list[0].ending.as_str()),
            (1000, "slow consumer")
        );
    }
}
