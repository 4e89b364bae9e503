//! What a client-suite run found: one outcome per case, each with its checks
//! (and their provenance), its snapshot's state, its transcript and the client's
//! output; the run's exit code.

use serde::Serialize;

use super::check::{Check, CheckState};
use super::process::ClientOutput;
use super::snapshots::SnapshotState;
use super::thresholds::ThresholdRow;

/// How one case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientVerdict {
    /// Every check passed and the transcript matches its snapshot.
    Pass,
    /// A behaviour check failed (whatever the snapshot says).
    Fail,
    /// The checks passed, but the transcript is a new or changed snapshot to review.
    Pending,
    /// The case could not be run: the runner's problem, not the client's.
    Error,
}

impl ClientVerdict {
    /// The word the reports show.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientVerdict::Pass => "pass",
            ClientVerdict::Fail => "FAIL",
            ClientVerdict::Pending => "pending",
            ClientVerdict::Error => "ERROR",
        }
    }
}

/// One case's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct ClientCaseOutcome {
    /// The case's name.
    pub name: String,
    /// What it checks.
    pub description: String,
    /// The verdict.
    pub verdict: ClientVerdict,
    /// Its checks, in the order they were decided (the JSON report writes them
    /// with their provenance).
    #[serde(skip)]
    pub checks: Vec<Check>,
    /// How its transcript compared with the snapshot.
    pub snapshot: SnapshotState,
    /// The snapshot file (or the pending `.snap.new`).
    pub snapshot_file: String,
    /// The transcript recorded.
    pub transcript: String,
    /// The stored snapshot it was compared with, if there was one.
    pub expected: Option<String>,
    /// The client's output, when the runner started it.
    pub output: Option<ClientOutput>,
    /// Why the case could not run, for an error.
    pub error: Option<String>,
    /// Wall seconds the case took.
    pub seconds: f64,
    /// How to run just this case again.
    pub rerun: String,
}

impl ClientCaseOutcome {
    /// The verdict its checks, snapshot and error give.
    pub fn decide(&mut self) {
        self.verdict = if self.error.is_some() {
            ClientVerdict::Error
        } else if self.checks.iter().any(|c| c.state == CheckState::Fail) {
            ClientVerdict::Fail
        } else if self.snapshot.is_pending() {
            ClientVerdict::Pending
        } else {
            ClientVerdict::Pass
        };
    }

    /// The first failing check, for one-line summaries.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.state == CheckState::Fail)
    }
}

/// A whole client-suite run.
#[derive(Debug, Clone, Serialize)]
pub struct ClientRun {
    /// The client: its command, or the URL it was told to use.
    pub target: String,
    /// `snapshot`, `accept` or `determinism`.
    pub mode: String,
    /// The thresholds in force.
    pub thresholds: Vec<ThresholdRow>,
    /// The snapshot directory.
    pub snapshots: String,
    /// The outcomes, in case order.
    pub cases: Vec<ClientCaseOutcome>,
}

/// Exit code: every case passed.
pub const EXIT_PASS: u8 = 0;
/// Exit code: a check failed or a snapshot is pending.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: the runner could not do its job.
pub const EXIT_HARNESS_ERROR: u8 = 2;

impl ClientRun {
    /// How many cases have `verdict`.
    pub fn count(&self, verdict: ClientVerdict) -> usize {
        self.cases.iter().filter(|c| c.verdict == verdict).count()
    }

    /// 2 if a case could not run, else 1 if one failed or is pending, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.count(ClientVerdict::Error) > 0 {
            EXIT_HARNESS_ERROR
        } else if self.count(ClientVerdict::Fail) + self.count(ClientVerdict::Pending) > 0 {
            EXIT_FAILURE
        } else {
            EXIT_PASS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::check::CheckId;
    use super::*;

    fn outcome(checks: Vec<Check>, snapshot: SnapshotState) -> ClientCaseOutcome {
        let mut outcome = ClientCaseOutcome {
            name: "c".into(),
            description: String::new(),
            verdict: ClientVerdict::Pass,
            checks,
            snapshot,
            snapshot_file: String::new(),
            transcript: String::new(),
            expected: None,
            output: None,
            error: None,
            seconds: 0.0,
            rerun: String::new(),
        };
        outcome.decide();
        outcome
    }

    #[test]
    fn accepting_a_snapshot_never_hides_a_failed_check() {
        let failed = vec![Check::fail(CheckId::Refilters, "never refiltered")];
        assert_eq!(
            outcome(failed.clone(), SnapshotState::Accepted).verdict,
            ClientVerdict::Fail
        );
        assert_eq!(
            outcome(failed, SnapshotState::Matched).verdict,
            ClientVerdict::Fail
        );
        let passed = vec![Check::pass(CheckId::Refilters, "same")];
        assert_eq!(
            outcome(passed.clone(), SnapshotState::New).verdict,
            ClientVerdict::Pending
        );
        assert_eq!(
            outcome(passed, SnapshotState::Accepted).verdict,
            ClientVerdict::Pass
        );
        let noted = vec![Check::note(CheckId::AdmitsEverything, "empty")];
        assert_eq!(
            outcome(noted, SnapshotState::Matched).verdict,
            ClientVerdict::Pass
        );
    }

    #[test]
    fn pending_exits_one_and_errors_two() {
        let mut run = ClientRun {
            target: "t".into(),
            mode: "snapshot".into(),
            thresholds: Vec::new(),
            snapshots: "s".into(),
            cases: vec![outcome(Vec::new(), SnapshotState::Matched)],
        };
        assert_eq!(run.exit_code(), EXIT_PASS);
        run.cases.push(outcome(Vec::new(), SnapshotState::Changed));
        assert_eq!(run.exit_code(), EXIT_FAILURE);
        let mut broken = outcome(Vec::new(), SnapshotState::Skipped);
        broken.error = Some("no server".into());
        broken.decide();
        run.cases.push(broken);
        assert_eq!(run.exit_code(), EXIT_HARNESS_ERROR);
    }
}
