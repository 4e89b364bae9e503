//! The load generator: many websocket clients against any Event API server,
//! measuring delivered events/s, latency percentiles, drops and disconnects.
//!
//! A run has three phases: every client connects and sends its filter (at most
//! [`LoadConfig::handshakes`] handshakes at once); once all have their answer (or
//! the setup time is up) the measurement window opens for
//! [`LoadConfig::duration`]; then every client closes. Only events received
//! inside the window count.

pub mod client;
pub mod mix;
pub mod population;
pub mod raw;
pub mod report;
pub mod synthetic;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use client::{LatencySource, Tally};
pub use mix::FilterMix;
pub use report::{LoadReport, Percentiles, Thresholds};

/// Everything a load run is configured with.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// The Event API URL (`ws://host:port/communication_manager/ws/event`).
    pub target: String,
    /// Measured clients.
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
    /// No client got as far as measuring.
    #[error("no client could connect and set its filter at {0}; is the server running?")]
    NoClients(String),
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

/// Runs the load test; `progress` is called about once a second while measuring
/// with the elapsed time and the tally so far.
///
/// # Errors
/// [`LoadError::NoClients`] when no client could connect and set its filter.
pub async fn run(
    config: &LoadConfig,
    mut progress: impl FnMut(Duration, &Tally),
) -> Result<LoadReport, LoadError> {
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
    let mut tasks = JoinSet::new();
    // Idle clients first: until its filter is in force a client receives every
    // event, so connecting the measured ones last keeps the setup phase light.
    let plans = (0..config.idle)
        .map(|i| (FilterMix::Reject.filters_for(i), false))
        .chain((0..config.clients).map(|i| {
            (
                config.filters.filters_for(i),
                config.filters.admits_everything(),
            )
        }));
    for (filters, count_gaps) in plans {
        let plan = client::ClientPlan {
            url: config.target.clone(),
            authorization: authorization.clone(),
            filters,
            count_gaps,
            latency: config.latency,
        };
        tasks.spawn(client::run_client(
            plan,
            Arc::clone(&tally),
            Arc::clone(&handshakes),
            stop.clone(),
        ));
    }

    let everyone = (config.clients + config.idle) as u64;
    let setup_started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    while tally.ready.load(Ordering::Relaxed) + tally.setup_failures.load(Ordering::Relaxed)
        < everyone
        && setup_started.elapsed() < config.setup_limit
    {
        tick.tick().await;
    }
    let warmed_up = tokio::time::Instant::from_std(setup_started) + config.warmup;
    tokio::time::sleep_until(warmed_up).await;
    if tally.ready.load(Ordering::Relaxed) == 0 {
        stop.cancel();
        while tasks.join_next().await.is_some() {}
        return Err(LoadError::NoClients(config.target.clone()));
    }

    tally.measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let mut second = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_secs(1),
    );
    let deadline = tokio::time::sleep(config.duration);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => break,
            _ = second.tick() => progress(started.elapsed(), &tally),
        }
    }
    tally.measuring.store(false, Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    stop.cancel();
    while tasks.join_next().await.is_some() {}

    let delivered = tally.delivered.load(Ordering::Relaxed);
    let latency_us = tally
        .latency
        .lock()
        .ok()
        .and_then(|histogram| Percentiles::of(&histogram));
    let drops = (config.filters.admits_everything()
        && tally.drops_measurable.load(Ordering::Relaxed))
    .then(|| tally.drops.load(Ordering::Relaxed));
    let disconnects = tally
        .disconnects
        .lock()
        .map(|map| map.clone())
        .unwrap_or_default();
    Ok(LoadReport {
        target: config.target.clone(),
        clients: config.clients,
        idle_clients: config.idle,
        filters: config.filters.to_string(),
        ready: tally.ready.load(Ordering::Relaxed),
        setup_failures: tally.setup_failures.load(Ordering::Relaxed),
        seconds,
        delivered,
        delivered_per_sec: delivered as f64 / seconds.max(f64::EPSILON),
        latency_us,
        latency_source: config.latency,
        untimed: tally.untimed.load(Ordering::Relaxed),
        drops,
        disconnects,
        failures: Vec::new(),
    })
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
