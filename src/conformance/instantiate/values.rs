//! Rule instances about how values and names compare: null, exact text, case
//! of values and of property names, numbers and booleans, JSON values.

use serde_json::Value;

use super::{
    Ctx, Drawn, RECURRING, Unexercisable, entry, has, lacking, plan, prefer, single, text,
};
use crate::conformance::learn::text_of;
use crate::conformance::plan::{Alternative, Reading};
use crate::conformance::rules::Rule;

fn null_properties(ctx: &Ctx<'_>) -> Vec<String> {
    let all: Vec<String> = ctx
        .learned
        .properties
        .keys()
        .filter(|p| ctx.nulls(p) > 0)
        .cloned()
        .collect();
    prefer(all, |p| ctx.nulls(p) >= RECURRING)
}

fn no_nulls() -> Unexercisable {
    lacking(
        "no property was null in the learning window",
        "traffic with a null property (such as a hangup of an outside caller, whose username is null)",
    )
}

pub(super) fn null_is_present(ctx: &mut Ctx<'_>) -> Drawn {
    let candidates = null_properties(ctx);
    if candidates.is_empty() {
        return Err(no_nulls());
    }
    let p = ctx.pick(&candidates);
    Ok(plan(
        Rule::NullIsPresent,
        single(vec![entry(&p, text("*"))], Rule::NullIsPresent),
        vec![has(&p, &Value::Null)],
    ))
}

pub(super) fn null_only_wildcard(ctx: &mut Ctx<'_>) -> Drawn {
    let learned = ctx.learned;
    let candidates: Vec<(String, Vec<Value>)> = null_properties(ctx)
        .into_iter()
        .map(|p| {
            let values = learned.values_seen(&p, RECURRING);
            (p, values)
        })
        .filter(|(_, values)| !values.is_empty())
        .collect();
    if candidates.is_empty() {
        return Err(no_nulls());
    }
    let (p, values) = ctx.pick(&candidates);
    let w = ctx.pick(&values);
    let rule = Rule::NullMatchesOnlyWildcard;
    let mut drawn = plan(
        rule,
        single(vec![entry(&p, text("null")), entry(&p, w.clone())], rule),
        vec![has(&p, &Value::Null), has(&p, &w)],
    );
    drawn.alternatives.push(Alternative {
        rule,
        instead: format!("the server lets a null {p} match the filter value \"null\""),
        reading: Reading::NullMatchesText,
    });
    Ok(drawn)
}

/// String values of a property with at least three characters.
fn strings(values: &[Value], min_chars: usize) -> Vec<String> {
    values
        .iter()
        .filter_map(Value::as_str)
        .filter(|s| s.chars().count() >= min_chars)
        .map(str::to_string)
        .collect()
}

pub(super) fn exact_value(ctx: &mut Ctx<'_>) -> Drawn {
    let learned = ctx.learned;
    let candidates: Vec<(String, String, String, String, Value)> = ctx
        .properties_with(2, |v| v.is_string())
        .into_iter()
        .flat_map(|(p, values)| {
            strings(&values, 3)
                .into_iter()
                .filter_map(|v| {
                    let chars: Vec<char> = v.chars().collect();
                    let prefix: String = chars[..chars.len() - 1].iter().collect();
                    let inner: String = chars[1..chars.len() - 1].iter().collect();
                    let unseen = |s: &str| !learned.has_value(&p, &text(s));
                    let other = values
                        .iter()
                        .find(|w| w.as_str() != Some(v.as_str()))?
                        .clone();
                    (unseen(&prefix) && unseen(&inner))
                        .then(|| (p.clone(), v.clone(), prefix, inner, other))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if candidates.is_empty() {
        return Err(lacking(
            "no string property takes two recurring values of three or more characters",
            "traffic where a property such as username takes several values",
        ));
    }
    let (p, v, prefix, inner, w) = ctx.pick(&candidates);
    let rule = Rule::ExactValue;
    Ok(plan(
        rule,
        single(
            vec![
                entry(&p, text(&prefix)),
                entry(&p, text(&inner)),
                entry(&p, w.clone()),
            ],
            rule,
        ),
        vec![has(&p, &text(&v)), has(&p, &w)],
    ))
}

/// The value with every letter's case flipped to one side: `ines` -> `INES`.
fn other_case(value: &str) -> String {
    if value.chars().any(|c| c.is_lowercase()) {
        value.to_uppercase()
    } else {
        value.to_lowercase()
    }
}

pub(super) fn case_sensitive(ctx: &mut Ctx<'_>) -> Drawn {
    let learned = ctx.learned;
    let candidates: Vec<(String, String, String, Value)> = ctx
        .properties_with(2, |v| v.is_string())
        .into_iter()
        .flat_map(|(p, values)| {
            strings(&values, 1)
                .into_iter()
                .filter_map(|v| {
                    let variant = other_case(&v);
                    let other = values
                        .iter()
                        .find(|w| w.as_str() != Some(v.as_str()))?
                        .clone();
                    (variant != v && !learned.has_value(&p, &text(&variant)))
                        .then(|| (p.clone(), v.clone(), variant, other))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if candidates.is_empty() {
        return Err(lacking(
            "no property takes two recurring values with letters",
            "traffic where a property such as username takes several values",
        ));
    }
    let (p, v, variant, w) = ctx.pick(&candidates);
    let rule = Rule::CaseSensitiveValues;
    Ok(plan(
        rule,
        single(vec![entry(&p, text(&variant)), entry(&p, w.clone())], rule),
        vec![has(&p, &text(&v)), has(&p, &w)],
    ))
}

pub(super) fn numbers_by_text(ctx: &mut Ctx<'_>) -> Drawn {
    let rule = Rule::NumbersByText;
    let numbers = ctx.properties_with(2, |v| v.as_i64().is_some());
    if !numbers.is_empty() {
        let (p, values) = ctx.pick(&numbers);
        let (n, m) = ctx.pick_two(&values);
        // "n.0" equals n as a number but not as text; "m" is m's JSON text.
        let filters = vec![
            entry(&p, text(&format!("{n}.0"))),
            entry(&p, text(&m.to_string())),
        ];
        return Ok(plan(
            rule,
            single(filters, rule),
            vec![has(&p, &n), has(&p, &m)],
        ));
    }
    let booleans = ctx.properties_with(2, Value::is_boolean);
    if booleans.is_empty() {
        return Err(lacking(
            "no number property takes two recurring values, and no boolean one both",
            "traffic with a number property that varies (such as port) or a boolean one (such as userCreated)",
        ));
    }
    let (p, values) = ctx.pick(&booleans);
    let (b, other) = ctx.pick_two(&values);
    Ok(plan(
        rule,
        single(vec![entry(&p, text(&text_of(&b)))], rule),
        vec![has(&p, &b), has(&p, &other)],
    ))
}

pub(super) fn json_value(ctx: &mut Ctx<'_>) -> Drawn {
    let rule = Rule::JsonValueByText;
    // A string of digits sent as a JSON number, else a number property's value.
    let digits = ctx.properties_with(1, |v| {
        v.as_str()
            .and_then(|s| s.parse::<i64>().ok().filter(|n| n.to_string() == s))
            .is_some()
    });
    let numbers = ctx.properties_with(1, |v| v.as_i64().is_some());
    let (p, seen, sent) = if !digits.is_empty() {
        let (p, values) = ctx.pick(&digits);
        let v = ctx.pick(&values);
        let n = v.as_str().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
        (p, v, Value::from(n))
    } else if !numbers.is_empty() {
        let (p, values) = ctx.pick(&numbers);
        let v = ctx.pick(&values);
        (p, v.clone(), v)
    } else {
        return Err(lacking(
            "no property recurs with a number or a string of digits",
            "traffic with a number property (such as port) or digits (such as extensionNumber)",
        ));
    };
    Ok(plan(
        rule,
        // Sent as JSON, not as text: that is what the rule is about.
        single(vec![(p.clone(), sent)], rule),
        vec![has(&p, &seen)],
    ))
}

/// `username` -> `Username`, `USER` -> `uSER`: the first letter's case flipped.
fn flip_first_letter(name: &str) -> Option<String> {
    let index = name.find(|c: char| c.is_ascii_alphabetic())?;
    let c = name[index..].chars().next()?;
    let flipped = if c.is_ascii_lowercase() {
        c.to_ascii_uppercase()
    } else {
        c.to_ascii_lowercase()
    };
    Some(format!("{}{flipped}{}", &name[..index], &name[index + 1..]))
}

pub(super) fn property_names_exact(ctx: &mut Ctx<'_>) -> Drawn {
    let learned = ctx.learned;
    let candidates: Vec<(String, String, Vec<Value>)> = ctx
        .properties_with(1, |v| !v.is_null())
        .into_iter()
        .filter_map(|(p, values)| {
            let variant = flip_first_letter(&p)?;
            (!learned.properties.contains_key(&variant)).then_some((p, variant, values))
        })
        .collect();
    if candidates.is_empty() {
        return Err(lacking(
            "no property name has a letter whose case can be changed",
            "traffic with alphabetic property names",
        ));
    }
    let (p, variant, values) = ctx.pick(&candidates);
    let v = ctx.pick(&values);
    Ok(plan(
        Rule::PropertyNamesExact,
        single(vec![entry(&variant, v.clone())], Rule::PropertyNamesExact),
        vec![has(&p, &v)],
    ))
}
