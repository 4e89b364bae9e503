//! Running a suite in snapshot mode: each case's transcript, from whichever target
//! produced it, compared with the case's stored snapshot; and the determinism check.
//!
//! A difference is graded by the rule that governs it: the rule of the action whose
//! reply differs, or of the last action before a differing event (see
//! [`Case::rule_after`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::builtin::builtin_snapshot;
use super::diff::{ParsedLine, Side, changed_lines, same_entries};
use super::inprocess::{FilterFactory, run_case};
use super::rules::Rule;
use super::snapshot::{body_of, normalise, read_body, snapshot_path, write};
use super::suite::{Case, Suite};
use super::transcript::Transcript;
use super::verdict::{CaseOutcome, RunReport, Verdict};

/// Where a suite's snapshots live unless told otherwise: `snapshots/` next to the
/// case files.
pub fn default_snapshot_dir(suite_path: &Path) -> PathBuf {
    let base = if suite_path.is_file() {
        suite_path.parent().unwrap_or(Path::new("."))
    } else {
        suite_path
    };
    base.join("snapshots")
}

/// Where the expected transcripts come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotStore {
    /// `<case>.snap` files in this directory.
    Dir(PathBuf),
    /// The snapshots compiled into the binary with the built-in suite.
    BuiltIn,
}

impl SnapshotStore {
    /// The store of `suite`: the built-in snapshots, or `snapshots/` next to it.
    pub fn of(suite: &Suite) -> SnapshotStore {
        if suite.builtin {
            SnapshotStore::BuiltIn
        } else {
            SnapshotStore::Dir(default_snapshot_dir(&suite.path))
        }
    }
}

/// What the target recorded for one case.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The transcript, or why there is none (a harness error).
    pub transcript: Result<Transcript, String>,
    /// Failures found besides the transcript (e.g. the client never connected).
    pub failures: Vec<String>,
    /// Observations that do not change the verdict.
    pub notes: Vec<String>,
}

impl From<Transcript> for Recorded {
    fn from(transcript: Transcript) -> Self {
        Recorded {
            transcript: Ok(transcript),
            failures: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// How one run compares and what it may write.
#[derive(Debug, Clone)]
pub struct SnapshotOptions {
    /// Where the expected transcripts are.
    pub store: SnapshotStore,
    /// Write the actual transcript as the new snapshot instead of failing.
    pub accept: bool,
    /// Appended to each case's rerun command (e.g. ` --target ws://...`).
    pub rerun_flags: String,
}

/// A word for a shell: as it is when that is safe, else in single quotes.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The command that runs `case` again, ready to paste: `flags` already hold the
/// suite (`--suite DIR`, absent for the built-in suite) and the target.
pub fn rerun_command(case: &Case, flags: &str) -> String {
    format!(
        "isymphony-sim conform --case {}{flags}",
        shell_quote(&case.name)
    )
}

/// The command that prints `case`'s raw event stream.
pub fn events_command(case: &Case) -> String {
    let beside = case
        .path
        .parent()
        .map(|dir| dir.join(&case.scenario_name))
        .filter(|path| path.is_file());
    let scenario = beside.map_or_else(
        || case.scenario_name.clone(),
        |path| path.display().to_string(),
    );
    format!(
        "isymphony-sim play --scenario {} --seed {} --until {}",
        shell_quote(&scenario),
        case.seed,
        crate::scenario::duration::format_duration(case.until_ms)
    )
}

/// An outcome for `case` with nothing filled in beyond the case itself.
pub fn blank_outcome(case: &Case, verdict: Verdict, flags: &str) -> CaseOutcome {
    CaseOutcome {
        name: case.name.clone(),
        description: case.description.clone(),
        file: case.path.display().to_string(),
        scenario: case.scenario_name.clone(),
        seed: case.seed,
        verdict,
        rules: case.rules_checked(),
        findings: Vec::new(),
        reasons: Vec::new(),
        notes: Vec::new(),
        expected: None,
        actual: None,
        rerun: rerun_command(case, flags),
        see_also: Some(events_command(case)),
    }
}

/// The expected transcript of `case`, `None` when it has no snapshot.
fn expected_of(case: &Case, options: &SnapshotOptions) -> Result<Option<String>, String> {
    match &options.store {
        SnapshotStore::Dir(dir) => {
            read_body(&snapshot_path(dir, case)).map_err(|err| err.to_string())
        }
        SnapshotStore::BuiltIn => Ok(builtin_snapshot(&case.name).map(body_of)),
    }
}

/// The rules that govern the lines where `actual` departs from `expected`, each
/// with how many lines and the first of them.
fn rules_of_differences(
    case: &Case,
    expected: &str,
    actual: &str,
) -> BTreeMap<Option<Rule>, (usize, String)> {
    // How many actions (client messages, reconnects) precede each line, per side.
    let done = |text: &str| -> Vec<usize> {
        let mut count = 0;
        text.lines()
            .map(|line| {
                if matches!(ParsedLine::parse(line).word, "client" | "reconnect") {
                    count += 1;
                }
                count
            })
            .collect()
    };
    let (done_expected, done_actual) = (done(expected), done(actual));
    let mut found: BTreeMap<Option<Rule>, (usize, String)> = BTreeMap::new();
    for (side, index, line) in changed_lines(expected, actual) {
        let done = match side {
            Side::Expected => done_expected.get(index),
            Side::Actual => done_actual.get(index),
        };
        let rule = case.rule_after(done.copied().unwrap_or(0));
        let shown = match side {
            Side::Expected => format!("expected `{}`", line.trim()),
            Side::Actual => format!("got `{}`", line.trim()),
        };
        found.entry(rule).or_insert((0, shown)).0 += 1;
    }
    found
}

/// Compares what the target recorded for `case` with its snapshot.
pub fn judge(case: &Case, recorded: Recorded, options: &SnapshotOptions) -> CaseOutcome {
    let mut outcome = blank_outcome(case, Verdict::Pass, &options.rerun_flags);
    outcome.notes = recorded.notes;
    let actual = match recorded.transcript {
        Ok(transcript) => normalise(&transcript.to_text()),
        Err(reason) => {
            outcome.verdict = Verdict::Error;
            outcome.reasons.push(reason);
            return outcome;
        }
    };
    outcome.actual = Some(actual.clone());
    let expected = match expected_of(case, options) {
        Ok(expected) => expected,
        Err(reason) => {
            outcome.verdict = Verdict::Error;
            outcome.reasons.push(reason);
            return outcome;
        }
    };
    let differs = expected
        .as_deref()
        .is_none_or(|expected| !same_entries(expected, &actual));
    if options.accept && differs {
        let SnapshotStore::Dir(dir) = &options.store else {
            outcome.verdict = Verdict::Error;
            outcome.reasons.push(
                "the built-in snapshots cannot be rewritten; export the suite with --export-suite DIR and accept there with --suite DIR".to_string(),
            );
            return outcome;
        };
        let path = snapshot_path(dir, case);
        match write(&path, case, &actual) {
            Ok(()) => outcome
                .notes
                .push(format!("snapshot written: {}", path.display())),
            Err(err) => {
                outcome.verdict = Verdict::Error;
                outcome.reasons.push(err.to_string());
            }
        }
        outcome.expected = Some(actual);
        return outcome;
    }
    let Some(expected) = expected else {
        let place = match &options.store {
            SnapshotStore::Dir(dir) => snapshot_path(dir, case).display().to_string(),
            SnapshotStore::BuiltIn => format!("the built-in suite for {}", case.name),
        };
        outcome.find(
            None,
            format!(
                "no snapshot at {place}; review the transcript below and record it with --accept"
            ),
        );
        outcome.settle(false);
        return outcome;
    };
    if differs {
        for (rule, (lines, first)) in rules_of_differences(case, &expected, &actual) {
            outcome.find(
                rule,
                format!("{lines} transcript line(s) differ from the snapshot; first: {first}"),
            );
        }
    }
    outcome.expected = Some(expected);
    for failure in recorded.failures {
        outcome.find(None, failure);
    }
    outcome.settle(false);
    outcome
}

/// Runs every case in-process against the filter made by `new_filter` and compares
/// each transcript with its snapshot.
pub fn run_in_process(
    suite: &Suite,
    new_filter: FilterFactory<'_>,
    options: &SnapshotOptions,
) -> RunReport {
    let mut report = RunReport::new("in-process", "snapshot", suite.path.display().to_string());
    report.outcomes = suite
        .cases
        .iter()
        .map(|case| {
            let recorded = match run_case(case, new_filter) {
                Ok(transcript) => Recorded::from(transcript),
                Err(err) => Recorded {
                    transcript: Err(err.to_string()),
                    failures: Vec::new(),
                    notes: Vec::new(),
                },
            };
            judge(case, recorded, options)
        })
        .collect();
    report
}

/// Runs every case in-process twice and compares the two transcripts: a difference
/// means something in the run is not derived from the seed.
pub fn check_determinism(suite: &Suite, new_filter: FilterFactory<'_>, flags: &str) -> RunReport {
    let mut report = RunReport::new(
        "in-process, twice",
        "determinism",
        suite.path.display().to_string(),
    );
    report.outcomes = suite
        .cases
        .iter()
        .map(|case| {
            let mut outcome = blank_outcome(case, Verdict::Pass, flags);
            let first = run_case(case, new_filter);
            let second = run_case(case, new_filter);
            match (first, second) {
                (Ok(first), Ok(second)) => {
                    let (first, second) = (first.to_text(), second.to_text());
                    if first != second {
                        outcome.find(
                            None,
                            format!(
                                "two runs with seed {} gave different transcripts",
                                case.seed
                            ),
                        );
                    }
                    outcome.expected = Some(normalise(&first));
                    outcome.actual = Some(normalise(&second));
                    outcome.settle(false);
                }
                (Err(err), _) | (_, Err(err)) => {
                    outcome.verdict = Verdict::Error;
                    outcome.reasons.push(err.to_string());
                }
            }
            outcome
        })
        .collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("ws://127.0.0.1:1/x"), "ws://127.0.0.1:1/x");
        assert_eq!(shell_quote("./my client --once"), "'./my client --once'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
