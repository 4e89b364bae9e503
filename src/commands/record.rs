//! `isymphony-sim record`: records a real server's Event API traffic and Live API
//! state into a capture file; with `--to-scenario` converts a capture into a
//! scenario file, with `--audit` compares one with our protocol description.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{BufWriter, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use isymphony_sim::record::audit::{Audit, render_text};
use isymphony_sim::record::capture::Header;
use isymphony_sim::record::connect::{Endpoint, TlsTrust, redact};
use isymphony_sim::record::convert::{DirectorySource, to_scenario};
use isymphony_sim::record::recorder::{Progress, Report};
use isymphony_sim::record::snapshot::derived_live;
use isymphony_sim::record::writer::CaptureWriter;
use isymphony_sim::record::{Capture, RecordOptions, record};
use isymphony_sim::scenario::duration::parse_duration;
use isymphony_sim::server::Credentials;
use isymphony_sim::server::{DEFAULT_PASSWORD, DEFAULT_USERNAME};

/// Arguments of `record`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("mode").args(["target", "to_scenario", "audit"]).required(true)))]
pub struct RecordArgs {
    /// The Event API to record: ws://HOST:58080/communication_manager/ws/event or
    /// wss://HOST:55050/... Credentials in the URL (ws://user:pass@host/...) are
    /// used and never written.
    #[arg(long, value_name = "URL")]
    target: Option<String>,

    /// Username for HTTP Basic on the upgrade and the Live API.
    #[arg(long, env = "ISYM_USERNAME", default_value = DEFAULT_USERNAME, hide_env_values = true)]
    username: String,

    /// Password; never written to the capture or printed.
    #[arg(long, env = "ISYM_PASSWORD", default_value = DEFAULT_PASSWORD, hide_env_values = true, hide_default_value = true)]
    password: String,

    /// PEM file with the certificate(s) to trust for wss/https (a self-signed
    /// server's certificate, or its CA). Default: the system's CA bundle.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,

    /// Trust any TLS certificate (a self-signed box); the connection is then
    /// encrypted but not authenticated.
    #[arg(long, conflicts_with = "ca")]
    insecure: bool,

    /// The Live API core-server URL to snapshot at the start and the end, e.g.
    /// http://HOST:58080/communication_manager/rest/live/coreServers/getByName/default.
    /// Default: derived from --target (same host and port, core server `default`).
    #[arg(long, value_name = "URL", conflicts_with = "no_live")]
    live: Option<String>,

    /// Record events only, no Live API snapshots.
    #[arg(long)]
    no_live: bool,

    /// Stop this long after the Event API connection opened ("30m", "4h");
    /// default: until Ctrl-C.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    duration: Option<u64>,

    /// The capture to write (with --target), or the scenario file (with --to-scenario).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,

    /// Replace --out if it exists.
    #[arg(long)]
    force: bool,

    /// Convert this capture into a scenario file (--out FILE.toml) and list how
    /// its play differs from the capture.
    #[arg(long, value_name = "CAPTURE", conflicts_with = "audit")]
    to_scenario: Option<PathBuf>,

    /// Compare this capture with the event catalogue and the protocol
    /// description; exit 1 when something contradicts it.
    #[arg(long, value_name = "CAPTURE")]
    audit: Option<PathBuf>,

    /// With --audit: one JSON document instead of text.
    #[arg(long, requires = "audit")]
    json: bool,
}

impl fmt::Debug for RecordArgs {
    // Hand-written so the password never shows up in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordArgs")
            .field("target", &self.target.as_deref().map(redact))
            .field("username", &self.username)
            .field("ca", &self.ca)
            .field("insecure", &self.insecure)
            .field("live", &self.live.as_deref().map(redact))
            .field("duration", &self.duration)
            .field("out", &self.out)
            .field("to_scenario", &self.to_scenario)
            .field("audit", &self.audit)
            .finish_non_exhaustive()
    }
}

/// Runs `record`.
pub fn run(args: RecordArgs) -> anyhow::Result<ExitCode> {
    if let Some(capture) = &args.audit {
        return audit(capture, args.json);
    }
    if let Some(capture) = &args.to_scenario {
        let out = args
            .out
            .as_ref()
            .context("--to-scenario needs --out FILE.toml for the scenario")?;
        return convert(capture, out, args.force);
    }
    record_target(&args)
}

fn audit(path: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let capture = Capture::read(path)?;
    let audit = Audit::of(&capture);
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&audit)?)?;
    } else {
        write!(out, "{}", render_text(&audit))?;
    }
    out.flush()?;
    Ok(if audit.has_contradictions() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn convert(path: &Path, out: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let capture = Capture::read(path)?;
    if let Some(damage) = &capture.damage {
        eprintln!("{}: damaged capture: {damage}", capture.path);
    }
    let conversion = to_scenario(&capture, &out.display().to_string())?;
    refuse_overwrite(out, force)?;
    std::fs::write(out, &conversion.toml)
        .with_context(|| format!("cannot write {}", out.display()))?;
    let source = match conversion.directory {
        DirectorySource::Snapshot => "the Live API snapshot",
        DirectorySource::Events => "the events (no Live API snapshot)",
    };
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "wrote {}: {} scripted steps for {} catalogue events; directory from {source}",
        out.display(),
        conversion.steps,
        conversion.catalogue_events
    )?;
    writeln!(
        err,
        "{} frame(s) kept as raw events (the model cannot express them)",
        conversion.raw.len()
    )?;
    for raw in &conversion.raw {
        writeln!(err, "  {}:{}: {}", capture.path, raw.line, raw.reason)?;
    }
    let profile = match conversion.profile {
        isymphony_sim::protocol::Profile::Standard => String::new(),
        isymphony_sim::protocol::Profile::Extended => " --profile extended".to_string(),
    };
    writeln!(
        err,
        "play it with: isymphony-sim play --scenario {} --epoch {}{profile}",
        out.display(),
        conversion.epoch_ms
    )?;
    if conversion.differences.is_empty() {
        writeln!(
            err,
            "its play reproduces the capture's {} catalogue events in order (object ids aside)",
            conversion.catalogue_events
        )?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(
            err,
            "its play differs from the capture ({} differences, object ids aside):",
            conversion.differences.len()
        )?;
        for difference in &conversion.differences {
            writeln!(err, "  {difference}")?;
        }
        Ok(ExitCode::FAILURE)
    }
}

fn refuse_overwrite(out: &Path, force: bool) -> anyhow::Result<()> {
    if out.exists() && !force {
        bail!(
            "{} exists; pass --force to replace it, or choose another --out",
            out.display()
        );
    }
    Ok(())
}

fn record_target(args: &RecordArgs) -> anyhow::Result<ExitCode> {
    let Some(target) = &args.target else {
        bail!("give --target URL to record, --to-scenario CAPTURE or --audit CAPTURE");
    };
    let out_path = args
        .out
        .as_ref()
        .context("recording needs --out FILE for the capture")?;
    let target =
        Endpoint::parse(target, ("ws", "wss")).map_err(|e| anyhow::anyhow!("--target: {e}"))?;
    let credentials = target
        .userinfo
        .clone()
        .unwrap_or_else(|| Credentials::new(&args.username, &args.password));
    let live = match (&args.live, args.no_live) {
        (_, true) => None,
        (Some(url), false) => Some(
            Endpoint::parse(url, ("http", "https")).map_err(|e| anyhow::anyhow!("--live: {e}"))?,
        ),
        (None, false) => Some(derived_live(&target)),
    };
    let needs_tls = target.secure || live.as_ref().is_some_and(|l| l.secure);
    let tls = if needs_tls {
        let trust = TlsTrust {
            ca: args.ca.clone(),
            insecure: args.insecure,
        };
        Some(trust.client_config().map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    let options = RecordOptions {
        target: target.clone(),
        credentials,
        tls,
        live: live.clone(),
        duration: args.duration.map(Duration::from_millis),
    };

    refuse_overwrite(out_path, args.force)?;
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(out_path)
        .with_context(|| format!("cannot create {}", out_path.display()))?;
    let started_ms = wall_clock_ms();
    let header = Header::new(
        target.shown("ws"),
        live.as_ref().map(|l| l.shown("http")),
        started_ms,
        isymphony_sim::server::utc_text(started_ms),
    );
    let writer = CaptureWriter::start(BufWriter::new(file), &header)
        .with_context(|| format!("cannot write {}", out_path.display()))?;
    eprintln!(
        "recording {} into {} ({}); Ctrl-C ends it cleanly",
        header.target,
        out_path.display(),
        args.duration.map_or_else(
            || "until Ctrl-C".to_string(),
            |ms| format!(
                "for {}",
                isymphony_sim::scenario::duration::format_duration(ms)
            )
        )
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let terminal = std::io::stderr().is_terminal();
    let mut last_line = std::time::Instant::now();
    let summary = runtime.block_on(record(&options, writer, ctrl_c(), |report| match report {
        Report::Progress(progress) => progress_line(progress, terminal, &mut last_line),
        Report::Note(note) => {
            if terminal {
                eprint!("\r\x1b[K");
            }
            eprintln!("{note}");
        }
    }));
    if terminal {
        eprint!("\r\x1b[K");
    }
    let summary = summary.with_context(|| format!("recording {} failed", header.target))?;
    let types: Vec<String> = summary
        .types
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    eprintln!(
        "recorded {} frames ({}), {:.1} KiB, {} gap(s), {:.1}s into {}: {}",
        summary.frames,
        if types.is_empty() {
            "none".to_string()
        } else {
            types.join(", ")
        },
        summary.bytes as f64 / 1024.0,
        summary.gaps,
        summary.ms as f64 / 1000.0,
        out_path.display(),
        summary.reason
    );
    Ok(ExitCode::SUCCESS)
}

/// The progress line: redrawn in place on a terminal, else one line every 10 s.
fn progress_line(progress: &Progress, terminal: bool, last: &mut std::time::Instant) {
    if terminal {
        eprint!("\r\x1b[K{}", progress.line());
        let _ = std::io::stderr().flush();
    } else if last.elapsed() >= Duration::from_secs(10) {
        *last = std::time::Instant::now();
        eprintln!("{}", progress.line());
    }
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn ctrl_c() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    () = interrupt => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => interrupt.await,
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
}

/// Now in Unix epoch ms; 0 if the system clock is before 1970.
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
