//! What changed since the dashboard was last told: each keyed list remembers the
//! rows it sent, and a sample yields only the rows that are new or differ, and
//! the keys that are gone. Plain values (the run's status, the counters) are
//! sent whole, when they differ.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// The rows of one list that changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Change {
    /// New or changed rows, whole.
    pub(crate) upsert: Vec<Value>,
    /// Keys of rows that are gone.
    pub(crate) remove: Vec<String>,
}

/// One keyed list as last sent.
#[derive(Debug, Default)]
pub(crate) struct Section {
    sent: BTreeMap<String, Value>,
}

impl Section {
    /// What differs between `rows` (key, row) and what was sent; remembers `rows`.
    /// `None` when nothing changed.
    pub(crate) fn diff(
        &mut self,
        rows: impl IntoIterator<Item = (String, Value)>,
    ) -> Option<Change> {
        let now: BTreeMap<String, Value> = rows.into_iter().collect();
        let mut change = Change::default();
        for (key, row) in &now {
            if self.sent.get(key) != Some(row) {
                change.upsert.push(row.clone());
            }
        }
        change.remove = self
            .sent
            .keys()
            .filter(|key| !now.contains_key(*key))
            .cloned()
            .collect();
        self.sent = now;
        (!change.upsert.is_empty() || !change.remove.is_empty()).then_some(change)
    }
}

/// A whole value as last sent.
#[derive(Debug, Default)]
pub(crate) struct Whole {
    sent: Option<Value>,
}

impl Whole {
    /// `value` when it differs from what was sent; remembers it.
    pub(crate) fn diff(&mut self, value: Value) -> Option<Value> {
        if self.sent.as_ref() == Some(&value) {
            return None;
        }
        self.sent = Some(value.clone());
        Some(value)
    }
}

/// Rows keyed by the string or number at `key` in each.
pub(crate) fn keyed<T: Serialize>(rows: &[T], key: &str) -> Vec<(String, Value)> {
    rows.iter()
        .filter_map(|row| serde_json::to_value(row).ok())
        .map(|value| {
            let id = match value.get(key) {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            (id, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_new_changed_and_removed_rows_are_sent() {
        let mut section = Section::default();
        let first = section.diff(keyed(
            &[json!({"id": 1, "a": 1}), json!({"id": 2, "a": 2})],
            "id",
        ));
        let same = section.diff(keyed(
            &[json!({"id": 1, "a": 1}), json!({"id": 2, "a": 2})],
            "id",
        ));
        let changed = section.diff(keyed(
            &[json!({"id": 1, "a": 9}), json!({"id": 3, "a": 3})],
            "id",
        ));

        assert_eq!(first.map(|c| c.upsert.len()), Some(2));
        assert_eq!(same, None);
        let changed = changed.expect("a change");
        assert_eq!(
            changed.upsert,
            vec![json!({"id": 1, "a": 9}), json!({"id": 3, "a": 3})]
        );
        assert_eq!(changed.remove, vec!["2".to_string()]);
    }

    #[test]
    fn whole_values_are_sent_when_they_differ() {
        let mut whole = Whole::default();
        assert!(whole.diff(json!({"paused": true})).is_some());
        assert!(whole.diff(json!({"paused": true})).is_none());
        assert!(whole.diff(json!({"paused": false})).is_some());
    }
}
