//! Rule instances about messages rather than values: the case's own messages
//! (malformed, refused, ...) sent after a control filter drawn from the traffic,
//! and plans that send a case's messages as written (`literal = true`, or a case
//! that names no rule).

use serde_json::Value;

use crate::protocol::{EventKind, Provenance};

use super::{Ctx, Drawn, Unexercisable, entry, lacking, need, plan, text};
use crate::conformance::learn::Learned;
use crate::conformance::plan::{Plan, Pred, Send, Step, filter_text};
use crate::conformance::rules::Rule;

/// A message for a message rule whose case names none.
fn example(rule: Rule, other_type: &str) -> Option<String> {
    let t = text(other_type);
    let example = match rule {
        Rule::DocumentedInvalidFormRefused => format!(
            "{{ \"type\" : \"filter\", \"filters\" : [ {{\"property\" : \"type\" : \"value\" : {t}}} ] }}"
        ),
        Rule::MalformedRefused => r#"{"type":"filter","filters":["#.to_string(),
        Rule::EmptyPropertyRefused => {
            format!(r#"{{"type":"filter","filters":[{{"property":"","value":{t}}}]}}"#)
        }
        Rule::NullValueRefused => {
            r#"{"type":"filter","filters":[{"property":"type","value":null}]}"#.to_string()
        }
        Rule::UnknownKeysRefused => format!(
            r#"{{"type":"filter","filters":[{{"property":"type","value":{t},"op":"eq"}}]}}"#
        ),
        Rule::UnknownMessageTypeRefused => r#"{"type":"subscribe"}"#.to_string(),
        _ => return None,
    };
    Some(example)
}

/// A control filter on a recurring type that none of the messages names (so a
/// message that is applied shows in the stream), then the messages.
pub(super) fn messages(rule: Rule, ctx: &mut Ctx<'_>) -> Drawn {
    let types = ctx.types(1)?;
    let unnamed: Vec<String> = types
        .iter()
        .filter(|t| !ctx.texts.iter().any(|m| m.contains(&format!("\"{t}\""))))
        .cloned()
        .collect();
    if unnamed.is_empty() {
        return Err(lacking(
            "every recurring event type is named in the case's messages, so none can show that they change nothing",
            "traffic with an event type the case's messages do not name",
        ));
    }
    let control = ctx.pick(&unnamed);
    let other = types
        .iter()
        .find(|t| **t != control)
        .cloned()
        .unwrap_or_else(|| format!("{control}X"));
    let mut texts = ctx.texts.clone();
    if texts.is_empty() {
        texts.extend(example(rule, &other));
    }
    let mut steps = vec![Step::Send(Send::filter(
        &[entry("type", text(&control))],
        Some(Rule::ValidFormAccepted),
    ))];
    steps.extend(
        texts
            .into_iter()
            .map(|m| Step::Send(Send::new(m, Some(rule)))),
    );
    Ok(plan(
        rule,
        steps,
        vec![need(format!("a {control} event"), Pred::of_type(&control))],
    ))
}

/// The case's messages as written, judged by `rule` (`None`: the case's own
/// expectation): inconclusive up front when no learned event passes the filters
/// they leave in force.
///
/// # Errors
/// [`Unexercisable`] naming the filters no traffic matched.
pub fn literal(
    rule: Option<Rule>,
    texts: &[String],
    learned: &Learned,
) -> Result<Plan, Unexercisable> {
    let steps: Vec<Step> = texts
        .iter()
        .map(|m| Step::Send(Send::new(m.clone(), rule)))
        .collect();
    let in_force = steps
        .iter()
        .rev()
        .find_map(|s| match s {
            Step::Send(send) => send.ours.clone(),
            Step::Reconnect => None,
        })
        .unwrap_or_default();
    let shown = filter_text(&in_force);
    let admitted = Pred::Admitted(in_force.clone());
    if learned.count(|e| admitted.holds(e)) == 0 {
        let values: Vec<String> = in_force
            .iter()
            .map(|(p, v)| format!("{p}={}", Value::to_string(v)))
            .collect();
        // An inferred event type (dial) is emitted by our serve only when asked.
        let inferred = in_force.iter().any(|(p, v)| {
            p == "type"
                && v.as_str()
                    .and_then(EventKind::from_name)
                    .is_some_and(|k| k.provenance() == Provenance::Inferred)
        });
        return Err(Unexercisable {
            reason: format!(
                "no event in the learning window passes {shown}, which the case sends as written"
            ),
            settle: format!(
                "traffic with events that have {}{}",
                values.join(" or "),
                if inferred {
                    " (an inferred event type: a real server may not have it; our serve emits it with --profile extended)"
                } else {
                    ""
                }
            ),
        });
    }
    Ok(Plan {
        rule,
        steps,
        needs: vec![need(format!("an event that passes {shown}"), admitted)],
        alternatives: Vec::new(),
    })
}
