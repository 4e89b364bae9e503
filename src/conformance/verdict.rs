//! Verdicts: one per case (or per filter rule set in differential mode), and the
//! run's exit code.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// How one case ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The behaviour is the expected one.
    Pass,
    /// The behaviour differs from the expected one.
    Fail,
    /// Nothing contradicts the expectation, but nothing confirms it either (a
    /// differential window in which no event matched the filter).
    Inconclusive,
    /// The case could not be run: the runner's problem, not the target's.
    Error,
}

impl Verdict {
    /// The word the reports show.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "ERROR",
        }
    }
}

/// The result of one case on one target.
#[derive(Debug, Clone, Serialize)]
pub struct CaseOutcome {
    /// The case's name (its file stem), or `case#rule set` in differential mode.
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
    /// Why it is not a pass, one reason per line (empty on a pass).
    pub reasons: Vec<String>,
    /// Observations that do not change the verdict (e.g. lint warnings).
    pub notes: Vec<String>,
    /// The expected transcript, when the target has one.
    pub expected: Option<String>,
    /// The actual transcript, when one was recorded.
    pub actual: Option<String>,
    /// How to run this case again.
    pub rerun: String,
}

impl CaseOutcome {
    /// The expected-vs-actual diff, when both transcripts exist and differ.
    pub fn diff(&self) -> Option<Vec<DiffLine>> {
        let (expected, actual) = (self.expected.as_deref()?, self.actual.as_deref()?);
        (expected != actual).then(|| diff_lines(expected, actual))
    }
}

/// One line of a transcript diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// `-` expected only, `+` actual only, ` ` both, `…` a run of unchanged lines left out.
    pub tag: char,
    /// The transcript line (or how many lines were left out).
    pub text: String,
}

/// Unchanged lines kept around each change.
const CONTEXT: usize = 2;

/// A line diff from `expected` to `actual`, unchanged runs shortened to
/// `CONTEXT` lines around each change.
pub fn diff_lines(expected: &str, actual: &str) -> Vec<DiffLine> {
    let diff = TextDiff::from_lines(expected, actual);
    let mut out = Vec::new();
    for group in diff.grouped_ops(CONTEXT) {
        if !out.is_empty() {
            out.push(DiffLine {
                tag: '…',
                text: "unchanged lines left out".to_string(),
            });
        }
        for op in group {
            for change in diff.iter_changes(&op) {
                let tag = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                out.push(DiffLine {
                    tag,
                    text: change.value().trim_end_matches('\n').to_string(),
                });
            }
        }
    }
    out
}

/// Every outcome of one run, with what it ran against.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// What the cases ran against ("in-process", a URL, a client command).
    pub target: String,
    /// The mode: "snapshot", "differential", "client" or "determinism".
    pub mode: String,
    /// The suite's path.
    pub suite: String,
    /// The outcomes, in case order.
    pub outcomes: Vec<CaseOutcome>,
}

/// Exit code: every case passed (or was inconclusive).
pub const EXIT_PASS: u8 = 0;
/// Exit code: at least one conformance failure.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: the harness could not do its job (bad suite, unreachable target).
pub const EXIT_HARNESS_ERROR: u8 = 2;

impl RunReport {
    /// How many outcomes have `verdict`.
    pub fn count(&self, verdict: &Verdict) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.verdict == *verdict)
            .count()
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

    #[test]
    fn diffs_keep_context_and_mark_both_sides() {
        let expected = "a\nb\nc\nd\ne\nf\ng\n";
        let actual = "a\nb\nc\nX\ne\nf\ng\n";
        let lines: Vec<String> = diff_lines(expected, actual)
            .into_iter()
            .map(|l| format!("{}{}", l.tag, l.text))
            .collect();
        assert_eq!(lines, vec![" b", " c", "-d", "+X", " e", " f"]);
    }

    #[test]
    fn harness_errors_outrank_failures() {
        let outcome = |verdict| CaseOutcome {
            name: "c".into(),
            description: String::new(),
            file: String::new(),
            scenario: "smoke".into(),
            seed: 7,
            verdict,
            reasons: vec![],
            notes: vec![],
            expected: None,
            actual: None,
            rerun: String::new(),
        };
        let mut report = RunReport {
            target: "in-process".into(),
            mode: "snapshot".into(),
            suite: "s".into(),
            outcomes: vec![outcome(Verdict::Pass), outcome(Verdict::Inconclusive)],
        };
        assert_eq!(report.exit_code(), EXIT_PASS);
        report.outcomes.push(outcome(Verdict::Fail));
        assert_eq!(report.exit_code(), EXIT_FAILURE);
        report.outcomes.push(outcome(Verdict::Error));
        assert_eq!(report.exit_code(), EXIT_HARNESS_ERROR);
    }
}
