//! `isymphony-sim load`: many websocket clients against an Event API server,
//! reporting delivered events/s, latency percentiles, drops and disconnects.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context as _;
use isymphony_sim::load::{self, FilterMix, LatencySource, LoadConfig, Thresholds};
use isymphony_sim::scenario::duration::parse_duration;
use isymphony_sim::server::{DEFAULT_PASSWORD, DEFAULT_USERNAME};

/// Arguments of `load`.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// The Event API URL, e.g. ws://127.0.0.1:58080/communication_manager/ws/event.
    #[arg(long, value_name = "URL")]
    target: String,

    /// Measured clients.
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

    /// Length of the measurement window, e.g. 30s or 2m.
    #[arg(long, value_name = "D", default_value = "10s", value_parser = parse_wall_duration)]
    duration: Duration,

    /// Open the measurement window no earlier than this after start, even when
    /// every client is ready sooner (e.g. to skip a server's quiet start).
    #[arg(long, value_name = "D", default_value = "0s", value_parser = parse_wall_duration)]
    warmup: Duration,

    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,

    /// Exit 1 when p99 latency is above this, e.g. 10ms.
    #[arg(long, value_name = "D", value_parser = parse_wall_duration)]
    max_p99: Option<Duration>,

    /// Exit 1 when fewer events per second were delivered (all clients together).
    #[arg(long, value_name = "N")]
    min_rate: Option<f64>,

    /// Where latency is read from: auto uses the server's simSentUs stamp when
    /// present (isymphony-sim with stamping on), else the event's time property
    /// (only meaningful when the server's clock is aligned to wall time).
    #[arg(long, value_enum, default_value_t = LatencySource::Auto)]
    latency: LatencySource,

    /// Username for HTTP Basic on the upgrade request.
    #[arg(long, env = "ISYM_USERNAME", default_value = DEFAULT_USERNAME)]
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
}

fn parse_wall_duration(text: &str) -> Result<Duration, String> {
    parse_duration(text).map(Duration::from_millis)
}

/// Runs `load`: exit 0 when every threshold is met, 1 when one is not.
pub fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let host = load::target_host(&args.target)?;
    if !args.allow_remote && !load::is_loopback(&host) {
        return Err(load::LoadError::NotLoopback(host).into());
    }
    let config = LoadConfig {
        target: args.target.clone(),
        clients: args.clients,
        idle: args.idle,
        filters: args.filters.clone(),
        duration: args.duration,
        credentials: (!args.no_auth).then(|| (args.username.clone(), args.password.clone())),
        latency: args.latency,
        handshakes: args.handshakes,
        setup_limit: Duration::from_secs(120),
        warmup: args.warmup,
    };
    let thresholds = Thresholds {
        max_p99: args.max_p99,
        min_rate: args.min_rate,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let live = std::io::stderr().is_terminal();
    let mut last = 0u64;
    let mut report = runtime.block_on(load::run(&config, |elapsed, tally| {
        let delivered = tally.delivered.load(Ordering::Relaxed);
        let line = format!(
            "[{:>4.0}s/{}s] {} ready  {}  delivered {}  setup failures {}",
            elapsed.as_secs_f64(),
            config.duration.as_secs(),
            tally.ready.load(Ordering::Relaxed),
            load::report::rate((delivered - last) as f64),
            delivered,
            tally.setup_failures.load(Ordering::Relaxed),
        );
        last = delivered;
        let mut err = std::io::stderr().lock();
        // Progress is best effort: a closed stderr must not stop the run.
        let _ = if live {
            write!(err, "\r{line}   ")
        } else {
            writeln!(err, "{line}")
        };
    }))?;
    if live {
        eprintln!();
    }
    report.failures = thresholds.check(&report);
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{report}");
    }
    Ok(if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
