//! Filter semantics (docs/protocol.md §5.2): the one definition used by the server, `play`, the
//! conformance runner and the benches.
//!
//! Rules are grouped by property name. An event is admitted when, for every group,
//! the event has that property and either the group holds `"*"` or one of the group's
//! values equals the property's value (OR within a property, AND across properties).
//! No rules at all admits everything.

use std::collections::BTreeMap;

use super::event::Event;
use super::value::PropValue;

/// The wildcard filter value: any value of a property that is present.
pub const WILDCARD: &str = "*";

/// One entry of a filter message, after validation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FilterRule {
    /// The event property the rule looks at.
    pub property: String,
    /// What it accepts.
    pub value: RuleValue,
}

/// What one rule accepts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleValue {
    /// `"*"`: any value of a present property.
    Any,
    /// Exactly this text (a string's content, or a number's or boolean's JSON text).
    Text(String),
}

impl FilterRule {
    /// A rule for `property`; the value `"*"` becomes [`RuleValue::Any`].
    pub fn new(property: impl Into<String>, value: impl Into<String>) -> Self {
        let value = value.into();
        FilterRule {
            property: property.into(),
            value: if value == WILDCARD {
                RuleValue::Any
            } else {
                RuleValue::Text(value)
            },
        }
    }
}

/// All rules on one property: OR among them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PropertyGroup {
    property: String,
    any: bool,
    values: Vec<String>,
}

/// The filters in force on one connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterSet {
    rules: Vec<FilterRule>,
    groups: Vec<PropertyGroup>,
}

impl FilterSet {
    /// The set in force before any filter message: admits everything.
    pub fn allow_all() -> Self {
        FilterSet::default()
    }

    /// Builds the set a filter message with these entries asks for.
    pub fn from_rules(rules: Vec<FilterRule>) -> Self {
        let mut grouped: BTreeMap<&str, PropertyGroup> = BTreeMap::new();
        for rule in &rules {
            let group = grouped
                .entry(rule.property.as_str())
                .or_insert_with(|| PropertyGroup {
                    property: rule.property.clone(),
                    any: false,
                    values: Vec::new(),
                });
            match &rule.value {
                RuleValue::Any => group.any = true,
                RuleValue::Text(v) => group.values.push(v.clone()),
            }
        }
        let groups = grouped
            .into_values()
            .map(|mut g| {
                g.values.sort();
                g.values.dedup();
                if g.any {
                    g.values.clear();
                }
                g
            })
            .collect();
        FilterSet { rules, groups }
    }

    /// The rules as the client sent them.
    pub fn rules(&self) -> &[FilterRule] {
        &self.rules
    }

    /// Whether the set admits every event (no rules).
    pub fn is_unrestricted(&self) -> bool {
        self.groups.is_empty()
    }

    /// The distinct property names the set looks at, sorted.
    pub fn properties(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(|g| g.property.as_str())
    }

    /// Whether an event passes the set.
    pub fn admits(&self, event: &Event) -> bool {
        self.admits_with(|name| event.property(name))
    }

    /// Whether an event, seen through a property lookup, passes the set.
    pub fn admits_with<'a>(&self, lookup: impl Fn(&str) -> Option<PropValue<'a>>) -> bool {
        self.groups
            .iter()
            .all(|group| match lookup(&group.property) {
                None => false,
                Some(_) if group.any => true,
                Some(value) => group.values.iter().any(|v| value.matches_text(v)),
            })
    }
}

/// A deliberately plain implementation of the same rule, on the decoded wire JSON.
///
/// It shares no code with [`FilterSet`]; tests and the conformance runner use it to
/// check the server's filter against the documentation's wording.
pub mod reference {
    use serde_json::{Map, Value};

    /// Whether `event` (a decoded event object) passes `rules` (property, filter
    /// value as sent).
    pub fn admits(rules: &[(String, Value)], event: &Map<String, Value>) -> bool {
        for (property, _) in rules {
            let same_property: Vec<&Value> = rules
                .iter()
                .filter(|(p, _)| p == property)
                .map(|(_, v)| v)
                .collect();
            let Some(actual) = event.get(property) else {
                return false;
            };
            let wildcard = Value::String("*".to_string());
            let ok = same_property.iter().any(|wanted| {
                *wanted == &wildcard
                    || (!actual.is_null() && json_text(wanted) == json_text(actual))
            });
            if !ok {
                return false;
            }
        }
        true
    }

    fn json_text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::event::{EventBody, SegmentHangup};

    fn hangup(username: Option<&str>) -> Event {
        Event {
            time: 5,
            core_server_id: "cs".into(),
            body: EventBody::Hangup(SegmentHangup {
                call_segment_id: "seg".into(),
                caller_id_name: "Dana".into(),
                caller_id_number: "1001".into(),
                did: None,
                extension_id: None,
                extension_number: None,
                user_id: None,
                username: username.map(str::to_string),
            }),
        }
    }

    fn set(rules: &[(&str, &str)]) -> FilterSet {
        FilterSet::from_rules(rules.iter().map(|(p, v)| FilterRule::new(*p, *v)).collect())
    }

    #[test]
    fn documented_examples_hold() {
        let e = hangup(Some("mikey"));
        assert!(set(&[("type", "hangup")]).admits(&e));
        assert!(!set(&[("type", "dial")]).admits(&e));
        assert!(set(&[("type", "userLogin"), ("type", "hangup")]).admits(&e));
        assert!(set(&[("type", "hangup"), ("username", "mikey")]).admits(&e));
        assert!(!set(&[("type", "hangup"), ("username", "bob")]).admits(&e));
        assert!(set(&[("username", "*")]).admits(&e));
    }

    #[test]
    fn missing_property_fails_even_with_wildcard() {
        assert!(!set(&[("queue", "*")]).admits(&hangup(Some("x"))));
    }

    #[test]
    fn null_matches_only_the_wildcard() {
        let e = hangup(None);
        assert!(set(&[("username", "*")]).admits(&e));
        assert!(!set(&[("username", "null")]).admits(&e));
    }

    #[test]
    fn numbers_match_by_json_text_and_strings_case_sensitively() {
        let e = hangup(Some("Mikey"));
        assert!(set(&[("time", "5")]).admits(&e));
        assert!(!set(&[("username", "mikey")]).admits(&e));
    }

    #[test]
    fn no_rules_admits_everything() {
        assert!(FilterSet::allow_all().admits(&hangup(None)));
        assert!(set(&[]).is_unrestricted());
    }
}
