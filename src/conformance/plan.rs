//! What one rule instance does in differential mode: the messages of one
//! filtered connection, our reading of each, the evidence the judging window must
//! hold, and the readings of our defaults a server may follow instead. Judged by
//! [`probe`](super::probe).

use serde_json::Value;

use crate::protocol::filter::reference;
use crate::protocol::message::rewrite_documented_form;
use crate::protocol::{ParseOptions, parse_client_message};

use super::learn::{EventMap, text_of};
use super::rules::Rule;

/// The entries of a filter message: (property, value as sent).
pub type Filters = Vec<(String, Value)>;

/// A condition on one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// Our reading of these filters admits it.
    Admitted(Filters),
    /// It has `property` equal to this JSON value (`null` included).
    Has(String, Value),
    /// It carries `property`, whatever the value.
    HasProperty(String),
    /// Both hold.
    And(Box<Pred>, Box<Pred>),
    /// It does not hold.
    Not(Box<Pred>),
}

impl Pred {
    /// Whether `event` satisfies it.
    pub fn holds(&self, event: &EventMap) -> bool {
        match self {
            Pred::Admitted(filters) => reference::admits(filters, event),
            Pred::Has(property, value) => event.get(property) == Some(value),
            Pred::HasProperty(property) => event.contains_key(property),
            Pred::And(a, b) => a.holds(event) && b.holds(event),
            Pred::Not(p) => !p.holds(event),
        }
    }

    /// `type` = `value`.
    pub fn of_type(value: &str) -> Pred {
        Pred::Has("type".to_string(), Value::String(value.to_string()))
    }

    /// Both.
    pub fn and(self, other: Pred) -> Pred {
        Pred::And(Box::new(self), Box::new(other))
    }
}

impl std::ops::Not for Pred {
    type Output = Pred;

    fn not(self) -> Pred {
        Pred::Not(Box::new(self))
    }
}

/// Evidence the judging window must hold: at least one event satisfying `test`.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// What such an event is, in words (`a hangup event with username="ines"`).
    pub what: String,
    /// The condition.
    pub test: Pred,
}

/// One message of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    /// The text frame.
    pub text: String,
    /// The rule its reply is graded by.
    pub rule: Option<Rule>,
    /// Our reading: the filters it sets, or `None` when we refuse it.
    pub ours: Option<Filters>,
    /// What it would set if a server accepted it anyway (a lenient reading), when
    /// that can be told.
    pub lenient: Option<Filters>,
}

impl Send {
    /// A message read as our specification reads it.
    pub fn new(text: impl Into<String>, rule: Option<Rule>) -> Send {
        let text = text.into();
        let ours = parse_client_message(&text, ParseOptions::default())
            .is_ok()
            .then(|| filters_of(&text))
            .flatten();
        let lenient = lenient_filters(&text);
        Send {
            text,
            rule,
            ours,
            lenient,
        }
    }

    /// A valid filter message with these entries.
    pub fn filter(filters: &[(String, Value)], rule: Option<Rule>) -> Send {
        Send::new(filter_text(filters), rule)
    }
}

/// `{"type":"filter","filters":[...]}` with these entries.
pub fn filter_text(filters: &[(String, Value)]) -> String {
    let entries: Vec<Value> = filters
        .iter()
        .map(|(p, v)| serde_json::json!({"property": p, "value": v}))
        .collect();
    format!(r#"{{"type":"filter","filters":{}}}"#, Value::Array(entries))
}

/// A step on the filtered connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send a text frame and wait for its reply.
    Send(Send),
    /// Close the connection and open a new one.
    Reconnect,
}

/// A reading of the filters that differs from ours in one default rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Ours.
    Ours,
    /// A `null` property matches the text `"null"`.
    NullMatchesText,
}

/// An alternative a server may follow instead of our default.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// The default rule it departs from.
    pub rule: Rule,
    /// What the server does instead, in words.
    pub instead: String,
    /// The reading that describes it.
    pub reading: Reading,
}

/// One rule instance: what to do on a filtered connection and how to judge it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The rule it checks (`None` for a case that names no rule).
    pub rule: Option<Rule>,
    /// What the filtered connection does.
    pub steps: Vec<Step>,
    /// The evidence the judging window must hold.
    pub needs: Vec<Need>,
    /// Readings of our default rules a server may follow instead.
    pub alternatives: Vec<Alternative>,
}

/// The filters of a message our parser accepted.
fn filters_of(text: &str) -> Option<Filters> {
    let Ok(Value::Object(message)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    let Some(Value::Array(entries)) = message.get("filters") else {
        return None;
    };
    entries
        .iter()
        .map(|entry| {
            let property = entry.get("property")?.as_str()?.to_string();
            Some((property, entry.get("value")?.clone()))
        })
        .collect()
}

/// A lenient reading: any object with a `filters` list of entries that have a
/// string `property` and a `value`, extra keys ignored; the documentation's
/// invalid form rewritten first.
fn lenient_filters(text: &str) -> Option<Filters> {
    let text = match serde_json::from_str::<Value>(text) {
        Ok(_) => text.to_string(),
        Err(_) => rewrite_documented_form(text)?,
    };
    filters_of(&text)
}

/// `username="ines"`, `port=51234`, `did=null`.
pub fn show(property: &str, value: &Value) -> String {
    match value {
        Value::String(_) | Value::Null => format!("{property}={value}"),
        other => format!("{property}={}", text_of(other)),
    }
}
