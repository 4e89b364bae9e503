//! One rule instance in differential mode, and its verdict, pure.
//!
//! A [`Plan`] is what one filtered connection does (messages, reconnects), what
//! our reading of the specification makes of each message, the evidence the
//! judging window must hold, and the readings that differ from ours only in a
//! default rule. [`judge`] turns what the connection recorded into findings:
//! - a reply that accepts what we refuse (or the reverse) is a finding on the
//!   message's rule;
//! - the filtered stream must be exactly the subsequence of the unfiltered one
//!   that the filters in force admit ([`compare`](super::compare)); when it is not,
//!   the runner looks for the reading that explains it: one of the alternatives (a
//!   default rule read otherwise), or a message applied (or ignored) against what
//!   its reply said. Only when nothing explains it is the plan's own rule broken.

use serde_json::Value;

use crate::protocol::filter::reference;

use super::compare::{Received, compare_with};
use super::learn::EventMap;
use super::plan::{Filters, Plan, Reading, Send, Step};
use super::reply::Reply;
use super::rules::Rule;
use super::verdict::{Finding, Verdict};

/// What one filtered connection recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Per `Send` step in order, its reply text and what it says (`None`: no reply
    /// within the patience).
    pub replies: Vec<Option<(String, Reply)>>,
    /// The events after the last reply, until the end of the window.
    pub events: Vec<Received>,
    /// Set when the server closed the connection after this many `Send` steps.
    pub closed_after: Option<usize>,
}

/// The verdict on one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// Pass or inconclusive; findings decide the grade.
    pub verdict: Verdict,
    /// The rules broken.
    pub findings: Vec<Finding>,
    /// Why it is inconclusive.
    pub reasons: Vec<String>,
    /// Observations (how much traffic, what was tolerated).
    pub notes: Vec<String>,
}

/// Whether `event` passes `filters` under `reading`.
fn admits(filters: &Filters, event: &EventMap, reading: Reading) -> bool {
    match reading {
        Reading::Ours => reference::admits(filters, event),
        Reading::NullMatchesText => {
            // Under this reading a null property is the text "null" (and still
            // present, so "*" keeps admitting it).
            let as_text: EventMap = event
                .iter()
                .map(|(k, v)| {
                    let v = if v.is_null() {
                        Value::String("null".to_string())
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect();
            reference::admits(filters, &as_text)
        }
    }
}

/// The filters in force after the steps, given per `Send` step whether it was
/// applied; `None` when an applied message cannot be read.
fn state_after(steps: &[Step], applied: &[bool]) -> Option<Filters> {
    let mut state: Option<Filters> = Some(Vec::new());
    let mut index = 0;
    for step in steps {
        match step {
            Step::Reconnect => state = Some(Vec::new()),
            Step::Send(send) => {
                if applied.get(index).copied().unwrap_or(false) {
                    state = send.ours.clone().or_else(|| send.lenient.clone());
                }
                index += 1;
            }
        }
    }
    state
}

fn sends(plan: &Plan) -> Vec<&Send> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            Step::Send(send) => Some(send),
            Step::Reconnect => None,
        })
        .collect()
}

/// Judges what a filtered connection recorded for `plan` against the unfiltered
/// events of the same window (stopped at `stop_ms`, tail edge `edge_ms`).
pub fn judge(
    plan: &Plan,
    record: &Record,
    unfiltered: &[Received],
    stop_ms: u64,
    edge_ms: u64,
) -> Judged {
    let mut judged = Judged {
        verdict: Verdict::Pass,
        findings: Vec::new(),
        reasons: Vec::new(),
        notes: Vec::new(),
    };
    let sends = sends(plan);
    let mut applied = Vec::new();
    for (index, send) in sends.iter().enumerate() {
        let ours = send.ours.is_some();
        let reply = record.replies.get(index).cloned().flatten();
        let number = index + 1;
        match &reply {
            None if record.closed_after.is_none_or(|n| n > index) => {
                shape_finding(
                    plan,
                    &mut judged,
                    format!("no filter response to message {number} within the patience"),
                );
            }
            None => {}
            Some((text, reply)) => {
                if !reply.our_shape {
                    shape_finding(
                        plan,
                        &mut judged,
                        format!("the reply to message {number} has another shape: {text}"),
                    );
                }
                match (ours, reply.accepted) {
                    (true, Some(false)) => judged.findings.push(Finding::new(
                        send.rule,
                        format!("refused message {number} `{}`, which the specification accepts: {text}", send.text),
                    )),
                    (false, Some(true)) => judged.findings.push(Finding::new(
                        send.rule,
                        format!("accepted message {number} `{}`, which we refuse: {text}", send.text),
                    )),
                    _ => {}
                }
            }
        }
        applied.push(reply.and_then(|(_, r)| r.accepted).unwrap_or(ours));
    }
    if let Some(after) = record.closed_after {
        let rule = sends.get(after.saturating_sub(1)).and_then(|s| s.rule);
        judged.findings.push(Finding::new(
            rule.or(plan.rule),
            format!("the server closed the connection after message {after}; ours keeps it open"),
        ));
        return judged;
    }
    let Some(in_force) = state_after(&plan.steps, &applied) else {
        judged.notes.push(
            "the server accepted a message whose filters cannot be read, so its stream is not judged"
                .to_string(),
        );
        return judged;
    };
    let run = |filters: &Filters, reading: Reading| {
        compare_with(
            unfiltered,
            &record.events,
            &|event| admits(filters, event, reading),
            stop_ms,
            edge_ms,
        )
    };
    let ours = run(&in_force, Reading::Ours);
    judged.notes.push(format!(
        "filters in force {}; {} unfiltered events, {} admitted and required, {} received, {} tolerated at the window's edges",
        Value::from(in_force.iter().map(|(p, v)| serde_json::json!({"property": p, "value": v})).collect::<Vec<_>>()),
        unfiltered.len(),
        ours.expected,
        ours.matched,
        ours.tolerated
    ));
    if ours.verdict == Verdict::Fail {
        explain(
            plan,
            &sends,
            &applied,
            &in_force,
            &ours.reasons,
            &mut judged,
            &run,
        );
        return judged;
    }
    let window: Vec<&EventMap> = decode_window(unfiltered, stop_ms.saturating_sub(edge_ms));
    for need in &plan.needs {
        if !window.iter().any(|e| need.test.holds(e)) {
            judged.reasons.push(format!(
                "no event in the judging window was {}; it was seen while learning, so the traffic is thin: a longer --window would settle it",
                need.what
            ));
        }
    }
    if plan.needs.is_empty() && ours.verdict == Verdict::Inconclusive {
        judged.reasons.extend(ours.reasons);
    }
    if !judged.reasons.is_empty() {
        judged.verdict = Verdict::Inconclusive;
    }
    judged
}

/// A reply-shape difference: a finding in the plan that checks the shape, a note
/// elsewhere (so one different shape does not mark every rule).
fn shape_finding(plan: &Plan, judged: &mut Judged, detail: String) {
    if plan.rule == Some(Rule::ReplyShape) {
        judged
            .findings
            .push(Finding::new(Some(Rule::ReplyShape), detail));
    } else {
        judged.notes.push(detail);
    }
}

/// Finds the reading that explains a stream our reading rejects.
fn explain(
    plan: &Plan,
    sends: &[&Send],
    applied: &[bool],
    in_force: &Filters,
    reasons: &[String],
    judged: &mut Judged,
    run: &dyn Fn(&Filters, Reading) -> super::compare::Comparison,
) {
    for alternative in &plan.alternatives {
        if run(in_force, alternative.reading).verdict != Verdict::Fail {
            judged.findings.push(Finding::new(
                Some(alternative.rule),
                alternative.instead.clone(),
            ));
            return;
        }
    }
    // A server that reads more leniently than we do is likelier than one that
    // ignores a valid message: first a refused message applied (latest first, as
    // the last applied sets the state), then an accepted one ignored.
    let mut order: Vec<usize> = (0..sends.len()).rev().filter(|i| !applied[*i]).collect();
    order.extend((0..sends.len()).filter(|i| applied[*i]));
    for index in order {
        let send = sends[index];
        let mut flipped = applied.to_vec();
        flipped[index] = !flipped[index];
        let Some(state) = state_after(&plan.steps, &flipped) else {
            continue;
        };
        if state != *in_force && run(&state, Reading::Ours).verdict != Verdict::Fail {
            let did = if flipped[index] { "applied" } else { "ignored" };
            judged.findings.push(Finding::new(
                send.rule,
                format!(
                    "the stream shows that message {} `{}` was {did}, against its reply or our reading",
                    index + 1,
                    send.text
                ),
            ));
            return;
        }
    }
    let mut detail = reasons
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if reasons.len() > 3 {
        detail.push_str(&format!("; … {} more", reasons.len() - 3));
    }
    judged.findings.push(Finding::new(plan.rule, detail));
}

fn decode_window(frames: &[Received], until_ms: u64) -> Vec<&EventMap> {
    // Decoded once per plan; windows are bounded by the run's length.
    frames
        .iter()
        .filter(|f| f.at_ms < until_ms)
        .filter_map(|f| f.event.as_ref())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::plan::{Alternative, Need, Pred};
    use crate::conformance::reply::recognise_text;

    fn ev(at_ms: u64, text: &str) -> Received {
        Received::new(at_ms, text.to_string())
    }

    fn reply(text: &str) -> Option<(String, Reply)> {
        recognise_text(text).map(|r| (text.to_string(), r))
    }

    fn stream() -> Vec<Received> {
        (0..10)
            .map(|n| {
                let user = if n % 2 == 0 { "\"a\"" } else { "null" };
                ev(n * 100, &format!(r#"{{"type":"t","time":{n},"u":{user}}}"#))
            })
            .collect()
    }

    const OK: &str = r#"{"type":"filterResponse","success":true}"#;

    fn null_plan() -> Plan {
        let filters = vec![("u".to_string(), Value::from("null"))];
        Plan {
            rule: Some(Rule::NullMatchesOnlyWildcard),
            steps: vec![Step::Send(Send::filter(
                &filters,
                Some(Rule::NullMatchesOnlyWildcard),
            ))],
            needs: vec![],
            alternatives: vec![Alternative {
                rule: Rule::NullMatchesOnlyWildcard,
                instead: "lets null match \"null\"".to_string(),
                reading: Reading::NullMatchesText,
            }],
        }
    }

    #[test]
    fn a_server_following_an_alternative_reading_differs_in_that_rule() {
        let nulls: Vec<Received> = stream()
            .into_iter()
            .filter(|e| e.text.contains("null"))
            .collect();
        let record = Record {
            replies: vec![reply(OK)],
            events: nulls,
            closed_after: None,
        };
        let judged = judge(&null_plan(), &record, &stream(), 1000, 50);
        assert_eq!(judged.findings.len(), 1, "{judged:?}");
        assert_eq!(judged.findings[0].rule, Some(Rule::NullMatchesOnlyWildcard));
        assert!(!judged.findings[0].binding());
    }

    #[test]
    fn an_unexplained_stream_breaks_the_plans_rule() {
        let filters = vec![("u".to_string(), Value::from("a"))];
        let plan = Plan {
            rule: Some(Rule::MissingProperty),
            steps: vec![Step::Send(Send::filter(
                &filters,
                Some(Rule::MissingProperty),
            ))],
            needs: vec![],
            alternatives: vec![],
        };
        let record = Record {
            replies: vec![reply(OK)],
            events: stream(),
            closed_after: None,
        };
        let judged = judge(&plan, &record, &stream(), 1000, 50);
        assert_eq!(judged.findings[0].rule, Some(Rule::MissingProperty));
        assert!(judged.findings[0].binding());
    }

    #[test]
    fn an_accepted_bad_message_is_a_finding_on_its_rule_and_sets_the_lenient_filters() {
        let control = vec![("type".to_string(), Value::from("t"))];
        let plan = Plan {
            rule: Some(Rule::EmptyPropertyRefused),
            steps: vec![
                Step::Send(Send::filter(&control, Some(Rule::TypeFilter))),
                Step::Send(Send::new(
                    r#"{"type":"filter","filters":[{"property":"","value":"t"}]}"#,
                    Some(Rule::EmptyPropertyRefused),
                )),
            ],
            needs: vec![],
            alternatives: vec![],
        };
        let record = Record {
            replies: vec![reply(OK), reply(OK)],
            events: Vec::new(),
            closed_after: None,
        };
        let judged = judge(&plan, &record, &stream(), 1000, 50);
        assert_eq!(judged.findings.len(), 1, "{judged:?}");
        assert_eq!(judged.findings[0].rule, Some(Rule::EmptyPropertyRefused));
    }

    #[test]
    fn missing_evidence_is_inconclusive() {
        let plan = Plan {
            rule: Some(Rule::TypeFilter),
            steps: vec![Step::Send(Send::filter(
                &[("type".to_string(), Value::from("t"))],
                Some(Rule::TypeFilter),
            ))],
            needs: vec![Need {
                what: "an event of another type".to_string(),
                test: !Pred::of_type("t"),
            }],
            alternatives: vec![],
        };
        let record = Record {
            replies: vec![reply(OK)],
            events: stream(),
            closed_after: None,
        };
        let judged = judge(&plan, &record, &stream(), 1000, 50);
        assert_eq!(judged.verdict, Verdict::Inconclusive, "{judged:?}");
        assert!(judged.findings.is_empty());
    }
}
