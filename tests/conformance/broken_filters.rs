//! Deliberately broken filter implementations. Each must make the runner give a
//! failing verdict, in-process and (served by `broken_server`) in differential mode.

use isymphony_sim::conformance::FilterImpl;
use isymphony_sim::protocol::filter::{RuleValue, WILDCARD};
use isymphony_sim::protocol::{Event, FilterRule, FilterSet, PropValue};

/// One way of getting docs/protocol.md §5.2 wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// An event without a filtered property passes.
    MissingPropertyPasses,
    /// Filters on the same property are ANDed instead of ORed.
    AndWithinProperty,
    /// `"*"` is compared literally instead of matching any value.
    WildcardIgnored,
    /// A filter message adds to the previous filters instead of replacing them.
    MergedNotReplaced,
    /// Values are compared ignoring case.
    CaseInsensitive,
}

impl Broken {
    /// Every broken implementation, with the reference case that must catch it.
    pub const ALL: [(Broken, &'static str); 5] = [
        (Broken::MissingPropertyPasses, "missing_property"),
        (Broken::AndWithinProperty, "or_within_property"),
        (Broken::WildcardIgnored, "wildcard"),
        (Broken::MergedNotReplaced, "replace_not_merge"),
        (Broken::CaseInsensitive, "case_sensitivity"),
    ];

    /// A new connection's filter with this defect.
    pub fn filter(self) -> Box<dyn FilterImpl + Send> {
        Box::new(BrokenFilter {
            defect: self,
            rules: Vec::new(),
        })
    }
}

struct BrokenFilter {
    defect: Broken,
    rules: Vec<FilterRule>,
}

impl FilterImpl for BrokenFilter {
    fn set_filters(&mut self, filters: FilterSet) {
        if self.defect != Broken::MergedNotReplaced {
            self.rules.clear();
        }
        self.rules.extend(filters.rules().iter().cloned());
    }

    fn admits(&self, event: &Event) -> bool {
        let mut properties: Vec<&str> = self.rules.iter().map(|r| r.property.as_str()).collect();
        properties.sort_unstable();
        properties.dedup();
        properties.into_iter().all(|property| {
            let Some(actual) = event.property(property) else {
                return self.defect == Broken::MissingPropertyPasses;
            };
            let mut values = self
                .rules
                .iter()
                .filter(|r| r.property == property)
                .map(|r| self.matches(&r.value, actual));
            if self.defect == Broken::AndWithinProperty {
                values.all(|m| m)
            } else {
                values.any(|m| m)
            }
        })
    }
}

impl BrokenFilter {
    fn matches(&self, wanted: &RuleValue, actual: PropValue<'_>) -> bool {
        match wanted {
            RuleValue::Any if self.defect == Broken::WildcardIgnored => {
                actual.matches_text(WILDCARD)
            }
            RuleValue::Any => true,
            RuleValue::Text(text) => match (self.defect, actual) {
                (Broken::CaseInsensitive, PropValue::Str(s)) => s.eq_ignore_ascii_case(text),
                _ => actual.matches_text(text),
            },
        }
    }
}
