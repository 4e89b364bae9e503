//! Running a suite in snapshot mode: each case's transcript, from whichever target
//! produced it, compared with the case's stored snapshot; and the determinism check.

use std::path::{Path, PathBuf};

use super::inprocess::{FilterFactory, run_case};
use super::snapshot::{normalise, read_body, snapshot_path, write};
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
    /// The directory holding `<case>.snap` files.
    pub dir: PathBuf,
    /// Write the actual transcript as the new snapshot instead of failing.
    pub accept: bool,
    /// Appended to each case's rerun command (e.g. ` --target ws://...`).
    pub rerun_flags: String,
}

/// How to run `case` again, and see its raw event stream.
pub fn rerun_hint(case: &Case, flags: &str) -> String {
    format!(
        "isymphony-sim conform {}{flags}   (scenario {}, seed {}; its events: isymphony-sim play --scenario {} --seed {} --until {})",
        case.path.display(),
        case.scenario_name,
        case.seed,
        case.scenario_name,
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
        reasons: Vec::new(),
        notes: Vec::new(),
        expected: None,
        actual: None,
        rerun: rerun_hint(case, flags),
    }
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
    let path = snapshot_path(&options.dir, case);
    let expected = match read_body(&path) {
        Ok(expected) => expected,
        Err(err) => {
            outcome.verdict = Verdict::Error;
            outcome.reasons.push(err.to_string());
            return outcome;
        }
    };
    if options.accept && expected.as_deref() != Some(actual.as_str()) {
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
        outcome.verdict = Verdict::Fail;
        outcome.reasons.push(format!(
            "no snapshot at {}; review the transcript below and record it with --accept",
            path.display()
        ));
        return outcome;
    };
    if expected != actual {
        outcome.verdict = Verdict::Fail;
        outcome
            .reasons
            .push("the transcript differs from the snapshot".to_string());
    }
    outcome.expected = Some(expected);
    if !recorded.failures.is_empty() {
        outcome.verdict = Verdict::Fail;
        outcome.reasons.extend(recorded.failures);
    }
    outcome
}

/// Runs every case in-process against the filter made by `new_filter` and compares
/// each transcript with its snapshot.
pub fn run_in_process(
    suite: &Suite,
    new_filter: FilterFactory<'_>,
    options: &SnapshotOptions,
) -> RunReport {
    let outcomes = suite
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
    RunReport {
        target: "in-process".to_string(),
        mode: "snapshot".to_string(),
        suite: suite.path.display().to_string(),
        outcomes,
    }
}

/// Runs every case in-process twice and compares the two transcripts: a difference
/// means something in the run is not derived from the seed.
pub fn check_determinism(suite: &Suite, new_filter: FilterFactory<'_>) -> RunReport {
    let outcomes = suite
        .cases
        .iter()
        .map(|case| {
            let mut outcome = blank_outcome(case, Verdict::Pass, " --check-determinism");
            let first = run_case(case, new_filter);
            let second = run_case(case, new_filter);
            match (first, second) {
                (Ok(first), Ok(second)) => {
                    let (first, second) = (first.to_text(), second.to_text());
                    if first != second {
                        outcome.verdict = Verdict::Fail;
                        outcome.reasons.push(format!(
                            "two runs with seed {} gave different transcripts",
                            case.seed
                        ));
                    }
                    outcome.expected = Some(normalise(&first));
                    outcome.actual = Some(normalise(&second));
                }
                (Err(err), _) | (_, Err(err)) => {
                    outcome.verdict = Verdict::Error;
                    outcome.reasons.push(err.to_string());
                }
            }
            outcome
        })
        .collect();
    RunReport {
        target: "in-process, twice".to_string(),
        mode: "determinism".to_string(),
        suite: suite.path.display().to_string(),
        outcomes,
    }
}
