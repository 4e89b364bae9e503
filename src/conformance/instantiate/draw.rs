//! What every rule instance is drawn with: the [`Ctx`] (learned traffic and the
//! instance's RNG stream), [`Unexercisable`], and the small builders of plans,
//! filter entries and needs. A leaf: the rule files import it while `mod.rs`
//! calls them, so imports run one way.

use serde_json::Value;

use crate::conformance::learn::{Learned, text_of};
use crate::conformance::plan::{Filters, Need, Plan, Pred, Send, Step, show};
use crate::conformance::rules::Rule;
use crate::rng::SimRng;

/// A value counts as recurring, and so likely to occur in the judging window
/// too, when the learning window saw it this often.
pub(super) const RECURRING: usize = 2;

/// Why a rule cannot be exercised on this traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexercisable {
    /// What the traffic lacks.
    pub reason: String,
    /// What traffic would settle it.
    pub settle: String,
}

pub(super) type Drawn = Result<Plan, Unexercisable>;

/// What a rule instance is drawn from.
pub struct Ctx<'a> {
    /// The learned traffic.
    pub learned: &'a Learned,
    /// This instance's own stream (named after the case and the rule).
    pub rng: SimRng,
    /// The texts of the case's messages that name this rule (message rules send
    /// them after a control filter).
    pub texts: Vec<String>,
}

pub(super) fn lacking(reason: impl Into<String>, settle: impl Into<String>) -> Unexercisable {
    Unexercisable {
        reason: reason.into(),
        settle: settle.into(),
    }
}

/// A filter entry as the documentation writes it: the value as a string (a
/// number's or boolean's JSON text), so that only `json_value_by_text` depends
/// on how a server reads non-string values.
pub(super) fn entry(property: &str, value: Value) -> (String, Value) {
    let value = match value {
        v @ (Value::Number(_) | Value::Bool(_)) => Value::String(text_of(&v)),
        other => other,
    };
    (property.to_string(), value)
}

pub(super) fn text(value: &str) -> Value {
    Value::String(value.to_string())
}

pub(super) fn plan(rule: Rule, steps: Vec<Step>, needs: Vec<Need>) -> Plan {
    Plan {
        rule: Some(rule),
        steps,
        needs,
        alternatives: Vec::new(),
    }
}

pub(super) fn need(what: impl Into<String>, test: Pred) -> Need {
    Need {
        what: what.into(),
        test,
    }
}

pub(super) fn has(property: &str, value: &Value) -> Need {
    need(
        format!("an event with {}", show(property, value)),
        Pred::Has(property.to_string(), value.clone()),
    )
}

pub(super) fn of_type(t: &str) -> Need {
    need(format!("a {t} event"), Pred::of_type(t))
}

pub(super) fn not_of_type(t: &str) -> Need {
    need(
        format!("an event of a type other than {t}"),
        !Pred::of_type(t),
    )
}

impl Ctx<'_> {
    pub(super) fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.rng.index(items.len())].clone()
    }

    /// Two different values of `items`.
    pub(super) fn pick_two<T: Clone>(&mut self, items: &[T]) -> (T, T) {
        let first = self.rng.index(items.len());
        let mut second = self.rng.index(items.len() - 1);
        if second >= first {
            second += 1;
        }
        (items[first].clone(), items[second].clone())
    }

    /// Recurring event types, or why there are too few.
    pub(super) fn types(&self, at_least: usize) -> Result<Vec<String>, Unexercisable> {
        let types = self.learned.types_seen(RECURRING);
        if types.len() < at_least {
            return Err(lacking(
                format!(
                    "the traffic has {} recurring event type(s); this rule needs {at_least}",
                    types.len()
                ),
                format!("traffic with at least {at_least} event types"),
            ));
        }
        Ok(types)
    }

    /// Properties (not `time`) with at least `count` recurring values that
    /// satisfy `keep`, each with those values.
    pub(super) fn properties_with(
        &self,
        count: usize,
        keep: impl Fn(&Value) -> bool,
    ) -> Vec<(String, Vec<Value>)> {
        self.learned
            .properties
            .keys()
            .filter(|p| *p != "time")
            .filter_map(|p| {
                let values: Vec<Value> = self
                    .learned
                    .values_seen(p, RECURRING)
                    .into_iter()
                    .filter(|v| keep(v))
                    .collect();
                (values.len() >= count).then(|| (p.clone(), values))
            })
            .collect()
    }

    /// Properties that some event types never carry.
    pub(super) fn partial(
        &self,
        candidates: Vec<(String, Vec<Value>)>,
    ) -> Vec<(String, Vec<Value>)> {
        candidates
            .into_iter()
            .filter(|(p, _)| !self.learned.types_without(p).is_empty())
            .collect()
    }

    pub(super) fn nulls(&self, property: &str) -> usize {
        self.learned.properties.get(property).map_or(0, |s| s.nulls)
    }
}

/// Prefers the candidates `better` keeps, when there are any.
pub(super) fn prefer<T>(items: Vec<T>, better: impl Fn(&T) -> bool) -> Vec<T> {
    if items.iter().any(&better) {
        items.into_iter().filter(|i| better(i)).collect()
    } else {
        items
    }
}

pub(super) fn single(filters: Filters, rule: Rule) -> Vec<Step> {
    vec![Step::Send(Send::filter(&filters, Some(rule)))]
}
