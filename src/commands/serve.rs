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
use isymphony_sim::provisioning::path::{CLIENT_BASE, DOCUMENTED_BASE};
use isymphony_sim::scenario::duration::format_duration;
use isymphony_sim::scenario::{Player, Scenario};
use isymphony_sim::server::{
    CONTROL_PATH, Cidr, CorsOrigin, CorsPolicy, Credentials, DEFAULT_CLIENT_QUEUE,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FILTERS, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PASSWORD,
    DEFAULT_PING_INTERVAL, DEFAULT_SLOW_CONSUMER, DEFAULT_TLS_LISTEN, DEFAULT_USERNAME, EVENT_PATH,
    EventFeed, LIVE_PATH, Limits, Listeners, MAX_CLIENT_QUEUE, MAX_CONNECTIONS, MAX_FILTERS,
    MAX_MESSAGE_BYTES, MIN_MESSAGE_BYTES, Server, ServerConfig, SlowConsumer, TlsIdentity, UI_PATH,
};
use tracing_subscriber::EnvFilter;

use super::activity::{
    Activity, DEFAULT_ACTIVITY_EVERY, ScenarioClock, first_event_line, first_event_ms,
};
use super::connection_limits::ConnectionLimitArgs;
use super::control_credentials::ControlCredentialArgs;
use super::directory_choice::DirectoryChoice;
use super::replay_choice::ReplayChoice;
use super::run_limits::RunLimitArgs;
use super::scenario_choice::ScenarioChoice;
use super::serve_flags::{Interval, parse_epoch, parse_every, parse_interval, parse_speed};
use super::serve_setup::{tls_identity, wall_clock_ms};
use super::signals;

/// Arguments of `serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the URL printed at start shows it).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:58080")]
    listen: SocketAddr,

    /// Username clients must send (HTTP Basic on the upgrade request).
    #[arg(long, env = "ISYM_USERNAME", default_value = DEFAULT_USERNAME, hide_env_values = true)]
    username: String,

    /// Password clients must send.
    #[arg(long, env = "ISYM_PASSWORD", default_value = DEFAULT_PASSWORD, hide_env_values = true)]
    password: String,

    #[command(flatten)]
    control: ControlCredentialArgs,

    /// Source network allowed to connect, e.g. 10.0.0.0/8 or ::1 (repeatable).
    /// Default: loopback only (127.0.0.0/8 and ::1). Others get 403.
    #[arg(long = "allow", value_name = "CIDR")]
    allow: Vec<Cidr>,

    /// Let web pages from ORIGIN call the Live API and /sim/ with fetch(), with
    /// credentials (repeatable): e.g. http://localhost:3000, `null` for pages opened
    /// from a file, `*` for any origin (each request's Origin is then echoed, as
    /// browsers refuse `*` with credentials). Ours; default: CORS off.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origin: Vec<CorsOrigin>,

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

    /// Playback speed: 1 = real time, 10 = ten times faster (wall ms = virtual ms /
    /// speed); from 0.001 to 1000000.
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
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_CLIENT_QUEUE as u64))]
    client_queue: usize,

    /// What a full client queue does (ours). `drop-oldest`: its oldest queued
    /// events make room for the new one, are counted per client in /sim/status
    /// (`droppedOldest`), and the client is sent
    /// {"type":"simNotice","dropped":N,"reason":"slow consumer"} before its next
    /// frame, whatever its filters. `disconnect`: the client is closed with 1008
    /// "slow consumer: N events pending".
    #[arg(long, value_name = "POLICY", default_value_t = DEFAULT_SLOW_CONSUMER)]
    slow_consumer: SlowConsumer,

    /// Largest client message in bytes (ours), from 256 to 67108864. A bigger
    /// frame closes that connection with 1009 "message too big" and nothing else.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
              .range(MIN_MESSAGE_BYTES as u64..=MAX_MESSAGE_BYTES as u64))]
    max_message_bytes: usize,

    /// Most websocket connections at once (ours; default: no limit). More are
    /// refused with 503 and a one-line reason before the upgrade, and counted.
    #[arg(long, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_CONNECTIONS as u64))]
    max_connections: Option<usize>,

    /// Most entries in one filter message (ours). More get a failure reply naming
    /// the limit; the previous filters stay in force.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FILTERS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_FILTERS as u64))]
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

    #[command(flatten)]
    directory: DirectoryChoice,

    /// Epoch milliseconds of virtual time zero; event `time` counts from it.
    /// Default: now, so event times look like wall-clock times. From year 1 to 9999.
    #[arg(long, value_name = "MS", value_parser = parse_epoch)]
    epoch: Option<i64>,

    #[command(flatten)]
    run_limits: RunLimitArgs,

    #[command(flatten)]
    connection_limits: ConnectionLimitArgs,

    /// Log filter for stderr: a level (error, warn, info, debug, trace) or
    /// tracing directives such as `isymphony_sim=debug`.
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    log: String,

    /// No activity line: by default `serve` prints one on stdout now and then
    /// (virtual time, events, clients), so a quiet stretch does not look hung.
    #[arg(long)]
    quiet: bool,

    /// How often the activity line is printed (ours), e.g. 10s.
    #[arg(long, value_name = "DURATION", value_parser = parse_every,
          default_value_t = Interval(Some(DEFAULT_ACTIVITY_EVERY)))]
    activity_every: Interval,
}

impl fmt::Debug for ServeArgs {
    // Hand-written so the password never shows up in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeArgs")
            .field("listen", &self.listen)
            .field("username", &self.username)
            .field("control", &self.control)
            .field("allow", &self.allow)
            .field("cors_origin", &self.cors_origin)
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
            .field("directory", &self.directory)
            .field("epoch", &self.epoch)
            .field("log", &self.log)
            .field("quiet", &self.quiet)
            .field("activity_every", &self.activity_every)
            .finish_non_exhaustive()
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

    let run_limits = args.run_limits.limits();
    let config = ServerConfig::default()
        .with_run_limits(run_limits)
        .with_transport_limits(args.connection_limits.limits())
        .with_credentials(Credentials::new(&args.username, &args.password))
        .with_lenient_filters(args.lenient_filters)
        .with_send_stamp(args.stamp)
        .with_profile(args.profile)
        .with_speed(args.speed)
        .with_paused(args.paused)
        .with_client_queue(args.client_queue)
        .with_cors(CorsPolicy::new(args.cors_origin.clone()))
        .with_slow_consumer(args.slow_consumer)
        .with_limits(Limits {
            max_message_bytes: args.max_message_bytes,
            max_connections: args.max_connections,
            max_filters: args.max_filters,
            ping_interval: args.ping_interval.0,
            idle_timeout: args.idle_timeout.0,
            message_timeout: args.connection_limits.message_timeout(),
        });
    let config = args.control.apply(config);
    let config = if args.allow.is_empty() {
        config
    } else {
        config.with_allow(args.allow.clone())
    };
    let server = Server::new(config)?;

    if let Some(mut feed) = args.replay.feed(|| match args.epoch {
        Some(epoch) => Ok(epoch),
        None => wall_clock_ms(),
    })? {
        let epoch = feed.epoch_ms().unwrap_or_default();
        // A capture's first frame is an event (or a frame sent as one).
        let opening = Opening {
            first_due: EventFeed::next_due(&mut feed),
            clock: None,
        };
        return serve_feed(
            &args,
            server,
            feed,
            epoch,
            "the capture's (no model)",
            opening,
        );
    }
    let scenario = match (&args.choice.scenario, args.directory.empty) {
        (None, true) => Scenario::idle(),
        _ => args.choice.load(&run_limits)?,
    };
    // The banner prints the seed, random or not.
    let (seed, _) = args.choice.seed_for(&scenario)?;
    let epoch = match args.epoch {
        Some(epoch) => epoch,
        None => wall_clock_ms()?,
    };
    let opening = Opening {
        first_due: first_event_ms(&scenario, seed, args.profile),
        clock: Some(ScenarioClock {
            starts_at_ms: scenario.starts_at_ms,
            length_ms: scenario.length_ms,
        }),
    };
    let (directory, origin) = args.directory.starting(&scenario)?;
    // The server loops the scenario forever: each loop ends with a wind-down.
    let feed = Player::with_directory(scenario, directory, seed, epoch, args.profile, true)
        .with_context(|| format!("the model refuses the directory ({origin})"))?
        .within(run_limits);
    serve_feed(&args, server, feed, epoch, &origin, opening)
}

/// What the banner says about the start of the run.
struct Opening {
    /// Virtual ms of the first event, if one is due.
    first_due: Option<u64>,
    /// The scenario's clock, when a scenario plays.
    clock: Option<ScenarioClock>,
}

/// Serves `feed` on the listeners of `args` until Ctrl-C or SIGTERM, then saves the
/// directory for `--state`; `directory` says where it came from, for the banner.
fn serve_feed(
    args: &ServeArgs,
    server: Server,
    feed: impl EventFeed,
    epoch: i64,
    directory: &str,
    opening: Opening,
) -> anyhow::Result<ExitCode> {
    let reader = server.directory_reader();
    let activity = match (args.quiet, args.activity_every.0) {
        (false, Some(every)) => Some(Activity {
            clock: server.clock(),
            stats: server.stats(),
            every,
            scenario: opening.clock,
        }),
        _ => None,
    };
    let identity = if args.tls {
        Some(tls_identity(
            args.cert.as_deref(),
            args.key.as_deref(),
            args.tls_listen,
        )?)
    } else {
        None
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let served = runtime.block_on(async {
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
        let shutdown = signals::first_then_exit_on_second();
        print_banner(bound, tls_bound, args, &feed, epoch, directory, &opening);
        if let Some(activity) = activity {
            tokio::spawn(activity.run());
        }
        server.run_on(listeners, feed, shutdown).await;
        anyhow::Ok(())
    });
    // The server has stopped (or dropped what was left at its deadline): a
    // scenario still being read on a blocking thread must not hold the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    served?;
    args.directory.save(&reader)?;
    Ok(ExitCode::SUCCESS)
}

/// What a user needs to connect and to repeat the run, on stdout. A closed stdout
/// (the reader went away) must not take the server down, so write errors are ignored.
fn print_banner(
    bound: SocketAddr,
    tls: Option<(SocketAddr, &TlsIdentity)>,
    args: &ServeArgs,
    feed: &impl EventFeed,
    epoch: i64,
    directory: &str,
    opening: &Opening,
) {
    let info = feed.info();
    let slug = feed
        .player()
        .and_then(|p| p.pbx().core_server().map(|c| c.slug.clone()));
    let live = match &slug {
        Some(slug) => format!("http://{bound}{LIVE_PATH}coreServers/getByName/{slug}/extensions"),
        None => format!("http://{bound}{LIVE_PATH}coreServers (no core server yet)"),
    };
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
        format!("  Live API: {live}"),
        format!(
            "  Configuration API: http://{bound}{CLIENT_BASE}server/coreServers (also under {DOCUMENTED_BASE})"
        ),
        format!("  control API (ours, not iSymphony's): http://{bound}{CONTROL_PATH}status"),
        format!("  dashboard (ours): http://{bound}{UI_PATH} in a browser, same credentials"),
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
        args.control.banner(),
        format!("  allowed sources: {}", allow.join(", ")),
        format!(
            "  CORS (ours): {}",
            CorsPolicy::new(args.cors_origin.clone()).describe()
        ),
        format!("  scenario: {}", info.scenario),
        format!("  directory: {directory}{}", args.directory.saved_to()),
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
        first_event_line(opening.first_due, opening.clock, args.speed, args.paused),
        args.connection_limits.banner(),
        args.run_limits.banner(),
    ]);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", banner.join("\n")).and_then(|()| out.flush());
}
