//! Verdicts, graded by the provenance of the rules a target breaks: one per case
//! (or per rule instance in differential mode), and the run's exit code.
//!
//! In the spirit of Autobahn's OK / NON-STRICT / INFORMATIONAL: breaking a
//! documented or inferred rule fails; differing only from our defaults is reported,
//! with what the target does instead, and passes unless `--strict` is given.

use std::collections::BTreeMap;

use serde::Serialize;

use super::diff::{DiffLine, FirstDifference, diff_lines, first_difference, same_entries};
use super::fields::ExtraFields;
use super::rules::{Provenance, Rule};

/// How one case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The behaviour is the expected one.
    Pass,
    /// Only rules that are our defaults differ; not a failure unless `--strict`.
    Differs,
    /// A documented or inferred rule is broken (or, with `--strict`, a default).
    Fail,
    /// Nothing contradicts the expectation, but nothing confirms it either (e.g. no
    /// traffic in a differential window exercised the rule).
    Inconclusive,
    /// The case could not be run: the runner's problem, not the target's.
    Error,
}

impl Verdict {
    /// Every verdict, in the order the reports count them.
    pub const ALL: [Verdict; 5] = [
        Verdict::Pass,
        Verdict::Differs,
        Verdict::Fail,
        Verdict::Inconclusive,
        Verdict::Error,
    ];

    /// The word the reports show.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Differs => "differs",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "ERROR",
        }
    }

    /// The verdict as a lowercase key (JSON counts, HTML classes).
    pub fn key(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Differs => "differs",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "error",
        }
    }

    /// How the summary line names a count of this verdict.
    pub fn counted(&self) -> &'static str {
        match self {
            Verdict::Pass => "passed",
            Verdict::Differs => "differ from our defaults",
            Verdict::Fail => "failed",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "errors",
        }
    }
}

/// One rule a target broke, with what it does instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule; `None` when the case names none (its author's expectation).
    pub rule: Option<Rule>,
    /// Where the rule comes from (`None` with no rule: graded as a failure).
    pub provenance: Option<Provenance>,
    /// What the target did.
    pub detail: String,
}

impl Finding {
    /// A finding on `rule` (or on the case's own expectation when `None`).
    pub fn new(rule: Option<Rule>, detail: impl Into<String>) -> Finding {
        Finding {
            rule,
            provenance: rule.map(Rule::provenance),
            detail: detail.into(),
        }
    }

    /// Whether this finding fails the case without `--strict`.
    pub fn binding(&self) -> bool {
        self.provenance.is_none_or(Provenance::binding)
    }

    /// `missing_property (documented)`, or `the case's expectation (no rule named)`.
    pub fn rule_label(&self) -> String {
        match (self.rule, self.provenance) {
            (Some(rule), Some(provenance)) => format!("{rule} ({})", provenance.as_str()),
            _ => "the case's expectation (no rule named)".to_string(),
        }
    }
}

/// The result of one case on one target.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOutcome {
    /// The case's name (its file stem), or `case#rule` in differential mode.
    pub name: String,
    /// What the case proves.
    pub description: String,
    /// The case file.
    pub file: String,
    /// The scenario as the case names it.
    pub scenario: String,
    /// The seed the case ran with.
    pub seed: u64,
    /// The verdict.
    pub verdict: Verdict,
    /// The rules the case checks.
    pub rules: Vec<Rule>,
    /// The rules the target broke, graded by provenance.
    pub findings: Vec<Finding>,
    /// Why it is inconclusive or an error, one reason per line.
    pub reasons: Vec<String>,
    /// Observations that do not change the verdict (e.g. lint warnings).
    pub notes: Vec<String>,
    /// The expected transcript, when the target has one.
    pub expected: Option<String>,
    /// The actual transcript, when one was recorded.
    pub actual: Option<String>,
    /// The command that runs this case again, ready to paste.
    pub rerun: String,
    /// Another command that helps to understand the case (e.g. its raw events).
    pub see_also: Option<String>,
}

impl CaseOutcome {
    /// Whether both transcripts exist and hold different entries.
    fn transcripts_differ(&self) -> Option<(&str, &str)> {
        let (expected, actual) = (self.expected.as_deref()?, self.actual.as_deref()?);
        (!same_entries(expected, actual)).then_some((expected, actual))
    }

    /// The expected-vs-actual diff, when both transcripts exist and differ.
    pub fn diff(&self) -> Option<Vec<DiffLine>> {
        let (expected, actual) = self.transcripts_differ()?;
        Some(diff_lines(expected, actual))
    }

    /// The first differing entry, field by field.
    pub fn first_difference(&self) -> Option<FirstDifference> {
        let (expected, actual) = self.transcripts_differ()?;
        first_difference(expected, actual)
    }

    /// Records that the target broke `rule`.
    pub fn find(&mut self, rule: Option<Rule>, detail: impl Into<String>) {
        self.findings.push(Finding::new(rule, detail));
    }

    /// Sets the verdict from the findings: an error stays an error; a binding
    /// finding fails; only default ones differ (fail with `strict`); without
    /// findings the verdict stays as judged (pass or inconclusive).
    pub fn settle(&mut self, strict: bool) {
        if self.verdict == Verdict::Error || self.findings.is_empty() {
            return;
        }
        self.verdict = if self.findings.iter().any(Finding::binding) || strict {
            Verdict::Fail
        } else {
            Verdict::Differs
        };
    }
}

/// Every outcome of one run, with what it ran against.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// What the cases ran against ("in-process", a URL, a client command).
    pub target: String,
    /// The mode: "snapshot", "replay", "differential", "client" or "determinism".
    pub mode: String,
    /// The suite ("built-in" or its path).
    pub suite: String,
    /// Whether differences from our defaults fail (`--strict`).
    pub strict: bool,
    /// How the target's certificate was checked, for a TLS target. Says so loudly
    /// when it was not (`--insecure`).
    pub tls: Option<String>,
    /// The seed the rule instances were drawn with (differential mode).
    pub seed: Option<u64>,
    /// Fields the target sent that the catalogue lacks, ignored when comparing.
    pub extra_fields: ExtraFields,
    /// What the run learned or did besides the cases (traffic, restored state).
    pub notes: Vec<String>,
    /// Extra sections for machines (e.g. the learned traffic), by name.
    pub details: BTreeMap<String, serde_json::Value>,
    /// The outcomes, in case order (the JSON report lists them as `cases`).
    #[serde(skip)]
    pub outcomes: Vec<CaseOutcome>,
}

/// Exit code: nothing failed (differences from our defaults and inconclusive cases allowed).
pub const EXIT_PASS: u8 = 0;
/// Exit code: at least one conformance failure.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: the harness could not do its job (bad suite, unreachable target).
pub const EXIT_HARNESS_ERROR: u8 = 2;

impl RunReport {
    /// An empty report of one run.
    pub fn new(target: impl Into<String>, mode: &str, suite: impl Into<String>) -> RunReport {
        RunReport {
            target: target.into(),
            mode: mode.to_string(),
            suite: suite.into(),
            strict: false,
            tls: None,
            seed: None,
            extra_fields: ExtraFields::default(),
            notes: Vec::new(),
            details: BTreeMap::new(),
            outcomes: Vec::new(),
        }
    }

    /// How many outcomes have `verdict`.
    pub fn count(&self, verdict: &Verdict) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.verdict == *verdict)
            .count()
    }

    /// `3 passed, 1 differ from our defaults, 0 failed, 0 inconclusive, 0 errors`.
    pub fn summary(&self) -> String {
        Verdict::ALL
            .iter()
            .map(|v| format!("{} {}", self.count(v), v.counted()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Grades every outcome (see [`CaseOutcome::settle`]) and collects the extra
    /// fields of the actual transcripts.
    pub fn settle(&mut self, strict: bool) {
        self.strict = strict;
        for outcome in &mut self.outcomes {
            outcome.settle(strict);
            if let Some(actual) = &outcome.actual {
                super::diff::note_transcript_fields(&mut self.extra_fields, actual);
            }
        }
    }

    /// 2 if any case could not be run, else 1 if any failed, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.count(&Verdict::Error) > 0 {
            EXIT_HARNESS_ERROR
        } else if self.count(&Verdict::Fail) > 0 {
            EXIT_FAILURE
        } else {
            EXIT_PASS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(verdict: Verdict) -> CaseOutcome {
        CaseOutcome {
            name: "c".into(),
            description: String::new(),
            file: String::new(),
            scenario: "smoke".into(),
            seed: 7,
            verdict,
            rules: Vec::new(),
            findings: Vec::new(),
            reasons: vec![],
            notes: vec![],
            expected: None,
            actual: None,
            rerun: String::new(),
            see_also: None,
        }
    }

    #[test]
    fn harness_errors_outrank_failures() {
        let mut report = RunReport::new("in-process", "snapshot", "s");
        report.outcomes = vec![outcome(Verdict::Pass), outcome(Verdict::Inconclusive)];
        assert_eq!(report.exit_code(), EXIT_PASS);
        report.outcomes.push(outcome(Verdict::Fail));
        assert_eq!(report.exit_code(), EXIT_FAILURE);
        report.outcomes.push(outcome(Verdict::Error));
        assert_eq!(report.exit_code(), EXIT_HARNESS_ERROR);
    }

    #[test]
    fn findings_are_graded_by_provenance_and_strictness() {
        let graded = |rules: &[Option<Rule>], strict: bool| {
            let mut o = outcome(Verdict::Pass);
            for rule in rules {
                o.find(*rule, "x");
            }
            o.settle(strict);
            o.verdict
        };
        assert_eq!(graded(&[], false), Verdict::Pass);
        let default = Some(Rule::NullMatchesOnlyWildcard);
        assert_eq!(graded(&[default], false), Verdict::Differs);
        assert_eq!(graded(&[default], true), Verdict::Fail);
        assert_eq!(
            graded(&[default, Some(Rule::MissingProperty)], false),
            Verdict::Fail
        );
        assert_eq!(graded(&[None], false), Verdict::Fail);
        let mut error = outcome(Verdict::Error);
        error.find(default, "x");
        error.settle(false);
        assert_eq!(error.verdict, Verdict::Error);
    }

    #[test]
    fn a_difference_from_our_defaults_exits_0() {
        let mut report = RunReport::new("t", "differential", "s");
        let mut o = outcome(Verdict::Pass);
        o.find(Some(Rule::EmptyListDeliversAll), "x");
        report.outcomes.push(o);
        report.settle(false);
        assert_eq!(report.exit_code(), EXIT_PASS);
        report.settle(true);
        assert_eq!(report.exit_code(), EXIT_FAILURE);
    }
}
