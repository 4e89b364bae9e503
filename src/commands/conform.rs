//! `isymphony-sim conform`: runs a conformance suite against a target and reports a
//! graded verdict per case. Exit 0 nothing failed, 1 a conformance failure, 2 a
//! harness error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use isymphony_sim::conformance::builtin::{builtin_suite, export};
use isymphony_sim::conformance::connection::TlsSettings;
use isymphony_sim::conformance::differential::{
    DEFAULT_EDGE, DEFAULT_WINDOW, DifferentialOptions, run_differential,
};
use isymphony_sim::conformance::replay::{ReplayOptions, control_api_status, run_replay};
use isymphony_sim::conformance::report;
use isymphony_sim::conformance::run::{
    SnapshotOptions, SnapshotStore, check_determinism, default_snapshot_dir, run_in_process,
    shell_quote,
};
use isymphony_sim::conformance::verdict::{EXIT_HARNESS_ERROR, EXIT_PASS};
use isymphony_sim::conformance::{SpecFilter, Suite, load_suite};
use isymphony_sim::scenario::duration::parse_duration;
use isymphony_sim::server::{Credentials, DEFAULT_PASSWORD, DEFAULT_USERNAME};

use super::conform_client::{self, ClientArgs, ReviewArgs, SharedFlags, review_pending};

/// How a `--target` server is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Replay on a server we control (found through `/sim/`), else differential.
    Auto,
    /// Play each case on our own server through its control API (`/sim/`) and
    /// compare the transcripts with the snapshots; takes the server over.
    Replay,
    /// Filtered vs unfiltered connections side by side, with rules drawn from the
    /// traffic; no snapshots.
    Differential,
}

/// Arguments of `conform`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ConformArgs {
    /// `conform review`: accept the client suite's pending snapshots.
    #[command(subcommand)]
    action: Option<ConformAction>,

    /// A server suite of your own: a folder of case files (snapshots in its
    /// snapshots/), or one case file. Default: the reference suite built into this
    /// binary. (The client suite is built in too; see --client.)
    #[arg(long, value_name = "DIR")]
    suite: Option<PathBuf>,

    /// The same as --suite, as a positional argument.
    #[arg(value_name = "SUITE", conflicts_with = "suite")]
    suite_positional: Option<PathBuf>,

    /// Write the built-in suite (cases and snapshots/) into DIR, for reading or
    /// editing, and exit; nothing is overwritten.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["suite", "suite_positional", "target", "client"])]
    export_suite: Option<PathBuf>,

    /// Test the server at this Event API URL (ws:// or wss://) instead of the
    /// in-process player. Our own `serve` is taken over: each case's scenario is
    /// loaded and stepped through /sim/; afterwards what it played is put back
    /// (from its start) when it was a shipped scenario, else the report says what
    /// it now plays.
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

    /// Run only this case (an exact name), or the cases whose names contain this
    /// text (repeatable).
    #[arg(long = "case", value_name = "NAME")]
    cases: Vec<String>,

    /// Where the snapshots are. Default: the built-in ones, or SUITE/snapshots;
    /// for the client suite, conformance-snapshots/.
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,

    /// Record the transcripts as the snapshots instead of comparing: in-process
    /// (a suite of your own only), or the client suite's (a failed behaviour check
    /// still exits 1).
    #[arg(long, conflicts_with_all = ["target", "check_determinism"])]
    accept: bool,

    /// Also write conformance.json, junit.xml and report.html into this folder.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,

    /// Run each case twice (in-process, or with the client) and compare the two
    /// transcripts.
    #[arg(long, conflicts_with = "target")]
    check_determinism: bool,

    /// A difference from our defaults (undocumented behaviour we chose) fails too.
    #[arg(long)]
    strict: bool,

    /// Differential mode: how long the unfiltered connection learns the traffic,
    /// and then how long the connections watch it side by side.
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_WINDOW)]
    window: String,

    /// Differential mode: events this close to the end of the window may have
    /// reached only one of the two connections.
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_EDGE)]
    edge: String,

    /// Differential mode: the seed the rule instances are drawn with (printed;
    /// default: a new one each run).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// How long to wait for a filter response, a control API answer (replay), or a
    /// client's connection or message.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    patience: String,

    /// wss:// targets: trust only the CA certificates in this PEM file (default:
    /// the operating system's roots).
    #[arg(long, value_name = "FILE", conflicts_with = "insecure")]
    ca: Option<PathBuf>,

    /// wss:// targets: do not check the certificate at all (self-signed ones, such
    /// as `serve --tls` makes). Every report says so.
    #[arg(long)]
    insecure: bool,

    /// Username sent to a target, and given to a client under test.
    #[arg(long, env = "ISYM_USERNAME", default_value = DEFAULT_USERNAME, hide_env_values = true)]
    username: String,

    /// Password sent to a target, and given to a client under test.
    #[arg(
        long,
        env = "ISYM_PASSWORD",
        default_value = DEFAULT_PASSWORD,
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
    if let Some(dir) = &args.export_suite {
        return match export(dir) {
            Ok(count) => {
                println!(
                    "wrote the built-in suite ({count} cases and their snapshots) to {}; run it with: isymphony-sim conform --suite {}",
                    dir.display(),
                    shell_quote(&dir.display().to_string())
                );
                Ok(ExitCode::from(EXIT_PASS))
            }
            Err(err) => {
                eprintln!("{err}");
                Ok(ExitCode::from(EXIT_HARNESS_ERROR))
            }
        };
    }
    let suite_path = args.suite.clone().or_else(|| args.suite_positional.clone());
    let loaded = match &suite_path {
        Some(path) => load_suite(path),
        None => builtin_suite(),
    };
    let mut suite = match loaded {
        Ok(suite) => suite,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::from(EXIT_HARNESS_ERROR));
        }
    };
    if !args.cases.is_empty() {
        let wanted = selected(&suite, &args.cases);
        suite.cases.retain(|case| wanted.contains(&case.name));
        if suite.cases.is_empty() {
            eprintln!(
                "no case of {} matches --case {:?}",
                suite.path.display(),
                args.cases
            );
            return Ok(ExitCode::from(EXIT_HARNESS_ERROR));
        }
    }
    let credentials = Credentials::new(args.username.clone(), args.password.clone());
    let patience = duration(&args.patience, "--patience")?;
    let tls = TlsSettings {
        ca: args.ca.clone(),
        insecure: args.insecure,
    };
    let common = common_flags(&args, suite_path.as_ref());
    let mut report = if args.check_determinism {
        check_determinism(
            &suite,
            &SpecFilter::boxed,
            &format!("{common} --check-determinism"),
        )
    } else if let Some(url) = &args.target {
        let runtime = runtime()?;
        let replay = ReplayOptions {
            url: url.clone(),
            credentials: credentials.clone(),
            patience,
            tls: tls.clone(),
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
        let target = format!("{common} --target {}", shell_quote(url));
        if replaying {
            let snapshots = snapshot_options(&args, &suite, format!("{target} --mode replay"));
            runtime.block_on(run_replay(&suite, &replay, &snapshots))
        } else {
            let seed = args.seed.unwrap_or_else(fresh_seed);
            let options = DifferentialOptions {
                url: url.clone(),
                credentials,
                window: duration(&args.window, "--window")?,
                edge: duration(&args.edge, "--edge")?,
                reply_timeout: patience,
                tls,
                seed,
                rerun_flags: format!(
                    "{target} --mode differential --seed {seed} --window {} --edge {}",
                    shell_quote(&args.window),
                    shell_quote(&args.edge)
                ),
            };
            runtime.block_on(run_differential(&suite, &options))
        }
    } else {
        let snapshots = snapshot_options(&args, &suite, common.clone());
        run_in_process(&suite, &SpecFilter::boxed, &snapshots)
    };
    report.settle(args.strict);
    print!("{}", report::terminal::render(&report));
    if let Some(dir) = &args.report {
        report::write_all(dir, &report)?;
        eprintln!("reports written to {}", dir.display());
    }
    Ok(ExitCode::from(report.exit_code()))
}

/// The names `--case` selects: per wanted text, the case of exactly that name, or
/// else every case whose name contains it.
fn selected(suite: &Suite, wanted: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for text in wanted {
        let exact: Vec<&str> = suite
            .cases
            .iter()
            .map(|c| c.name.as_str())
            .filter(|name| name == text)
            .collect();
        let found: Vec<&str> = if exact.is_empty() {
            suite
                .cases
                .iter()
                .map(|c| c.name.as_str())
                .filter(|name| name.contains(text.as_str()))
                .collect()
        } else {
            exact
        };
        names.extend(found.into_iter().map(str::to_string));
    }
    names
}

/// The flags every rerun command repeats: the suite, the snapshots, strictness,
/// TLS and a username that is not the default.
fn common_flags(args: &ConformArgs, suite: Option<&PathBuf>) -> String {
    let mut flags = String::new();
    let mut add = |flag: &str, value: Option<String>| {
        flags.push(' ');
        flags.push_str(flag);
        if let Some(value) = value {
            flags.push(' ');
            flags.push_str(&shell_quote(&value));
        }
    };
    if let Some(suite) = suite {
        add("--suite", Some(suite.display().to_string()));
    }
    if let Some(dir) = &args.snapshots {
        add("--snapshots", Some(dir.display().to_string()));
    }
    if args.strict {
        add("--strict", None);
    }
    if let Some(ca) = &args.ca {
        add("--ca", Some(ca.display().to_string()));
    }
    if args.insecure {
        add("--insecure", None);
    }
    if args.username != Credentials::default().username() {
        add("--username", Some(args.username.clone()));
    }
    flags
}

fn snapshot_options(args: &ConformArgs, suite: &Suite, rerun_flags: String) -> SnapshotOptions {
    SnapshotOptions {
        store: match &args.snapshots {
            Some(dir) => SnapshotStore::Dir(dir.clone()),
            None if suite.builtin => SnapshotStore::BuiltIn,
            None => SnapshotStore::Dir(default_snapshot_dir(&suite.path)),
        },
        accept: args.accept,
        rerun_flags,
    }
}

/// A seed for a differential run when none is given; printed, so it can be given back.
fn fresh_seed() -> u64 {
    // 53 bits, so the seed survives JSON readers that hold numbers as doubles.
    match getrandom::u64() {
        Ok(seed) => seed >> 11,
        // Without OS entropy, the clock still gives a different seed each run.
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 >> 11),
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
