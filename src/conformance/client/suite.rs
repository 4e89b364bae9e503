//! Running the client suite: per case a fresh server, the tap linked to it, the
//! client started (or, with `--client-url-only`, expected back), the case played,
//! the client stopped, then checks, transcript and snapshot. A progress line per
//! case as it runs; waits say what they wait for.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::protocol::Profile;
use crate::server::Credentials;

use super::backend::{Backend, BackendPlan};
use super::cases::{ClientCase, EPOCH_MS, SCENARIO, SEED, suite_player};
use super::check::{Check, CheckId};
use super::journal::{Journal, Records as _, Seen};
use super::judge::filters_accepted;
use super::outcome::{ClientCaseOutcome, ClientRun, ClientVerdict};
use super::process::{ClientEnv, ClientProcess};
use super::snapshots::{SnapshotHeader, SnapshotState, compare, pending_path, snap_path};
use super::stage::Stage;
use super::tap::Tap;
use super::thresholds::Thresholds;
use super::transcript::{CASE_OVER, render};

/// How often a case looks whether the client started for it has died.
const EXIT_WATCH: Duration = Duration::from_millis(50);

/// How the client under test is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientTarget {
    /// Started per case with `sh -c`.
    Command(String),
    /// Started by someone else, once, at the URL the runner prints.
    UrlOnly,
}

/// One run of the client suite.
#[derive(Debug, Clone)]
pub struct ClientRunOptions {
    /// The client.
    pub target: ClientTarget,
    /// The credentials the server accepts and the client is given.
    pub credentials: Credentials,
    /// The thresholds.
    pub thresholds: Thresholds,
    /// The cases to run, in order.
    pub cases: Vec<ClientCase>,
    /// Where the snapshots are.
    pub snapshots: PathBuf,
    /// Write differing transcripts as the snapshots.
    pub accept: bool,
    /// Run each case twice and compare the transcripts instead of the snapshots.
    pub check_determinism: bool,
    /// The profile the server emits.
    pub profile: Profile,
}

/// Where the run says what it does: progress lines, and (for `--client-url-only`)
/// the URLs the client must use.
pub trait Reporter: Sync {
    /// One progress line.
    fn progress(&self, line: &str);
    /// The URLs for a client the runner does not start.
    fn urls(&self, url: &str, live_url: &str);
}

/// Runs the suite.
///
/// # Errors
/// The tap cannot listen (nothing could be run at all).
pub async fn run_client_suite(
    options: &ClientRunOptions,
    reporter: &dyn Reporter,
) -> Result<ClientRun, String> {
    let tap = Tap::bind()
        .await
        .map_err(|err| format!("cannot listen on 127.0.0.1: {err}"))?;
    if options.target == ClientTarget::UrlOnly {
        reporter.urls(&tap.url(), &tap.live_url());
    }
    let total = options.cases.len();
    let mut cases = Vec::new();
    for (n, case) in options.cases.iter().enumerate() {
        let label = format!("[{}/{total}] {}", n + 1, case.name());
        reporter.progress(&format!("{label}: {}", case.description()));
        let progress = |line: &str| reporter.progress(&format!("{label}: {line}"));
        let first = n == 0;
        let mut outcome = run_case(&tap, options, *case, first, &progress).await;
        if options.check_determinism && outcome.error.is_none() {
            progress("again, for the determinism check");
            let again = run_case(&tap, options, *case, false, &progress).await;
            determinism(&mut outcome, &again);
        } else if outcome.error.is_none() {
            snapshot(&mut outcome, options, *case);
        }
        outcome.decide();
        let why = outcome
            .first_failure()
            .map(|c| format!(": {}", c.id.name()))
            .or_else(|| outcome.error.clone().map(|e| format!(": {e}")))
            .unwrap_or_default();
        progress(&format!(
            "{}{why} ({:.1}s)",
            outcome.verdict.as_str(),
            outcome.seconds
        ));
        cases.push(outcome);
    }
    Ok(ClientRun {
        target: match &options.target {
            ClientTarget::Command(command) => format!("client `{command}`"),
            ClientTarget::UrlOnly => format!("client at {}", tap.url()),
        },
        mode: if options.check_determinism {
            "determinism"
        } else if options.accept {
            "accept"
        } else {
            "snapshot"
        }
        .to_string(),
        thresholds: options.thresholds.rows(),
        snapshots: options.snapshots.display().to_string(),
        cases,
    })
}

/// Plays one case and gathers its checks and transcript (not yet compared).
async fn run_case(
    tap: &Tap,
    options: &ClientRunOptions,
    case: ClientCase,
    first: bool,
    progress: &(dyn Fn(&str) + Sync),
) -> ClientCaseOutcome {
    let started = Instant::now();
    let mut outcome = ClientCaseOutcome {
        name: case.name().to_string(),
        description: case.description().to_string(),
        verdict: ClientVerdict::Error,
        checks: Vec::new(),
        snapshot: SnapshotState::Skipped,
        snapshot_file: String::new(),
        transcript: String::new(),
        expected: None,
        output: None,
        error: None,
        seconds: 0.0,
        rerun: rerun(options, case),
    };
    let played = play(tap, options, case, first, progress, &mut outcome).await;
    if let Err(error) = played {
        outcome.error = Some(error);
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}

async fn play(
    tap: &Tap,
    options: &ClientRunOptions,
    case: ClientCase,
    first: bool,
    progress: &(dyn Fn(&str) + Sync),
    outcome: &mut ClientCaseOutcome,
) -> Result<(), String> {
    let player = suite_player(options.profile)?;
    let plan = BackendPlan {
        credentials: options.credentials.clone(),
        player,
        limits: case.limits(&options.thresholds),
        patience: options.thresholds.patience,
    };
    let backend = Backend::start(plan).await?;
    let journal = Arc::new(Journal::default());
    let link = tap.link(Arc::clone(&journal), backend.addr);
    let process = match &options.target {
        ClientTarget::Command(command) => {
            let env = ClientEnv {
                url: tap.url(),
                live_url: tap.live_url(),
                username: options.credentials.username().to_string(),
                password: options.credentials.password().to_string(),
                case: case.name().to_string(),
            };
            match ClientProcess::start(command, &env) {
                Ok(process) => Some(process),
                Err(reason) => {
                    tap.unlink();
                    backend.stop().await;
                    return Err(reason);
                }
            }
        }
        ClientTarget::UrlOnly => None,
    };
    let mut stage = Stage::new(
        Arc::clone(&journal),
        link,
        backend,
        options.thresholds,
        options.profile,
        EPOCH_MS,
        progress,
    );
    stage.wait_forever_for_first = first && options.target == ClientTarget::UrlOnly;
    let mut process = process;
    let over = AtomicBool::new(false);
    let play = async {
        let played = case.play(&mut stage).await;
        over.store(true, Ordering::Release);
        played
    };
    // std's Child has no async wait (tokio's process feature is not built): look
    // now and then whether the client died, so the case's waits end at once.
    let watch = async {
        while !over.load(Ordering::Acquire) {
            if let Some(how) = process.as_mut().and_then(ClientProcess::exited_text) {
                journal.push(Seen::ClientExited(how));
                break;
            }
            tokio::time::sleep(EXIT_WATCH).await;
        }
    };
    let (played, ()) = tokio::join!(play, watch);
    stage.mark(CASE_OVER).await;
    let live = stage.backend.live_requests().await;
    let Stage {
        backend,
        mut checks,
        ..
    } = stage;
    outcome.output = match process {
        Some(process) => Some(process.stop(options.thresholds.grace).await),
        None => None,
    };
    tap.unlink();
    backend.stop().await;
    played?;
    let live = live?;
    let records = journal.records();
    if !records.opened().is_empty() {
        checks.push(filters_accepted(&records));
    }
    if let Some(output) = &outcome.output
        && output.killed
    {
        checks.push(Check::note(
                CheckId::StopsOnSigterm,
                format!(
                    "the client did not exit within {:?} of SIGTERM at the end of the case; it was killed",
                    options.thresholds.grace
                ),
            ));
    }
    outcome.checks = checks;
    outcome.transcript = render(&records, &live, journal.started_unix_us(), EPOCH_MS);
    Ok(())
}

fn snapshot(outcome: &mut ClientCaseOutcome, options: &ClientRunOptions, case: ClientCase) {
    let header = SnapshotHeader {
        case: case.name(),
        description: case.description(),
        scenario: SCENARIO,
        seed: SEED,
    };
    match compare(
        &options.snapshots,
        &header,
        &outcome.transcript,
        options.accept,
    ) {
        Ok((state, stored)) => {
            outcome.snapshot = state;
            outcome.expected = stored;
            let file = if state.is_pending() {
                pending_path(&options.snapshots, case.name())
            } else {
                snap_path(&options.snapshots, case.name())
            };
            outcome.snapshot_file = file.display().to_string();
        }
        Err(err) => outcome.error = Some(err.to_string()),
    }
}

/// Compares a second run's transcript with the first's.
fn determinism(first: &mut ClientCaseOutcome, second: &ClientCaseOutcome) {
    if let Some(error) = &second.error {
        first.error = Some(format!("the second run: {error}"));
        return;
    }
    first.expected = Some(second.transcript.clone());
    let same = first.transcript == second.transcript;
    first.checks.push(Check::pass_if(
        CheckId::Deterministic,
        same,
        if same {
            "two runs gave the same transcript"
        } else {
            "two runs of the case gave different transcripts: what the client does depends on timing or chance"
        },
    ));
}

/// How to run just `case` again with the same client.
fn rerun(options: &ClientRunOptions, case: ClientCase) -> String {
    let target = match &options.target {
        ClientTarget::Command(command) => format!("--client '{command}'"),
        ClientTarget::UrlOnly => "--client-url-only".to_string(),
    };
    format!("isymphony-sim conform {target} --case {}", case.name())
}
