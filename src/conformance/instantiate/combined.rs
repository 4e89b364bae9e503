//! Rule instances that combine several property values found together in the
//! traffic: AND across properties, and the large filter set.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Ctx, Drawn, RECURRING, entry, lacking, need, plan, text};
use crate::conformance::plan::{Pred, Send, Step, show};
use crate::conformance::rules::Rule;

/// Recurring (property, value) pairs considered for AND, at most this many per
/// property, so the pair search stays small.
const VALUES_PER_PROPERTY: usize = 6;

/// Two (property, value) pairs that occur together, and each also without the
/// other, so that AND and OR tell apart.
pub(super) fn and_across(ctx: &mut Ctx<'_>) -> Drawn {
    let learned = ctx.learned;
    let candidates: Vec<(String, Value)> = ctx
        .properties_with(1, |v| !v.is_null())
        .into_iter()
        .flat_map(|(p, values)| {
            values
                .into_iter()
                .take(VALUES_PER_PROPERTY)
                .map(move |v| (p.clone(), v))
        })
        .collect();
    let mut alone = vec![0usize; candidates.len()];
    // Per pair: together in all, and in each half of the window (so they recur).
    let mut together: BTreeMap<(usize, usize), (usize, usize, usize)> = BTreeMap::new();
    let half = learned.events.len() / 2;
    for (ordinal, event) in learned.events.iter().enumerate() {
        let held: Vec<usize> = candidates
            .iter()
            .enumerate()
            .filter(|(_, (p, v))| event.get(p) == Some(v))
            .map(|(i, _)| i)
            .collect();
        for (n, &i) in held.iter().enumerate() {
            alone[i] += 1;
            for &j in &held[n + 1..] {
                let counts = together.entry((i, j)).or_default();
                counts.0 += 1;
                if ordinal < half {
                    counts.1 += 1;
                } else {
                    counts.2 += 1;
                }
            }
        }
    }
    let pairs: Vec<(usize, usize)> = together
        .iter()
        .filter(|((i, j), (both, early, late))| {
            candidates[*i].0 != candidates[*j].0
                && *both >= RECURRING
                && *early > 0
                && *late > 0
                && alone[*i] > *both
                && alone[*j] > *both
        })
        .map(|(pair, _)| *pair)
        .collect();
    if pairs.is_empty() {
        return Err(lacking(
            "no two property values occur both together and apart",
            "traffic where, say, one user has events of two types and another user too",
        ));
    }
    let (i, j) = ctx.pick(&pairs);
    let ((p, a), (q, b)) = (candidates[i].clone(), candidates[j].clone());
    let filters = vec![entry(&p, a.clone()), entry(&q, b.clone())];
    let with = |prop: &str, value: &Value| Pred::Has(prop.to_string(), value.clone());
    Ok(plan(
        Rule::AndAcrossProperties,
        vec![Step::Send(Send::filter(
            &filters,
            Some(Rule::AndAcrossProperties),
        ))],
        vec![
            need(
                format!("an event with {} and {}", show(&p, &a), show(&q, &b)),
                with(&p, &a).and(with(&q, &b)),
            ),
            need(
                format!("an event with {} but not {}", show(&p, &a), show(&q, &b)),
                with(&p, &a).and(!with(&q, &b)),
            ),
            need(
                format!("an event with {} but not {}", show(&q, &b), show(&p, &a)),
                with(&q, &b).and(!with(&p, &a)),
            ),
        ],
    ))
}

/// `size` alternatives of one property, one of them a recurring value and the
/// others values the traffic never has, placed past the first 256 (where a
/// server that keeps only so many would lose it), ANDed with the types it occurs
/// in.
pub(super) fn large_set(ctx: &mut Ctx<'_>, size: usize) -> Drawn {
    let candidates: Vec<(String, Vec<Value>)> = ctx
        .properties_with(1, Value::is_string)
        .into_iter()
        .filter(|(p, _)| p != "type")
        .collect();
    if candidates.is_empty() {
        return Err(lacking(
            "no string property besides type recurs",
            "traffic with a property such as username",
        ));
    }
    let (p, values) = ctx.pick(&candidates);
    let v = ctx.pick(&values);
    let mut types: Vec<String> = ctx
        .learned
        .events
        .iter()
        .filter(|e| e.get(&p) == Some(&v))
        .filter_map(|e| e.get("type").and_then(Value::as_str).map(str::to_string))
        .collect();
    types.sort();
    types.dedup();
    types.truncate(2);
    let mut alternatives = Vec::with_capacity(size);
    while alternatives.len() < size - 1 {
        let filler = text(&format!("zz{:08x}", ctx.rng.next_u64() as u32));
        if !ctx.learned.has_value(&p, &filler) && !alternatives.contains(&filler) {
            alternatives.push(filler);
        }
    }
    let at = size / 2 + ctx.rng.index(size / 2);
    alternatives.insert(at.min(alternatives.len()), v.clone());
    let mut filters: Vec<(String, Value)> =
        alternatives.into_iter().map(|a| entry(&p, a)).collect();
    filters.extend(types.iter().map(|t| entry("type", text(t))));
    let rule = Rule::AnyNumberOfFilters;
    Ok(plan(
        rule,
        vec![Step::Send(Send::filter(&filters, Some(rule)))],
        vec![need(
            format!(
                "an event with {} of type {}",
                show(&p, &v),
                types.join(" or ")
            ),
            Pred::Admitted(filters),
        )],
    ))
}
