//! `isymphony-sim serve`: the Event API on a websocket, until Ctrl-C.

use std::fmt;
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::ValueEnum as _;
use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::Player;
use isymphony_sim::scenario::duration::{format_duration, parse_duration};
use isymphony_sim::server::{
    CONTROL_PATH, Cidr, Credentials, DEFAULT_CLIENT_QUEUE, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_FILTERS, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PASSWORD, DEFAULT_PING_INTERVAL,
    DEFAULT_SLOW_CONSUMER, DEFAULT_TLS_LISTEN, DEFAULT_USERNAME, EVENT_PATH, EventFeed, LIVE_PATH,
    Limits, Listeners, Server, ServerConfig, SlowConsumer, TlsIdentity,
};
use tracing_subscriber::EnvFilter;

use super::replay_choice::ReplayChoice;
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

    /// Add `simSentUs` (send time, µs since the Unix epoch) and `simSeq` (a sequence
    /// number) to every event, so `isymphony-sim load` can measure latency and spot
    /// drops. Ours, not iSymphony's: off by default so events keep the real shape.
    #[arg(long)]
    stamp: bool,

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

    /// Frames each client may have waiting (ours). What happens when a client's
    /// queue is full is --slow-consumer; other clients are never stalled and
    /// nothing is dropped silently.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CLIENT_QUEUE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    client_queue: usize,

    /// What a full client queue does (ours). `drop-oldest`: its oldest queued
    /// events make room for the new one, are counted per client in /sim/status
    /// (`droppedOldest`), and the client is sent
    /// {"type":"simNotice","dropped":N,"reason":"slow consumer"} before its next
    /// frame, whatever its filters. `disconnect`: the client is closed with 1008
    /// "slow consumer: N events pending".
    #[arg(long, value_name = "POLICY", default_value_t = DEFAULT_SLOW_CONSUMER)]
    slow_consumer: SlowConsumer,

    /// Largest client message in bytes (ours). A bigger frame closes that
    /// connection with 1009 "message too big" and nothing else.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES)]
    max_message_bytes: usize,

    /// Most websocket connections at once (ours; default: no limit). More are
    /// refused with 503 and a one-line reason before the upgrade, and counted.
    #[arg(long, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_connections: Option<usize>,

    /// Most entries in one filter message (ours). More get a failure reply naming
    /// the limit; the previous filters stay in force.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FILTERS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_filters: usize,

    /// How often the server pings each connection, e.g. 30s, or `off` (ours).
    #[arg(long, value_name = "DURATION", value_parser = parse_interval,
          default_value_t = Interval(Some(DEFAULT_PING_INTERVAL)))]
    ping_interval: Interval,

    /// Close a connection with 1001 "idle timeout" when nothing (not even a pong)
    /// arrives for this long, e.g. 90s, or `off` (ours). Counted.
    #[arg(long, value_name = "DURATION", value_parser = parse_interval,
          default_value_t = Interval(Some(DEFAULT_IDLE_TIMEOUT)))]
    idle_timeout: Interval,

    /// Also serve wss:// and https:// on --tls-listen (the real server uses 55050).
    /// Without --cert/--key a self-signed certificate is generated and its
    /// SHA-256 fingerprint printed.
    #[arg(long)]
    tls: bool,

    /// Address for TLS (wss/https).
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_TLS_LISTEN, requires = "tls")]
    tls_listen: SocketAddr,

    /// PEM certificate chain for TLS (needs --key).
    #[arg(long, value_name = "FILE", requires_all = ["tls", "key"])]
    cert: Option<PathBuf>,

    /// PEM private key for TLS (needs --cert).
    #[arg(long, value_name = "FILE", requires_all = ["tls", "cert"])]
    key: Option<PathBuf>,

    #[command(flatten)]
    choice: ScenarioChoice,

    #[command(flatten)]
    replay: ReplayChoice,

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
            .field("stamp", &self.stamp)
            .field("profile", &self.profile)
            .field("speed", &self.speed)
            .field("paused", &self.paused)
            .field("client_queue", &self.client_queue)
            .field("slow_consumer", &self.slow_consumer)
            .field("max_message_bytes", &self.max_message_bytes)
            .field("max_connections", &self.max_connections)
            .field("max_filters", &self.max_filters)
            .field("ping_interval", &self.ping_interval)
            .field("idle_timeout", &self.idle_timeout)
            .field("tls", &self.tls)
            .field("tls_listen", &self.tls_listen)
            .field("cert", &self.cert)
            .field("key", &self.key)
            .field("choice", &self.choice)
            .field("replay", &self.replay)
            .field("epoch", &self.epoch)
            .field("log", &self.log)
            .finish_non_exhaustive()
    }
}

/// A duration flag that can be turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interval(Option<Duration>);

/// As the flag is written: "30s" or "off", so `--help` shows the defaults from
/// the server's constants and they parse back.
impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(every) => {
                let ms = u64::try_from(every.as_millis()).unwrap_or(u64::MAX);
                f.write_str(&format_duration(ms))
            }
        }
    }
}

fn parse_interval(text: &str) -> Result<Interval, String> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(Interval(None));
    }
    match parse_duration(text) {
        Ok(0) => Err("use `off` to turn it off; 0 would mean all the time".to_string()),
        Ok(ms) => Ok(Interval(Some(Duration::from_millis(ms)))),
        Err(reason) => Err(format!("{reason}; or `off`")),
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
        .with_send_stamp(args.stamp)
        .with_profile(args.profile)
        .with_speed(args.speed)
        .with_paused(args.paused)
        .with_client_queue(args.client_queue)
        .with_slow_consumer(args.slow_consumer)
        .with_limits(Limits {
            max_message_bytes: args.max_message_bytes,
            max_connections: args.max_connections,
            max_filters: args.max_filters,
            ping_interval: args.ping_interval.0,
            idle_timeout: args.idle_timeout.0,
        });
    let config = if args.allow.is_empty() {
        config
    } else {
        config.with_allow(args.allow.clone())
    };
    let server = Server::new(config)?;

    if let Some(feed) = args.replay.feed(|| match args.epoch {
        Some(epoch) => Ok(epoch),
        None => wall_clock_ms(),
    })? {
        let epoch = feed.epoch_ms().unwrap_or_default();
        return serve_feed(&args, server, feed, epoch);
    }
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
    serve_feed(&args, server, feed, epoch)
}

/// Serves `feed` on the listeners of `args` until Ctrl-C or SIGTERM.
fn serve_feed(
    args: &ServeArgs,
    server: Server,
    feed: impl EventFeed,
    epoch: i64,
) -> anyhow::Result<ExitCode> {
    let identity = if args.tls {
        Some(tls_identity(args)?)
    } else {
        None
    };

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
        let mut listeners = Listeners::plain(listener);
        let mut tls_bound = None;
        if let Some(identity) = &identity {
            let tls_listener = tokio::net::TcpListener::bind(args.tls_listen)
                .await
                .with_context(|| format!("cannot listen for TLS on {}", args.tls_listen))?;
            tls_bound = Some((
                tls_listener
                    .local_addr()
                    .context("cannot read the bound TLS address")?,
                identity,
            ));
            listeners = listeners.with_tls(tls_listener, identity.acceptor()?);
        }
        print_banner(bound, tls_bound, args, &feed, epoch);
        server.run_on(listeners, feed, shutdown_signal()).await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The certificate from --cert/--key, or a self-signed one for the local names
/// and the TLS address.
fn tls_identity(args: &ServeArgs) -> anyhow::Result<TlsIdentity> {
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        return Ok(TlsIdentity::from_pem_files(cert, key)?);
    }
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let ip = args.tls_listen.ip();
    if !ip.is_unspecified() && !names.contains(&ip.to_string()) {
        names.push(ip.to_string());
    }
    Ok(TlsIdentity::self_signed(&names)?)
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
fn print_banner(
    bound: SocketAddr,
    tls: Option<(SocketAddr, &TlsIdentity)>,
    args: &ServeArgs,
    feed: &impl EventFeed,
    epoch: i64,
) {
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
    let mut banner = vec![
        format!("isymphony-sim Event API listening on ws://{bound}{EVENT_PATH}"),
        format!("  Live API: http://{bound}{LIVE_PATH}coreServers/getByName/{slug}/extensions"),
        format!("  control API (ours, not iSymphony's): http://{bound}{CONTROL_PATH}status"),
    ];
    if let Some((tls_bound, identity)) = tls {
        let origin = if identity.is_self_signed() {
            "self-signed, generated at start"
        } else {
            "from --cert"
        };
        banner.extend([
            format!("  over TLS: wss://{tls_bound}{EVENT_PATH} and https://{tls_bound}{LIVE_PATH}"),
            format!(
                "  certificate ({origin}) SHA-256: {}",
                identity.fingerprint()
            ),
        ]);
    }
    let every = |interval: Interval| {
        interval.0.map_or_else(
            || "off".to_string(),
            |d| format_duration(d.as_millis() as u64),
        )
    };
    // The documented default password is no secret; one the user chose is not echoed.
    let password = if args.password == DEFAULT_PASSWORD {
        args.password.as_str()
    } else {
        "(as set by --password / ISYM_PASSWORD)"
    };
    banner.extend([
        format!("  credentials: {} / {password}", args.username),
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
        format!(
            "  limits (ours): messages up to {} bytes, {} filters each, connections {}, ping every {}, idle timeout {}, client queue {} ({} when full)",
            args.max_message_bytes,
            args.max_filters,
            args.max_connections.map_or_else(|| "unlimited".to_string(), |n| n.to_string()),
            every(args.ping_interval),
            every(args.idle_timeout),
            args.client_queue,
            args.slow_consumer,
        ),
    ]);
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
