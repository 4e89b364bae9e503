//! Differential mode, for a server we do not control (a real iSymphony, another
//! fake, a proxy in front of one), whose users, queues and traffic are its own:
//! 1. **learn**: one unfiltered connection watches the traffic for `--window` and
//!    learns its types, properties and values ([`learn`](super::learn));
//! 2. **instantiate**: each rule a case names becomes a plan whose filters use
//!    values that occur ([`instantiate`](super::instantiate)), drawn with a seeded
//!    RNG (one named stream per case and rule, so `--seed` repeats a run on the
//!    same traffic, and one case run alone draws what it drew in the whole suite);
//! 3. **judge**: every plan's filtered connection sends its messages, then one
//!    unfiltered connection watches the same traffic for `--window`, and each
//!    filtered stream must be exactly the subsequence its filters admit
//!    ([`probe::judge`](super::probe::judge)).
//!
//! All filtered connections are set up before the unfiltered one opens, so every
//! event it receives was published while every filter was in force; the edges of
//! the window are handled by [`compare`](super::compare). No snapshots are
//! involved. A rule the traffic cannot exercise is inconclusive, with the reason
//! and what would settle it.

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::rng::SimRng;

use super::compare::Received;
use super::connection::Connector;
use super::fields::ExtraFields;
use super::instantiate::messages::literal;
use super::instantiate::{Ctx, Unexercisable, instantiate};
use super::learn::Learned;
use super::plan::{Plan, Step};
use super::probe::judge;
use super::rules::Rule;
use super::run::rerun_command;
use super::suite::{ActionKind, Case, Suite};
use super::verdict::{CaseOutcome, RunReport, Verdict};
use super::watch::{EVERY_TYPE, elapsed_ms, filtered, learn, reference};

pub use super::options::{DEFAULT_EDGE, DEFAULT_WINDOW, DifferentialOptions};

/// One rule instance of one case, before it runs.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `case`, or `case#rule` when the case gives several.
    pub name: String,
    /// The case it comes from (index into the suite).
    pub case: usize,
    /// The rule it checks.
    pub rule: Option<Rule>,
    /// What it proves.
    pub description: String,
    /// The plan, or why the traffic cannot exercise it.
    pub plan: Result<Plan, Unexercisable>,
}

/// The texts of `case`'s messages that name `rule`.
fn texts_for(case: &Case, rule: Rule) -> Vec<String> {
    case.actions
        .iter()
        .filter(|a| a.rule == Some(rule))
        .filter_map(|a| a.kind.message_text())
        .collect()
}

/// Every probe of `suite` on the learned traffic, drawn with `seed`: one per rule
/// each case names, one per `literal` action, and for a case that names no rule,
/// its messages after its last reconnect as written.
pub fn probes_of(suite: &Suite, learned: &Learned, seed: u64) -> Vec<Probe> {
    let mut probes = Vec::new();
    for (index, case) in suite.cases.iter().enumerate() {
        let mut own = Vec::new();
        for rule in case.rules_checked() {
            let mut ctx = Ctx {
                learned,
                rng: SimRng::named(seed, &format!("differential/{}/{rule}", case.name)),
                texts: texts_for(case, rule),
            };
            own.push((
                format!("#{rule}"),
                Some(rule),
                rule.entry().title.to_string(),
                instantiate(rule, &mut ctx),
            ));
        }
        for action in case.actions.iter().filter(|a| a.literal) {
            let texts: Vec<String> = action.kind.message_text().into_iter().collect();
            own.push((
                format!(
                    "#{}@line{}",
                    action.rule.map_or("literal", Rule::id),
                    action.line
                ),
                action.rule,
                format!("{} (as written, line {})", case.description, action.line),
                literal(action.rule, &texts, learned),
            ));
        }
        if own.is_empty() {
            let start = case
                .actions
                .iter()
                .rposition(|a| a.kind == ActionKind::Reconnect)
                .map_or(0, |i| i + 1);
            let texts: Vec<String> = case.actions[start..]
                .iter()
                .filter_map(|a| a.kind.message_text())
                .collect();
            own.push((
                String::new(),
                None,
                case.description.clone(),
                literal(None, &texts, learned),
            ));
        }
        let several = own.len() > 1;
        for (suffix, rule, description, plan) in own {
            probes.push(Probe {
                name: if several {
                    format!("{}{suffix}", case.name)
                } else {
                    case.name.clone()
                },
                case: index,
                rule,
                description,
                plan,
            });
        }
    }
    probes
}

/// The messages a plan sends, for the report (long filter sets shortened).
fn shown_steps(plan: &Plan) -> String {
    let shown: Vec<String> = plan
        .steps
        .iter()
        .map(|step| match step {
            Step::Reconnect => "reconnect".to_string(),
            Step::Send(send) if send.text.len() > 300 => format!(
                "{}… ({} bytes)",
                send.text.chars().take(200).collect::<String>(),
                send.text.len()
            ),
            Step::Send(send) => send.text.clone(),
        })
        .collect();
    if shown.is_empty() {
        "no message (unfiltered)".to_string()
    } else {
        shown.join("  then  ")
    }
}

/// Runs every case of `suite` against the server at `options.url`.
pub async fn run_differential(suite: &Suite, options: &DifferentialOptions) -> RunReport {
    let mut report = RunReport::new(
        &options.url,
        "differential",
        suite.path.display().to_string(),
    );
    report.seed = Some(options.seed);
    let connector = match Connector::new(&options.url, &options.credentials, &options.tls) {
        Ok(connector) => connector,
        Err(reason) => return every_case_errs(report, suite, options, &reason),
    };
    report.tls = connector.tls_note().map(str::to_string);
    let learned = match learn(&connector, options, None).await {
        Ok(learned) => learned,
        Err(reason) => return every_case_errs(report, suite, options, &reason),
    };
    if learned.total == 0
        && let Ok(typed) = learn(&connector, options, Some(EVERY_TYPE)).await
        && typed.total > 0
    {
        report.notes.push(typed.summary());
        let probes = probes_of(suite, &typed, options.seed);
        report.outcomes = without_reference(suite, &probes, options, &typed);
        return report;
    }
    for event in &learned.events {
        report.extra_fields.note(event);
    }
    report.notes.push(learned.summary());
    report
        .details
        .insert("learned".to_string(), learned.to_json());
    let probes = probes_of(suite, &learned, options.seed);
    let mut rule_sets = serde_json::Map::new();
    for probe in &probes {
        if let Ok(plan) = &probe.plan {
            rule_sets.insert(probe.name.clone(), shown_steps(plan).into());
        }
    }
    report
        .details
        .insert("ruleSets".to_string(), serde_json::Value::Object(rule_sets));
    report.outcomes = judge_all(
        suite,
        &probes,
        &connector,
        options,
        &mut report.extra_fields,
    )
    .await;
    report
}

/// Runs the plans side by side and judges each.
async fn judge_all(
    suite: &Suite,
    probes: &[Probe],
    connector: &Connector,
    options: &DifferentialOptions,
    extra: &mut ExtraFields,
) -> Vec<CaseOutcome> {
    let started = Instant::now();
    let stop = CancellationToken::new();
    let mut tasks = Vec::new();
    for probe in probes {
        let Ok(plan) = probe.plan.clone() else {
            tasks.push(None);
            continue;
        };
        let (connector, options, stop) = (connector.clone(), options.clone(), stop.clone());
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            filtered(&connector, &options, &plan, started, ready_tx, stop).await
        });
        tasks.push(Some((task, ready_rx)));
    }
    // Every filter is in force before the unfiltered connection opens.
    for (_, ready) in tasks.iter_mut().flatten() {
        let _ = ready.await;
    }
    let stop_unfiltered = CancellationToken::new();
    let unfiltered = {
        let (connector, url, stop) = (
            connector.clone(),
            options.url.clone(),
            stop_unfiltered.clone(),
        );
        tokio::spawn(async move { reference(&connector, &url, None, started, stop).await })
    };
    tokio::time::sleep(options.window).await;
    // The window ends at `stop_ms`, but every connection reads on: the filtered
    // ones for the edge, the unfiltered one (it receives everything, and may lag
    // the most) for twice that. So an event published before the end still counts
    // when a busy reader had not yet taken it in; what arrives after the end is
    // tolerated, not required.
    let stop_ms = elapsed_ms(started);
    tokio::time::sleep(options.edge).await;
    stop.cancel();
    tokio::time::sleep(options.edge).await;
    stop_unfiltered.cancel();
    let edge_ms = u64::try_from(options.edge.as_millis()).unwrap_or(u64::MAX);
    let unfiltered: Result<Vec<Received>, String> = match unfiltered.await {
        Ok(result) => result,
        Err(err) => Err(format!("the unfiltered connection's task failed: {err}")),
    };
    if let Ok(events) = &unfiltered {
        for event in events.iter().filter_map(|e| e.event.as_ref()) {
            extra.note(event);
        }
    }
    let mut outcomes = Vec::new();
    for (probe, task) in probes.iter().zip(tasks) {
        let case = &suite.cases[probe.case];
        let mut outcome = blank(case, probe, options);
        match (&probe.plan, task, &unfiltered) {
            (Err(lack), _, _) => {
                outcome.verdict = Verdict::Inconclusive;
                outcome.reasons.push(format!(
                    "the traffic cannot exercise this rule: {}; {} would settle it",
                    lack.reason, lack.settle
                ));
            }
            (Ok(_), None, _) => outcome.verdict = Verdict::Error,
            (Ok(_), Some(_), Err(reason)) => {
                outcome.verdict = Verdict::Error;
                outcome.reasons.push(reason.clone());
            }
            (Ok(plan), Some((task, _)), Ok(all)) => {
                outcome
                    .notes
                    .push(format!("rule set: {}", shown_steps(plan)));
                match task.await {
                    Ok(Ok((record, notes))) => {
                        let judged = judge(plan, &record, all, stop_ms, edge_ms);
                        outcome.verdict = judged.verdict;
                        outcome.findings = judged.findings;
                        outcome.reasons = judged.reasons;
                        outcome.notes.extend(notes);
                        outcome.notes.extend(judged.notes);
                    }
                    Ok(Err(reason)) => {
                        outcome.verdict = Verdict::Error;
                        outcome.reasons.push(reason);
                    }
                    Err(err) => {
                        outcome.verdict = Verdict::Error;
                        outcome
                            .reasons
                            .push(format!("the filtered connection's task failed: {err}"));
                    }
                }
            }
        }
        outcome.settle(false);
        outcomes.push(outcome);
    }
    outcomes
}

/// The outcomes when an unfiltered connection receives nothing while one filtered
/// with `type=*` receives `typed`: the rule that says it should is broken, and
/// nothing else can be judged without an unfiltered stream to compare with.
fn without_reference(
    suite: &Suite,
    probes: &[Probe],
    options: &DifferentialOptions,
    typed: &Learned,
) -> Vec<CaseOutcome> {
    probes
        .iter()
        .map(|probe| {
            let mut outcome = blank(&suite.cases[probe.case], probe, options);
            if probe.rule == Some(Rule::NoFilterDeliversAll) {
                outcome.find(
                    probe.rule,
                    format!(
                        "an unfiltered connection received no event in {} ms, while one filtered with type=* received {}",
                        typed.window_ms, typed.total
                    ),
                );
            } else {
                outcome.verdict = Verdict::Inconclusive;
                outcome.reasons.push(
                    "the server sends nothing to an unfiltered connection (see no_filter_delivers_all), so there is no stream to compare with".to_string(),
                );
            }
            outcome.settle(false);
            outcome
        })
        .collect()
}

fn blank(case: &Case, probe: &Probe, options: &DifferentialOptions) -> CaseOutcome {
    CaseOutcome {
        name: probe.name.clone(),
        description: probe.description.clone(),
        file: case.path.display().to_string(),
        scenario: "the target's own traffic".to_string(),
        seed: options.seed,
        verdict: Verdict::Pass,
        rules: probe.rule.into_iter().collect(),
        findings: Vec::new(),
        reasons: Vec::new(),
        notes: Vec::new(),
        expected: None,
        actual: None,
        rerun: rerun_command(case, &options.rerun_flags),
        see_also: None,
    }
}

fn every_case_errs(
    mut report: RunReport,
    suite: &Suite,
    options: &DifferentialOptions,
    reason: &str,
) -> RunReport {
    report.outcomes = suite
        .cases
        .iter()
        .map(|case| CaseOutcome {
            name: case.name.clone(),
            description: case.description.clone(),
            file: case.path.display().to_string(),
            scenario: "the target's own traffic".to_string(),
            seed: options.seed,
            verdict: Verdict::Error,
            rules: case.rules_checked(),
            findings: Vec::new(),
            reasons: vec![reason.to_string()],
            notes: Vec::new(),
            expected: None,
            actual: None,
            rerun: rerun_command(case, &options.rerun_flags),
            see_also: None,
        })
        .collect();
    report
}
