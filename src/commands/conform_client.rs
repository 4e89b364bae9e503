//! `conform --client CMD` / `--client-url-only`: the client suite, and `conform
//! review`: accepting its pending snapshots. The flags of the client suite's
//! thresholds live here; their defaults are the library's constants.

use std::fmt;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use isymphony_sim::conformance::client::report;
use isymphony_sim::conformance::client::snapshots::{DEFAULT_SNAPSHOT_DIR, review};
use isymphony_sim::conformance::client::thresholds::{
    DEFAULT_BURST_DURATION, DEFAULT_BURST_RATE, DEFAULT_FILTER_DEADLINE, DEFAULT_GRACE,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MIN_RECONNECT_INTERVAL, DEFAULT_RECONNECT_DEADLINE,
    DEFAULT_REFUSED_ATTEMPTS,
};
use isymphony_sim::conformance::client::{
    ClientCase, ClientRunOptions, ClientTarget, Reporter, Thresholds, run_client_suite,
};
use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::duration::{format_duration, parse_duration};
use isymphony_sim::server::Credentials;

/// A duration flag: written and shown as "2s", "250ms", "1m30s".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationArg(pub Duration);

impl FromStr for DurationArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_duration(text).map(|ms| DurationArg(Duration::from_millis(ms)))
    }
}

impl fmt::Display for DurationArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX);
        f.write_str(&format_duration(ms))
    }
}

/// The client suite's own flags (`--client CMD` is with the others).
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Run the client suite against a client that someone else starts (a browser
    /// test, a service already running): print the URLs it must use, then wait
    /// for it to connect. Between cases the runner closes its connection (1001
    /// "case over"); it must reconnect for the next case.
    #[arg(long, conflicts_with_all = ["client", "target"])]
    pub client_url_only: bool,

    /// Client suite: most time from the websocket opening to the client's first
    /// filter message.
    #[arg(long, value_name = "DURATION", default_value_t = DurationArg(DEFAULT_FILTER_DEADLINE))]
    pub filter_deadline: DurationArg,

    /// Client suite: closest a reconnect attempt may follow the close, or the
    /// attempt before it.
    #[arg(long, value_name = "DURATION", default_value_t = DurationArg(DEFAULT_MIN_RECONNECT_INTERVAL))]
    pub min_reconnect_interval: DurationArg,

    /// Client suite: most time from a close to being connected again.
    #[arg(long, value_name = "DURATION", default_value_t = DurationArg(DEFAULT_RECONNECT_DEADLINE))]
    pub reconnect_deadline: DurationArg,

    /// Client suite: reconnect attempts answered 503 before one is let through.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_REFUSED_ATTEMPTS)]
    pub refused_attempts: u32,

    /// Client suite: events per second in the keeping-up burst.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BURST_RATE,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub burst_rate: u32,

    /// Client suite: how long the keeping-up burst lasts.
    #[arg(long, value_name = "DURATION", default_value_t = DurationArg(DEFAULT_BURST_DURATION))]
    pub burst_duration: DurationArg,

    /// Client suite: the staying-alive case's idle timeout (its server pings every
    /// third of it; the case lasts two).
    #[arg(long, value_name = "DURATION", default_value_t = DurationArg(DEFAULT_IDLE_TIMEOUT))]
    pub idle_timeout: DurationArg,

    /// Client suite: after SIGTERM, how long a client started per case may take
    /// to exit before SIGKILL.
    #[arg(long, value_name = "DURATION", default_value_t = DurationArg(DEFAULT_GRACE))]
    pub grace: DurationArg,
}

/// What `conform` passes on to the client suite from its shared flags.
#[derive(Debug)]
pub struct SharedFlags<'a> {
    /// `--client CMD`, if given.
    pub command: Option<&'a str>,
    /// `--case` filters.
    pub cases: &'a [String],
    /// `--snapshots`.
    pub snapshots: Option<PathBuf>,
    /// `--accept`.
    pub accept: bool,
    /// `--check-determinism`.
    pub check_determinism: bool,
    /// `--report`.
    pub report: Option<PathBuf>,
    /// `--patience`, parsed.
    pub patience: Duration,
    /// `--username` / `--password`.
    pub credentials: Credentials,
}

/// Arguments of `conform review`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReviewArgs {
    /// The client suite's snapshot directory.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_SNAPSHOT_DIR)]
    pub snapshots: PathBuf,

    /// Accept every pending snapshot without asking.
    #[arg(long)]
    pub accept_all: bool,
}

/// Progress on stderr; the URLs for `--client-url-only` on stdout.
struct Terminal;

impl Reporter for Terminal {
    fn progress(&self, line: &str) {
        eprintln!("{line}");
    }

    fn urls(&self, url: &str, live_url: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ISYM_URL={url}");
        let _ = writeln!(out, "ISYM_LIVE_URL={live_url}");
        let _ = out.flush();
        eprintln!("waiting for the client to connect to {url} (Ctrl-C to stop)");
    }
}

/// Runs the client suite.
pub fn run(shared: SharedFlags<'_>, args: &ClientArgs) -> anyhow::Result<ExitCode> {
    let cases = match select_cases(shared.cases) {
        Ok(cases) => cases,
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::from(2));
        }
    };
    let target = match shared.command {
        Some(command) => ClientTarget::Command(command.to_string()),
        None => ClientTarget::UrlOnly,
    };
    let thresholds = Thresholds {
        filter_deadline: args.filter_deadline.0,
        min_reconnect_interval: args.min_reconnect_interval.0,
        reconnect_deadline: args.reconnect_deadline.0,
        refused_attempts: args.refused_attempts,
        burst_rate: args.burst_rate,
        burst_duration: args.burst_duration.0,
        idle_timeout: args.idle_timeout.0,
        grace: args.grace.0,
        patience: shared.patience,
    };
    let options = ClientRunOptions {
        target,
        credentials: shared.credentials,
        thresholds,
        cases,
        snapshots: shared
            .snapshots
            .unwrap_or_else(|| PathBuf::from(DEFAULT_SNAPSHOT_DIR)),
        accept: shared.accept,
        check_determinism: shared.check_determinism,
        profile: Profile::Standard,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let run = match runtime.block_on(run_client_suite(&options, &Terminal)) {
        Ok(run) => run,
        Err(reason) => {
            eprintln!("{reason}");
            return Ok(ExitCode::from(2));
        }
    };
    print!("{}", report::terminal::render(&run));
    if let Some(dir) = &shared.report {
        report::write_all(dir, &run)?;
        eprintln!("reports written to {}", dir.display());
    }
    Ok(ExitCode::from(run.exit_code()))
}

/// The cases `--case` asks for (every one without it), in suite order.
fn select_cases(wanted: &[String]) -> Result<Vec<ClientCase>, String> {
    let cases: Vec<ClientCase> = ClientCase::ALL
        .into_iter()
        .filter(|case| wanted.is_empty() || wanted.iter().any(|w| case.name().contains(w.as_str())))
        .collect();
    if cases.is_empty() {
        let names: Vec<&str> = ClientCase::ALL.iter().map(|c| c.name()).collect();
        return Err(format!(
            "no case of the client suite matches --case {wanted:?}; its cases: {}",
            names.join(", ")
        ));
    }
    Ok(cases)
}

/// `conform review`: shows each pending snapshot's diff and asks (or accepts all).
pub fn review_pending(args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut answers = stdin.lock();
    let mut out = std::io::stdout().lock();
    let done = review(&args.snapshots, args.accept_all, &mut answers, &mut out)?;
    let total = done.accepted.len() + done.rejected.len() + done.skipped.len();
    if total == 0 {
        writeln!(out, "no pending snapshots in {}", args.snapshots.display())?;
    } else {
        writeln!(
            out,
            "\n{} accepted, {} rejected, {} left pending{}",
            done.accepted.len(),
            done.rejected.len(),
            done.skipped.len(),
            if interactive || args.accept_all {
                ""
            } else {
                " (answers were read from stdin: a for accept, r for reject, anything else skips)"
            }
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
