//! The load generator: many websocket clients against any Event API server,
//! measuring delivered events/s, latency percentiles, drops and disconnects.
//!
//! A run has three phases: every client connects and sends its filter (at most
//! [`LoadConfig::handshakes`] handshakes at once); once all have their answer (or
//! the setup time is up) the measurement window opens for
//! [`LoadConfig::duration`]; then every client closes. Only events received
//! inside the window count.

pub mod client;
pub mod cpu;
pub mod diagnosis;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod hdr_file;
pub mod hostile;
pub mod lag;
pub mod latency;
pub mod measured;
pub mod merge;
pub mod mix;
pub mod notice;
pub mod population;
pub mod raw;
pub mod report;
pub mod setup_failure;
pub mod shard;
pub mod synthetic;
pub mod text;
pub mod units;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use client::Tally;
pub use latency::LatencySource;
pub use measured::Measured;
pub use mix::FilterMix;
pub use report::{LoadReport, Percentiles, Thresholds};
pub use setup_failure::SetupFailure;
pub use shard::Shard;

use cpu::PidSource;
use measured::{Counts, RunPlan, SHARD_FORMAT, ServerCpu, ShardHeader};

/// How often clients add their counts to the shared tally while measuring.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// How often the progress callback is called while measuring.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Which process is the server, for its CPU time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerPid {
    /// `--server-pid`.
    Given(u32),
    /// Look for the process listening on the target's port (see [`cpu`]).
    #[default]
    Find,
}

/// Everything a load run is configured with.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// The Event API URL (`ws://host:port/communication_manager/ws/event`).
    pub target: String,
    /// Measured clients of the whole run (all shards).
    pub clients: usize,
    /// Extra clients whose filters reject everything; they are connected for the
    /// whole run but not measured, to show what idle connections cost the server.
    pub idle: usize,
    /// What the measured clients filter on.
    pub filters: FilterMix,
    /// Length of the measurement window.
    pub duration: Duration,
    /// Username and password for HTTP Basic on the upgrade; `None` sends none.
    pub credentials: Option<(String, String)>,
    /// Where latency is read from.
    pub latency: LatencySource,
    /// Handshakes in flight at once.
    pub handshakes: usize,
    /// The longest the connect phase may take before measuring starts anyway.
    pub setup_limit: Duration,
    /// The window opens no earlier than this after the run starts, even when every
    /// client is ready sooner: skips a server's start-up or a quiet period.
    pub warmup: Duration,
    /// Which slice of the clients this process drives.
    pub shard: Shard,
    /// Names the run in shard files, so that `load merge` refuses other runs' files.
    pub run_id: Option<String>,
    /// Which process is the server, for its CPU.
    pub server_pid: ServerPid,
}

/// Why a load run could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The target is not a ws:// URL with a host.
    #[error(
        "target `{0}` is not a websocket URL; expected ws://HOST:PORT/communication_manager/ws/event"
    )]
    BadTarget(String),
    /// The target is not on this machine and remote targets were not allowed.
    #[error(
        "target host `{0}` is not a loopback address; load-test only servers you run (pass --allow-remote to override)"
    )]
    NotLoopback(String),
    /// No client got as far as measuring; the reasons say why.
    #[error(
        "no client could connect and set its filter at {target}: {}",
        explain(target, reasons)
    )]
    NoClients {
        /// The URL tried.
        target: String,
        /// Why the clients failed, by reason.
        reasons: Vec<(SetupFailure, u64)>,
    },
}

/// Every reason's count and meaning, most frequent first.
fn explain(target: &str, reasons: &[(SetupFailure, u64)]) -> String {
    if reasons.is_empty() {
        return "no client finished its setup in time".to_string();
    }
    let mut reasons = reasons.to_vec();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    reasons
        .iter()
        .map(|(why, n)| format!("{n} × {}", why.meaning(target)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The report of `run`: its figures, what they mean when something went wrong
/// (a failure when nothing was measured or every client was closed), and the
/// thresholds it misses. A single process and a merge of shards are judged alike.
///
/// # Errors
/// [`merge::MergeError::Histogram`] when the shards' histograms cannot be added.
pub fn verdict(run: &merge::Run, thresholds: &Thresholds) -> Result<LoadReport, merge::MergeError> {
    let mut report = LoadReport::figures(run)?;
    let admits_something = run
        .shards
        .first()
        .is_some_and(|(_, m)| m.header.plan.admits_something);
    let (notes, failures) = diagnosis::judge(&report, admits_something);
    report.notes = notes;
    report.failures = failures;
    report.failures.extend(thresholds.check(&report));
    Ok(report)
}

/// The host of a `ws://` target, after checking its shape.
///
/// # Errors
/// [`LoadError::BadTarget`] when it is not a `ws://` URL with a host.
pub fn target_host(target: &str) -> Result<String, LoadError> {
    let bad = || LoadError::BadTarget(target.to_string());
    let rest = target.strip_prefix("ws://").ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok(host.to_string())
}

/// Whether `host` names this machine (`localhost` or a loopback address).
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A copy of what `shared` holds (empty if a client panicked holding it).
fn map<T: Clone + Default>(shared: &std::sync::Mutex<T>) -> T {
    shared.lock().map(|m| m.clone()).unwrap_or_default()
}

/// What the progress line shows: one measure, events received by measured
/// clients, as the rate over the last interval and the running total. The last
/// call (`done`) comes after every client has added its counts, so its total is
/// the report's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Time since the window opened.
    pub elapsed: Duration,
    /// Length of the window.
    pub window: Duration,
    /// Events in the last interval, per second.
    pub interval_rate: f64,
    /// Events since the window opened.
    pub total: u64,
    /// Clients ready.
    pub ready: u64,
    /// Clients the server closed.
    pub closed: u64,
    /// Clients that could not set up.
    pub setup_failures: u64,
    /// Whether this is the final line.
    pub done: bool,
}

/// Runs the load test; `progress` is called about once a second while measuring
/// and once at the end.
///
/// # Errors
/// [`LoadError::NoClients`] when no client could connect and set its filter.
pub async fn run(
    config: &LoadConfig,
    mut progress: impl FnMut(&Progress),
) -> Result<Measured, LoadError> {
    let tally = Arc::new(Tally::default());
    let handshakes = Arc::new(Semaphore::new(config.handshakes.max(1)));
    let stop = CancellationToken::new();
    let authorization = config.credentials.as_ref().map(|(user, password)| {
        let pair = format!("{user}:{password}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    });
    let idle = config.shard.range(config.idle);
    let measured = config.shard.range(config.clients);
    let (idle_count, measured_count) = (idle.len(), measured.len());
    let mut tasks = JoinSet::new();
    // Idle clients first: until its filter is in force a client receives every
    // event, so connecting the measured ones last keeps the setup phase light.
    // Client numbers are global, so each client of a shard sends the filter it
    // would have sent in the unsharded run.
    let plans = idle
        .map(|i| (FilterMix::Reject.filters_for(i), false))
        .chain(measured.map(|i| (config.filters.filters_for(i), true)));
    for (filters, is_measured) in plans {
        let plan = client::ClientPlan {
            url: config.target.clone(),
            authorization: authorization.clone(),
            filters,
            measured: is_measured,
            count_gaps: is_measured && config.filters.admits_everything(),
            latency: config.latency,
        };
        tasks.spawn(client::run_client(
            plan,
            Arc::clone(&tally),
            Arc::clone(&handshakes),
            stop.clone(),
        ));
    }

    let lag_stop = CancellationToken::new();
    let lag = tokio::spawn(lag::monitor(lag_stop.clone(), Arc::clone(&tally.measuring)));
    let everyone = (measured_count + idle_count) as u64;
    let setup_started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    while tally.ready.load(Ordering::Relaxed) + tally.setup_failure_total() < everyone
        && setup_started.elapsed() < config.setup_limit
    {
        tick.tick().await;
    }
    let warmed_up = tokio::time::Instant::from_std(setup_started) + config.warmup;
    tokio::time::sleep_until(warmed_up).await;
    if tally.ready.load(Ordering::Relaxed) == 0 {
        stop.cancel();
        lag_stop.cancel();
        while tasks.join_next().await.is_some() {}
        let reasons = map(&tally.setup_failures).into_iter().collect();
        return Err(LoadError::NoClients {
            target: config.target.clone(),
            reasons,
        });
    }

    let server_pid = match config.server_pid {
        ServerPid::Given(pid) => Some((pid, PidSource::Given)),
        ServerPid::Find => raw::WsAddress::parse(&config.target)
            .filter(|a| is_loopback(&a.host))
            .and_then(|a| cpu::find_listener(a.port))
            .map(|pid| (pid, PidSource::Found)),
    };
    let server_cpu_before = server_pid.and_then(|(pid, _)| cpu::process_cpu(pid));
    let own_cpu_before = cpu::own_cpu();
    let window_start_us = client::now_us();
    tally.measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let snapshot = |tally: &Tally| {
        (
            tally.delivered.load(Ordering::Relaxed),
            tally.ready.load(Ordering::Relaxed),
            tally.disconnect_total(),
            tally.setup_failure_total(),
        )
    };
    let mut flush =
        tokio::time::interval_at(tokio::time::Instant::now() + FLUSH_EVERY, FLUSH_EVERY);
    let mut last_line = (Duration::ZERO, 0u64);
    let deadline = tokio::time::sleep(config.duration);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => break,
            _ = flush.tick() => {
                tally.flush_clock.fetch_add(1, Ordering::Relaxed);
                let elapsed = started.elapsed();
                if elapsed - last_line.0 >= PROGRESS_EVERY {
                    let (total, ready, closed, setup_failures) = snapshot(&tally);
                    let interval = (elapsed - last_line.0).as_secs_f64();
                    progress(&Progress {
                        elapsed,
                        window: config.duration,
                        interval_rate: (total - last_line.1) as f64 / interval.max(f64::EPSILON),
                        total,
                        ready,
                        closed,
                        setup_failures,
                        done: false,
                    });
                    last_line = (elapsed, total);
                }
            }
        }
    }
    tally.measuring.store(false, Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    let own_cpu_after = cpu::own_cpu();
    let server_cpu_after = server_pid.and_then(|(pid, _)| cpu::process_cpu(pid));
    lag_stop.cancel();
    let wake_delays = lag.await.unwrap_or_default();
    stop.cancel();
    while tasks.join_next().await.is_some() {}

    let (total, ready, closed, setup_failures) = snapshot(&tally);
    let tail = (seconds - last_line.0.as_secs_f64()).max(f64::EPSILON);
    progress(&Progress {
        elapsed: Duration::from_secs_f64(seconds),
        window: config.duration,
        interval_rate: (total - last_line.1) as f64 / tail,
        total,
        ready,
        closed,
        setup_failures,
        done: true,
    });

    let latency = tally
        .latency
        .lock()
        .map(|histogram| histogram.clone())
        .unwrap_or_else(|_| measured::latency_histogram());
    let counts = Counts {
        ready,
        ready_measured: tally.ready_measured.load(Ordering::Relaxed),
        setup_failures: map(&tally.setup_failures),
        delivered: total,
        untimed: tally.untimed.load(Ordering::Relaxed),
        drops: tally
            .drops_measurable
            .load(Ordering::Relaxed)
            .then(|| tally.drops.load(Ordering::Relaxed)),
        notices: tally.notices.load(Ordering::Relaxed),
        evicted_announced: tally.evicted_announced.load(Ordering::Relaxed),
        disconnects: map(&tally.disconnects),
        idle_disconnects: map(&tally.idle_disconnects),
    };
    let server_cpu = match (server_pid, server_cpu_before, server_cpu_after) {
        (Some((pid, source)), Some(before), Some(after)) => Some(ServerCpu {
            pid,
            source,
            seconds: after.saturating_sub(before).as_secs_f64(),
        }),
        _ => None,
    };
    let header = ShardHeader {
        format: SHARD_FORMAT,
        run_id: config.run_id.clone(),
        shard: config.shard,
        plan: RunPlan {
            target: config.target.clone(),
            clients: config.clients,
            idle: config.idle,
            filters: config.filters.to_string(),
            admits_everything: config.filters.admits_everything(),
            admits_something: config.filters != FilterMix::Reject,
            duration_ms: config.duration.as_millis() as u64,
            latency: config.latency,
        },
        clients: measured_count,
        idle: idle_count,
        window_start_us,
        seconds,
        counts,
        load_cpu_seconds: own_cpu_before
            .zip(own_cpu_after)
            .map(|(before, after)| after.saturating_sub(before).as_secs_f64()),
        load_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        wake_delay: wake_delays.window,
        wake_delay_before: wake_delays.before,
        server_cpu,
    };
    Ok(Measured { header, latency })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_must_be_ws_urls_and_loopback_is_recognised() {
        assert_eq!(
            target_host("ws://127.0.0.1:58080/x").as_deref(),
            Ok("127.0.0.1")
        );
        assert_eq!(target_host("ws://[::1]:80/x").as_deref(), Ok("::1"));
        assert_eq!(target_host("ws://localhost/x").as_deref(), Ok("localhost"));
        assert!(target_host("http://127.0.0.1/").is_err());
        assert!(target_host("ws:///x").is_err());
        assert!(is_loopback("127.0.0.2") && is_loopback("::1") && is_loopback("localhost"));
        assert!(!is_loopback("10.0.0.1") && !is_loopback("example.com"));
    }
}
