//! `isymphony-sim serve`: the Event API on a websocket, until Ctrl-C.

use std::fmt;
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::ValueEnum as _;
use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::Player;
use isymphony_sim::server::auth::{DEFAULT_PASSWORD, DEFAULT_USERNAME};
use isymphony_sim::server::config::DEFAULT_CLIENT_QUEUE;
use isymphony_sim::server::{
    CONTROL_PATH, Cidr, Credentials, EVENT_PATH, EventFeed, LIVE_PATH, Server, ServerConfig,
};
use tracing_subscriber::EnvFilter;

use super::scenario_choice::ScenarioChoice;

/// Arguments of `serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the URL printed at start shows it).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:58080")]
    listen: SocketAddr,

    /// Username clients must send (HTTP Basic on the upgrade request).
    #[arg(long, env = "ISYM_USERNAME", default_value = DEFAULT_USERNAME)]
    username: String,

    /// Password clients must send.
    #[arg(long, env = "ISYM_PASSWORD", default_value = DEFAULT_PASSWORD, hide_env_values = true)]
    password: String,

    /// Source network allowed to connect, e.g. 10.0.0.0/8 or ::1 (repeatable).
    /// Default: loopback only (127.0.0.0/8 and ::1). Others get 403.
    #[arg(long = "allow", value_name = "CIDR")]
    allow: Vec<Cidr>,

    /// Also accept the documentation's invalid filter entry form
    /// {"property" : "x" : "value" : "y"}.
    #[arg(long)]
    lenient_filters: bool,

    /// Which events to emit: standard = documented only; extended = also inferred ones
    /// such as `dial`. Filters naming types outside the profile get a warning.
    #[arg(long, value_enum, default_value_t = Profile::Standard)]
    profile: Profile,

    /// Playback speed: 1 = real time, 10 = ten times faster (wall ms = virtual ms / speed).
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    speed: f64,

    /// Start with the virtual clock stopped: connect and filter first, then
    /// `POST /sim/step` through the scenario (or `POST /sim/resume`).
    #[arg(long)]
    paused: bool,

    /// Frames each client may have waiting. Slow-consumer policy: a client whose
    /// queue is full is disconnected with close code 1008 ("slow consumer: N events
    /// pending"), logged and counted; other clients are never stalled and nothing
    /// is dropped silently.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CLIENT_QUEUE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    client_queue: usize,

    #[command(flatten)]
    choice: ScenarioChoice,

    /// Epoch milliseconds of virtual time zero; event `time` counts from it.
    /// Default: now, so event times look like wall-clock times.
    #[arg(long, value_name = "MS")]
    epoch: Option<i64>,

    /// Log filter for stderr: a level (error, warn, info, debug, trace) or
    /// tracing directives such as `isymphony_sim=debug`.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    log: String,
}

impl fmt::Debug for ServeArgs {
    // Hand-written so the password never shows up in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeArgs")
            .field("listen", &self.listen)
            .field("username", &self.username)
            .field("allow", &self.allow)
            .field("lenient_filters", &self.lenient_filters)
            .field("profile", &self.profile)
            .field("speed", &self.speed)
            .field("paused", &self.paused)
            .field("client_queue", &self.client_queue)
            .field("choice", &self.choice)
            .field("epoch", &self.epoch)
            .field("log", &self.log)
            .finish_non_exhaustive()
    }
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed.is_finite() && speed > 0.0 => Ok(speed),
        _ => Err(format!(
            "`{text}` is not a positive number; use 1 for real time, 10 for ten times faster"
        )),
    }
}

/// Runs `serve` until Ctrl-C (or SIGTERM); exit code 0 after a graceful shutdown.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let filter = EnvFilter::try_new(&args.log)
        .with_context(|| format!("invalid --log value `{}`", args.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let config = ServerConfig::default()
        .with_credentials(Credentials::new(&args.username, &args.password))
        .with_lenient_filters(args.lenient_filters)
        .with_profile(args.profile)
        .with_speed(args.speed)
        .with_paused(args.paused)
        .with_client_queue(args.client_queue);
    let config = if args.allow.is_empty() {
        config
    } else {
        config.with_allow(args.allow.clone())
    };
    let server = Server::new(config)?;

    let scenario = args.choice.load()?;
    // The banner prints the seed, random or not.
    let (seed, _) = args.choice.seed_for(&scenario)?;
    let epoch = match args.epoch {
        Some(epoch) => epoch,
        None => wall_clock_ms()?,
    };
    // The server loops the scenario forever: each loop ends with a wind-down.
    let feed = Player::new(scenario, seed, epoch, args.profile, true)
        .context("the model refuses the scenario's directory")?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let bound = listener
            .local_addr()
            .context("cannot read the bound address")?;
        print_banner(bound, &args, &feed, epoch);
        server.run(listener, feed, shutdown_signal()).await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Now, in Unix epoch milliseconds.
fn wall_clock_ms() -> anyhow::Result<i64> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970; pass --epoch")?;
    i64::try_from(since.as_millis()).context("the system clock is out of range; pass --epoch")
}

/// What a user needs to connect and to repeat the run, on stdout. A closed stdout
/// (the reader went away) must not take the server down, so write errors are ignored.
fn print_banner(bound: SocketAddr, args: &ServeArgs, feed: &impl EventFeed, epoch: i64) {
    let info = feed.info();
    let slug = feed.player().map_or_else(
        || "default".to_string(),
        |p| p.pbx().core_server().slug.clone(),
    );
    let allow: Vec<String> = if args.allow.is_empty() {
        Cidr::loopback().iter().map(Cidr::to_string).collect()
    } else {
        args.allow.iter().map(Cidr::to_string).collect()
    };
    let seed = match info.seed {
        Some(seed) => format!("{seed} (rerun with --seed {seed})"),
        None => "none".to_string(),
    };
    let profile = args.profile.to_possible_value().map_or_else(
        || format!("{:?}", args.profile),
        |v| v.get_name().to_string(),
    );
    let banner = [
        format!("isymphony-sim Event API listening on ws://{bound}{EVENT_PATH}"),
        format!("  Live API: http://{bound}{LIVE_PATH}coreServers/getByName/{slug}/extensions"),
        format!("  control API (ours, not iSymphony's): http://{bound}{CONTROL_PATH}status"),
        format!("  credentials: {} / {}", args.username, args.password),
        format!("  allowed sources: {}", allow.join(", ")),
        format!("  scenario: {}", info.scenario),
        format!("  seed: {seed}"),
        format!("  epoch: {epoch} (event time = epoch + virtual ms; repeat with --epoch {epoch})"),
        format!(
            "  profile: {profile}, speed: {}x{}; press Ctrl-C to stop",
            args.speed,
            if args.paused {
                ", paused (POST /sim/step or /sim/resume)"
            } else {
                ""
            }
        ),
    ];
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", banner.join("\n")).and_then(|()| out.flush());
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a signal handler the server can only be killed; wait forever.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    () = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}
