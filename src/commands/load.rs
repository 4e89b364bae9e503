//! `isymphony-sim load`: many websocket clients against an Event API server,
//! reporting delivered events/s, latency percentiles, drops and disconnects; and
//! `load merge`, which combines the shard files of a run spread over processes.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use isymphony_sim::load::merge::Run;
use isymphony_sim::load::{
    self, FilterMix, LatencySource, LoadConfig, LoadReport, Progress, ServerPid, Shard, Thresholds,
    hdr_file,
};
use isymphony_sim::scenario::duration::parse_duration;
use isymphony_sim::server::{DEFAULT_PASSWORD, DEFAULT_USERNAME};

use super::load_hostile::HostileArgs;

/// Arguments of `load`: a run, or `load merge FILES…`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LoadArgs {
    #[command(subcommand)]
    command: Option<LoadCommand>,

    #[command(flatten)]
    run: RunArgs,
}

/// `load`'s subcommands.
#[derive(Debug, clap::Subcommand)]
enum LoadCommand {
    /// Combine the shard files of one run (`load --shard I/N --hdr-out FILE`) into one
    /// report: rate, percentiles from the merged histogram, drops, disconnects.
    /// Exit 0 when every threshold is met, 1 when not, 2 when the files are not
    /// the complete set of one run.
    Merge(MergeArgs),
}

/// Arguments of `load merge`.
#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// The shard files, one per shard of the run, in any order.
    #[arg(value_name = "FILES", required = true)]
    files: Vec<PathBuf>,

    #[command(flatten)]
    verdict: VerdictArgs,
}

/// How a report is printed and judged, for a run and for a merge alike.
#[derive(Debug, clap::Args)]
struct VerdictArgs {
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,

    /// Exit 1 when p99 latency is above this, e.g. 10ms.
    #[arg(long, value_name = "D", value_parser = parse_wall_duration)]
    max_p99: Option<Duration>,

    /// Exit 1 when fewer events per second were delivered (all clients together).
    #[arg(long, value_name = "N")]
    min_rate: Option<f64>,
}

/// Arguments of a load run.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The Event API URL, e.g. ws://127.0.0.1:58080/communication_manager/ws/event.
    #[arg(long, value_name = "URL", required = true)]
    target: Option<String>,

    /// Measured clients (of the whole run, when sharded).
    #[arg(long, value_name = "N", default_value_t = 100)]
    clients: usize,

    /// Extra connected clients whose filters reject everything (not measured): what
    /// idle connections cost the server.
    #[arg(long, value_name = "N", default_value_t = 0)]
    idle: usize,

    /// What the measured clients filter on: all (no filter), office (a realistic
    /// mix over the synthetic office's users and queues), reject (nothing
    /// matches), or a JSON filters list sent by every client.
    #[arg(long, value_name = "MIX", default_value = "all")]
    filters: FilterMix,

    /// Length of the measurement window, e.g. 30s or 2m. No event in it while
    /// clients are ready is a failure (exit 1): nothing was measured.
    #[arg(long, value_name = "D", default_value = "10s", value_parser = parse_wall_duration)]
    duration: Duration,

    /// Open the measurement window no earlier than this after start, even when
    /// every client is ready sooner (e.g. to skip a server's quiet start).
    #[arg(long, value_name = "D", default_value = "0s", value_parser = parse_wall_duration)]
    warmup: Duration,

    /// Drive only slice I of N of the clients (I from 0, as Kubernetes'
    /// JOB_COMPLETION_INDEX), to spread a run over processes or machines; write
    /// each shard's --hdr-out and combine them with `load merge`.
    #[arg(long, value_name = "I/N", default_value_t = Shard::WHOLE)]
    shard: Shard,

    /// Also write the latency histogram and counters to FILE (an HdrHistogram
    /// interval log with our counters in a header line), for `load merge`.
    #[arg(long, value_name = "FILE")]
    hdr_out: Option<PathBuf>,

    /// Name the run in --hdr-out files (the same for every shard, new for every
    /// run), so `load merge` refuses files of another run.
    #[arg(long, value_name = "ID")]
    run_id: Option<String>,

    /// The server's process id, for its CPU time in the report (from
    /// /proc/PID/stat). Default: the process listening on the target's port,
    /// when this user can see it.
    #[arg(long, value_name = "PID")]
    server_pid: Option<u32>,

    #[command(flatten)]
    verdict: VerdictArgs,

    /// Where latency is read from: auto uses the server's simSentUs stamp when
    /// present (isymphony-sim with stamping on), else the event's time property
    /// (only meaningful when the server's clock is aligned to wall time).
    #[arg(long, value_enum, default_value_t = LatencySource::Auto)]
    latency: LatencySource,

    /// Username for HTTP Basic on the upgrade request.
    #[arg(long, env = "ISYM_USERNAME", default_value = DEFAULT_USERNAME, hide_env_values = true)]
    username: String,

    /// Password for HTTP Basic.
    #[arg(long, env = "ISYM_PASSWORD", default_value = DEFAULT_PASSWORD, hide_env_values = true)]
    password: String,

    /// Send no Authorization header.
    #[arg(long)]
    no_auth: bool,

    /// Websocket handshakes in flight at once while connecting.
    #[arg(long, value_name = "N", default_value_t = 128)]
    handshakes: usize,

    /// Allow a target that is not on this machine. Load tests send a lot of
    /// traffic; aim them only at servers you run.
    #[arg(long)]
    allow_remote: bool,

    #[command(flatten)]
    hostile: HostileArgs,
}

fn parse_wall_duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).map(Duration::from_millis)
}

impl VerdictArgs {
    fn thresholds(&self) -> Thresholds {
        Thresholds {
            max_p99: self.max_p99,
            min_rate: self.min_rate,
        }
    }

    /// Prints `report` and gives the exit code: 0 when nothing failed, else 1.
    fn finish(&self, report: &LoadReport) -> anyhow::Result<ExitCode> {
        if self.json {
            println!("{}", serde_json::to_string(report)?);
        } else {
            print!("{report}");
        }
        Ok(if report.failures.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }
}

/// Runs `load` or `load merge`.
pub fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(LoadCommand::Merge(merge)) => run_merge(&merge),
        None => run_load(args.run),
    }
}

fn run_merge(args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let files = args
        .files
        .iter()
        .map(|path| Ok((path.clone(), hdr_file::read(path)?)))
        .collect::<Result<Vec<_>, hdr_file::ShardFileError>>()?;
    let run = Run::from_files(files)?;
    let report = load::verdict(&run, &args.verdict.thresholds())?;
    args.verdict.finish(&report)
}

/// Runs a load test: exit 0 when every threshold is met, 1 when one is not.
fn run_load(args: RunArgs) -> anyhow::Result<ExitCode> {
    let target = args.target.clone().unwrap_or_default();
    let host = load::target_host(&target)?;
    if !args.allow_remote && !load::is_loopback(&host) {
        return Err(load::LoadError::NotLoopback(host).into());
    }
    let config = LoadConfig {
        target,
        clients: args.clients,
        idle: args.idle,
        filters: args.filters.clone(),
        duration: args.duration,
        credentials: (!args.no_auth).then(|| (args.username.clone(), args.password.clone())),
        latency: args.latency,
        handshakes: args.handshakes,
        setup_limit: Duration::from_secs(120),
        warmup: args.warmup,
        shard: args.shard,
        run_id: args.run_id.clone(),
        server_pid: args.server_pid.map_or(ServerPid::Find, ServerPid::Given),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let hostile = args
        .hostile
        .start(&runtime, &config.target, config.credentials.as_ref())?;
    let live = std::io::stderr().is_terminal();
    let measured = runtime.block_on(load::run(&config, |p| {
        let line = progress_line(p);
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a closed stderr must not stop the run.
        let _ = match (live, p.done) {
            (true, false) => write!(err, "\r{line}   "),
            (true, true) => writeln!(err, "\r{line}   "),
            (false, _) => writeln!(err, "{line}"),
        };
    }))?;
    if let Some(hostile) = hostile {
        hostile.finish(&runtime);
    }
    if let Some(path) = &args.hdr_out {
        hdr_file::write(path, &measured)?;
    }
    let report = load::verdict(&Run::single(measured), &args.verdict.thresholds())?;
    args.verdict.finish(&report)
}

/// One progress line: the rate over the last interval and the running total of
/// the same count, events received by measured clients.
fn progress_line(p: &Progress) -> String {
    let when = if p.done {
        format!("[done {:>5.1}s]", p.elapsed.as_secs_f64())
    } else {
        format!(
            "[{:>5.1}s/{}s]",
            p.elapsed.as_secs_f64(),
            p.window.as_secs()
        )
    };
    format!(
        "{when} {} over the last interval, {} events in total; {} ready, {} closed by the server, {} failed to set up",
        load::report::rate(p.interval_rate),
        p.total,
        p.ready,
        p.closed,
        p.setup_failures,
    )
}
