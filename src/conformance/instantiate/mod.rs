//! Rule instances drawn from the traffic: for each rule of the table, a
//! [`Plan`] whose filters use types, properties and values the target's traffic
//! really carries ([`Learned`]), picked with the run's seeded RNG. "OR within a
//! property" becomes two values of one property that both occur; "missing
//! property" a property present in some event types and absent from others; "null
//! matches only `*`" a property seen with `null`; and so on.
//!
//! A rule no traffic of this target can exercise gives [`Unexercisable`], with the
//! reason and the traffic that would settle it. One exhaustive match over
//! [`Rule`]: a new rule cannot be forgotten here.

use serde_json::Value;

use crate::rng::SimRng;

use super::learn::{Learned, text_of};
use super::plan::{Filters, Need, Plan, Pred, Send, Step, show};
use super::rules::Rule;

mod combined;
pub(super) mod messages;
mod values;

/// A value counts as recurring, and so likely to occur in the judging window
/// too, when the learning window saw it this often.
pub(super) const RECURRING: usize = 2;

/// Entries of the large filter set (`any_number_of_filters`), the reference
/// case's size.
const LARGE_SET: usize = 300;

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
    fn partial(&self, candidates: Vec<(String, Vec<Value>)>) -> Vec<(String, Vec<Value>)> {
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

/// Draws an instance of `rule` from the traffic.
///
/// # Errors
/// [`Unexercisable`] when the traffic cannot exercise the rule.
pub fn instantiate(rule: Rule, ctx: &mut Ctx<'_>) -> Drawn {
    if ctx.learned.total == 0 {
        return Err(lacking(
            format!(
                "the server sent no event in the {} ms learning window",
                ctx.learned.window_ms
            ),
            "a longer --window, or a server with traffic",
        ));
    }
    let drawn = match rule {
        Rule::NoFilterDeliversAll => Ok(plan(
            rule,
            Vec::new(),
            vec![need("any event", Pred::Admitted(Vec::new()))],
        )),
        Rule::TypeFilter => type_filter(rule, ctx),
        Rule::OrWithinProperty => or_within(ctx),
        Rule::AndAcrossProperties => combined::and_across(ctx),
        Rule::MissingProperty => missing_property(ctx),
        Rule::PropertyNamesExact => values::property_names_exact(ctx),
        Rule::Wildcard => wildcard(ctx),
        Rule::WildcardNeedsProperty => wildcard_needs_property(ctx),
        Rule::WildcardOrValue => wildcard_or_value(ctx),
        Rule::NullIsPresent => values::null_is_present(ctx),
        Rule::ExactValue => values::exact_value(ctx),
        Rule::CaseSensitiveValues => values::case_sensitive(ctx),
        Rule::NumbersByText => values::numbers_by_text(ctx),
        Rule::ReplaceNotMerge => two_filters(rule, ctx, false),
        Rule::EmptyListDeliversAll => two_filters(rule, ctx, true),
        Rule::ReconnectStartsUnfiltered => reconnect(ctx),
        Rule::AnyNumberOfFilters => combined::large_set(ctx, LARGE_SET),
        Rule::DuplicateEntries => duplicates(ctx),
        Rule::BaseProperties => base_properties(ctx),
        Rule::ValidFormAccepted => valid_form(ctx),
        Rule::JsonValueByText => values::json_value(ctx),
        Rule::NullMatchesOnlyWildcard => values::null_only_wildcard(ctx),
        Rule::ReplyShape => type_filter(rule, ctx),
        Rule::DocumentedInvalidFormRefused
        | Rule::MalformedRefused
        | Rule::EmptyPropertyRefused
        | Rule::NullValueRefused
        | Rule::UnknownKeysRefused
        | Rule::UnknownMessageTypeRefused => messages::messages(rule, ctx),
    };
    drawn.map_err(|mut lack| {
        if ctx.learned.is_thin() {
            lack.settle.push_str(&format!(
                "; the learning window saw only {} events, so a longer --window may find it",
                ctx.learned.total
            ));
        }
        lack
    })
}

fn type_filter(rule: Rule, ctx: &mut Ctx<'_>) -> Drawn {
    let types = ctx.types(2)?;
    let t = ctx.pick(&types);
    Ok(plan(
        rule,
        single(vec![entry("type", text(&t))], rule),
        vec![of_type(&t), not_of_type(&t)],
    ))
}

fn or_within(ctx: &mut Ctx<'_>) -> Drawn {
    let learned = ctx.learned;
    let candidates: Vec<(String, Vec<Value>)> = ctx
        .properties_with(2, |v| !v.is_null())
        .into_iter()
        // Some event must fall outside the two values, or OR proves nothing.
        .filter(|(p, values)| values.len() > 2 || !learned.types_without(p).is_empty())
        .collect();
    let candidates = prefer(candidates, |(p, _)| p != "type");
    if candidates.is_empty() {
        return Err(lacking(
            "no property takes two recurring values while other events fall outside them",
            "traffic where a property such as username takes several values",
        ));
    }
    let (p, values) = ctx.pick(&candidates);
    let (a, b) = ctx.pick_two(&values);
    let filters = vec![entry(&p, a.clone()), entry(&p, b.clone())];
    Ok(plan(
        Rule::OrWithinProperty,
        single(filters.clone(), Rule::OrWithinProperty),
        vec![
            has(&p, &a),
            has(&p, &b),
            need(
                "an event the filters do not admit",
                !Pred::Admitted(filters),
            ),
        ],
    ))
}

fn missing_property(ctx: &mut Ctx<'_>) -> Drawn {
    let candidates = ctx.partial(ctx.properties_with(1, |v| !v.is_null()));
    if candidates.is_empty() {
        return Err(lacking(
            "every property occurs in every event type",
            "traffic of several event types with different properties",
        ));
    }
    let (p, values) = ctx.pick(&candidates);
    let v = ctx.pick(&values);
    Ok(plan(
        Rule::MissingProperty,
        single(vec![entry(&p, v.clone())], Rule::MissingProperty),
        vec![
            has(&p, &v),
            need(
                format!("an event without {p}"),
                !Pred::HasProperty(p.clone()),
            ),
        ],
    ))
}

fn wildcard(ctx: &mut Ctx<'_>) -> Drawn {
    let candidates = ctx.properties_with(2, |v| !v.is_null());
    let candidates = prefer(candidates, |(p, _)| ctx.nulls(p) == 0 && p != "type");
    if candidates.is_empty() {
        return Err(lacking(
            "no property takes two recurring values",
            "traffic where a property takes several values",
        ));
    }
    let (p, values) = ctx.pick(&candidates);
    let (a, b) = ctx.pick_two(&values);
    Ok(plan(
        Rule::Wildcard,
        single(vec![entry(&p, text("*"))], Rule::Wildcard),
        vec![has(&p, &a), has(&p, &b)],
    ))
}

fn wildcard_needs_property(ctx: &mut Ctx<'_>) -> Drawn {
    let candidates = ctx.partial(ctx.properties_with(1, |_| true));
    let candidates = prefer(candidates, |(p, _)| ctx.nulls(p) == 0);
    if candidates.is_empty() {
        return Err(lacking(
            "every property occurs in every event type",
            "traffic of several event types with different properties",
        ));
    }
    let (p, _) = ctx.pick(&candidates);
    Ok(plan(
        Rule::WildcardNeedsProperty,
        single(vec![entry(&p, text("*"))], Rule::WildcardNeedsProperty),
        vec![
            need(format!("an event with {p}"), Pred::HasProperty(p.clone())),
            need(
                format!("an event without {p}"),
                !Pred::HasProperty(p.clone()),
            ),
        ],
    ))
}

fn wildcard_or_value(ctx: &mut Ctx<'_>) -> Drawn {
    let candidates = ctx.properties_with(2, |v| !v.is_null());
    let candidates = prefer(candidates, |(p, _)| p != "type");
    if candidates.is_empty() {
        return Err(lacking(
            "no property takes two recurring values",
            "traffic where a property takes several values",
        ));
    }
    let (p, values) = ctx.pick(&candidates);
    let (a, b) = ctx.pick_two(&values);
    Ok(plan(
        Rule::WildcardOrValue,
        single(
            vec![entry(&p, a), entry(&p, text("*"))],
            Rule::WildcardOrValue,
        ),
        vec![has(&p, &b)],
    ))
}

/// A first type filter, then a second message: another type (replace), or the
/// empty list (which must deliver everything again).
fn two_filters(rule: Rule, ctx: &mut Ctx<'_>, empty: bool) -> Drawn {
    let types = ctx.types(2)?;
    let (a, b) = ctx.pick_two(&types);
    let second: Filters = if empty {
        Vec::new()
    } else {
        vec![entry("type", text(&b))]
    };
    let needs = if empty {
        vec![not_of_type(&a)]
    } else {
        vec![of_type(&a), of_type(&b)]
    };
    Ok(plan(
        rule,
        vec![
            Step::Send(Send::filter(
                &[entry("type", text(&a))],
                Some(Rule::TypeFilter),
            )),
            Step::Send(Send::filter(&second, Some(rule))),
        ],
        needs,
    ))
}

fn reconnect(ctx: &mut Ctx<'_>) -> Drawn {
    let types = ctx.types(2)?;
    let t = ctx.pick(&types);
    Ok(plan(
        Rule::ReconnectStartsUnfiltered,
        vec![
            Step::Send(Send::filter(
                &[entry("type", text(&t))],
                Some(Rule::TypeFilter),
            )),
            Step::Reconnect,
        ],
        vec![not_of_type(&t)],
    ))
}

fn duplicates(ctx: &mut Ctx<'_>) -> Drawn {
    let types = ctx.types(2)?;
    let (a, b) = ctx.pick_two(&types);
    let rule = Rule::DuplicateEntries;
    Ok(plan(
        rule,
        single(
            vec![
                entry("type", text(&a)),
                entry("type", text(&a)),
                entry("type", text(&b)),
            ],
            rule,
        ),
        vec![of_type(&a), of_type(&b)],
    ))
}

/// A single core server's traffic cannot tell a server that ignores
/// `coreServerId` from a correct one with a value that occurs, so the instance
/// uses one that never occurs, ANDed with a recurring type: it must admit nothing
/// although events of that type flow.
fn base_properties(ctx: &mut Ctx<'_>) -> Drawn {
    let types = ctx.types(1)?;
    if ctx.learned.values_seen("coreServerId", 1).is_empty() {
        return Err(lacking(
            "no event carries coreServerId (every documented event does)",
            "traffic whose events carry coreServerId",
        ));
    }
    let unseen = loop {
        let candidate = text(&ctx.rng.uuid());
        if !ctx.learned.has_value("coreServerId", &candidate) {
            break candidate;
        }
    };
    let t = ctx.pick(&types);
    let rule = Rule::BaseProperties;
    let filters = vec![entry("coreServerId", unseen), entry("type", text(&t))];
    Ok(plan(rule, single(filters, rule), vec![of_type(&t)]))
}

fn valid_form(ctx: &mut Ctx<'_>) -> Drawn {
    let types = ctx.types(2)?;
    let t = ctx.pick(&types);
    // Spaced as the documentation prints it, with the entry syntax corrected.
    let message = format!(
        "{{ \"type\" : \"filter\", \"filters\" : [ {{\"property\" : \"type\", \"value\" : {} }} ] }}",
        text(&t)
    );
    let rule = Rule::ValidFormAccepted;
    Ok(plan(
        rule,
        vec![Step::Send(Send::new(message, Some(rule)))],
        vec![of_type(&t), not_of_type(&t)],
    ))
}
