//! `isymphony-sim conform`: runs a conformance suite against a target and reports a
//! verdict per case. Exit 0 all pass, 1 a conformance failure, 2 a harness error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use isymphony_sim::conformance::differential::{DifferentialOptions, run_differential};
use isymphony_sim::conformance::replay::{ReplayOptions, control_api_status, run_replay};
use isymphony_sim::conformance::report;
use isymphony_sim::conformance::run::{
    SnapshotOptions, check_determinism, default_snapshot_dir, run_in_process,
};
use isymphony_sim::conformance::verdict::EXIT_HARNESS_ERROR;
use isymphony_sim::conformance::{SpecFilter, Suite, load_suite};
use isymphony_sim::scenario::duration::parse_duration;
use isymphony_sim::server::Credentials;

use super::conform_client::{self, ClientArgs, ReviewArgs, SharedFlags, review_pending};

/// How a `--target` server is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Replay on a server we control (found through `/sim/`), else differential.
    Auto,
    /// Play each case on our own server through its control API (`/sim/`) and
    /// compare the transcripts with the snapshots; takes the server over.
    Replay,
    /// Filtered vs unfiltered connections side by side; no snapshots.
    Differential,
}

/// Arguments of `conform`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConformArgs {
    /// `conform review`: accept the client suite's pending snapshots.
    #[command(subcommand)]
    action: Option<ConformAction>,

    /// The server suite: a folder of case files, or one case file (the client
    /// suite is built in).
    #[arg(value_name = "SUITE", default_value = "fixtures/conformance")]
    suite: PathBuf,

    /// Test the server at this Event API URL instead of the in-process player. Our
    /// own `serve` is taken over: each case's scenario is loaded and stepped through
    /// /sim/ (the pause state is restored; the last case's scenario stays loaded).
    #[arg(long, value_name = "URL", conflicts_with = "client")]
    target: Option<String>,

    /// How to test a --target server.
    #[arg(long, value_enum, default_value_t = Mode::Auto, requires = "target")]
    mode: Mode,

    /// Run the client suite against this client, started per case with `sh -c`
    /// and given ISYM_URL, ISYM_LIVE_URL, ISYM_USERNAME, ISYM_PASSWORD and
    /// ISYM_CASE; stopped with SIGTERM (then SIGKILL after --grace).
    #[arg(long, value_name = "CMD")]
    client: Option<String>,

    #[command(flatten)]
    client_suite: ClientArgs,

    /// Run only the cases whose name contains this text (repeatable).
    #[arg(long = "case", value_name = "TEXT")]
    cases: Vec<String>,

    /// Where the snapshots are. Default: SUITE/snapshots for the server suite,
    /// conformance-snapshots/ for the client suite.
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,

    /// Record the transcripts as the snapshots instead of comparing (in-process,
    /// or the client suite's; a failed behaviour check still exits 1).
    #[arg(long, conflicts_with_all = ["target", "check_determinism"])]
    accept: bool,

    /// Also write conformance.json, junit.xml and report.html into this folder.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,

    /// Run each case twice (in-process, or with the client) and compare the two
    /// transcripts.
    #[arg(long, conflicts_with = "target")]
    check_determinism: bool,

    /// Differential mode: how long the connections watch the traffic.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    window: String,

    /// Differential mode: events this close to the end of the window may have
    /// reached only one of the two connections.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    edge: String,

    /// How long to wait for a filter response, a control API answer (replay), or a
    /// client's connection or message.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    patience: String,

    /// Username sent to a target, and given to a client under test.
    #[arg(long, env = "ISYM_USERNAME", default_value = "manager")]
    username: String,

    /// Password sent to a target, and given to a client under test.
    #[arg(
        long,
        env = "ISYM_PASSWORD",
        default_value = "manag3rpa55word",
        hide_env_values = true
    )]
    password: String,
}

/// What `conform` does besides running a suite.
#[derive(Debug, clap::Subcommand)]
pub enum ConformAction {
    /// Show each pending snapshot of the client suite (`.snap.new`) with its
    /// diff and accept or reject it, as `cargo insta review` does.
    Review(ReviewArgs),
}

/// Runs `conform`.
pub fn run(args: ConformArgs) -> anyhow::Result<ExitCode> {
    if let Some(ConformAction::Review(review)) = &args.action {
        return review_pending(review);
    }
    if args.client.is_some() || args.client_suite.client_url_only {
        let shared = SharedFlags {
            command: args.client.as_deref(),
            cases: &args.cases,
            snapshots: args.snapshots.clone(),
            accept: args.accept,
            check_determinism: args.check_determinism,
            report: args.report.clone(),
            patience: duration(&args.patience, "--patience")?,
            credentials: Credentials::new(args.username.clone(), args.password.clone()),
        };
        return conform_client::run(shared, &args.client_suite);
    }
    let mut suite = match load_suite(&args.suite) {
        Ok(suite) => suite,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(EXIT_HARNESS_ERROR));
        }
    };
    if !args.cases.is_empty() {
        suite
            .cases
            .retain(|case| args.cases.iter().any(|wanted| case.name.contains(wanted)));
        if suite.cases.is_empty() {
            eprintln!(
                "no case of {} matches --case {:?}",
                args.suite.display(),
                args.cases
            );
            return Ok(ExitCode::from(EXIT_HARNESS_ERROR));
        }
    }
    let credentials = Credentials::new(args.username.clone(), args.password.clone());
    let patience = duration(&args.patience, "--patience")?;
    let report = if args.check_determinism {
        check_determinism(&suite, &SpecFilter::boxed)
    } else if let Some(url) = &args.target {
        let runtime = runtime()?;
        let replay = ReplayOptions {
            url: url.clone(),
            credentials: credentials.clone(),
            patience,
        };
        let replaying = match args.mode {
            Mode::Replay => true,
            Mode::Differential => false,
            Mode::Auto => match runtime.block_on(control_api_status(&replay)) {
                Ok(_) => {
                    eprintln!(
                        "note: {url} is our own server (it answers /sim/status): replaying each case on it (--mode replay)"
                    );
                    true
                }
                Err(reason) => {
                    eprintln!(
                        "note: no control API next to {url} ({reason}); using differential mode"
                    );
                    false
                }
            },
        };
        if replaying {
            let flags = format!(" --target {url} --mode replay");
            let snapshots = snapshot_options(&args, &suite, flags);
            runtime.block_on(run_replay(&suite, &replay, &snapshots))
        } else {
            let options = DifferentialOptions {
                url: url.clone(),
                credentials,
                window: duration(&args.window, "--window")?,
                edge: duration(&args.edge, "--edge")?,
                reply_timeout: patience,
            };
            runtime.block_on(run_differential(&suite, &options))
        }
    } else {
        let snapshots = snapshot_options(&args, &suite, String::new());
        run_in_process(&suite, &SpecFilter::boxed, &snapshots)
    };
    print!("{}", report::terminal::render(&report));
    if let Some(dir) = &args.report {
        report::write_all(dir, &report)?;
        eprintln!("reports written to {}", dir.display());
    }
    Ok(ExitCode::from(report.exit_code()))
}

fn snapshot_options(args: &ConformArgs, suite: &Suite, rerun_flags: String) -> SnapshotOptions {
    SnapshotOptions {
        dir: args
            .snapshots
            .clone()
            .unwrap_or_else(|| default_snapshot_dir(&suite.path)),
        accept: args.accept,
        rerun_flags,
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn duration(text: &str, flag: &str) -> anyhow::Result<Duration> {
    let ms = parse_duration(text).map_err(|reason| anyhow::anyhow!("{flag}: {reason}"))?;
    Ok(Duration::from_millis(ms))
}
