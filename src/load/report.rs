//! What a load run measured, how it prints, and whether it met its thresholds.
//! One report type serves a single `load` process and `load merge` of a run's
//! shards: a single process is a run of one shard, so both are judged alike.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

use super::LatencySource;
use super::lag::WakeDelay;
use super::measured::{Counts, ServerCpu, ShardHeader};
use super::merge::{MergeError, Run};
use super::setup_failure::SetupFailure;
pub use super::units::{micros, rate};

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest sample.
    pub max: u64,
    /// Samples.
    pub count: u64,
}

impl Percentiles {
    /// Reads the percentiles of `histogram`; `None` when it holds no sample.
    pub fn of(histogram: &Histogram<u64>) -> Option<Self> {
        (!histogram.is_empty()).then(|| Percentiles {
            p50: histogram.value_at_quantile(0.50),
            p90: histogram.value_at_quantile(0.90),
            p99: histogram.value_at_quantile(0.99),
            p999: histogram.value_at_quantile(0.999),
            max: histogram.max(),
            count: histogram.len(),
        })
    }
}

/// What the server did to the clients: frames it skipped, connections it ended,
/// and its CPU.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerSide {
    /// `simSeq` gaps seen by clients that admit everything; `None` when the
    /// server sends no `simSeq` or no client admits everything.
    pub drops: Option<u64>,
    /// Events the server said it evicted for measured clients that read too
    /// slowly: the sum of `dropped` in the `simNotice` frames they received in the
    /// window (our server under `serve --slow-consumer drop-oldest`,
    /// docs/protocol.md §10.6).
    pub evicted_announced: u64,
    /// Those `simNotice` frames.
    pub notices: u64,
    /// `drops` the notices do not account for: `drops - evicted_announced`, never
    /// below 0; `None` when `drops` is.
    pub unexplained_drops: Option<u64>,
    /// Measured clients whose connection the server ended, by close code (`lost`
    /// when it ended without a close frame).
    pub disconnects: BTreeMap<String, u64>,
    /// The same for idle clients.
    pub idle_disconnects: BTreeMap<String, u64>,
    /// The server's CPU in the window, when its PID was given or found (for
    /// several shards, the reading over the longest window: they overlap).
    pub cpu: Option<ServerCpu>,
}

/// Whether the load tool itself kept up.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadSide {
    /// CPU seconds the load process(es) used in the window, all shards together.
    pub cpu_seconds: Option<f64>,
    /// The largest share of its cores one load process used (1.0 = all of them).
    pub busiest_core_share: Option<f64>,
    /// How late the load tool's tasks woke in the window (the worst shard's figures).
    pub wake_delay: WakeDelay,
    /// The same before the window (connecting, warm-up).
    pub wake_delay_before_window: WakeDelay,
    /// Whether the load tool fell behind in the window (woke 10 ms late or more).
    pub behind: bool,
}

/// The result of a load run; `--json` prints it as one object.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// The Event API URL measured.
    pub target: String,
    /// `--run-id`, if given.
    pub run_id: Option<String>,
    /// The shards reported on: `I/N` for one shard's own report, `all N` merged.
    pub shards: String,
    /// Measured clients asked for (this shard's, or the run's when merged).
    pub clients: usize,
    /// Extra idle clients whose filters reject everything.
    pub idle_clients: usize,
    /// The filter mix, as given.
    pub filters: String,
    /// Clients (measured and idle) whose filter was answered before measuring.
    pub ready: u64,
    /// Measured clients among `ready`.
    pub ready_measured: u64,
    /// Clients that could not connect or had their filter refused.
    pub setup_failures: u64,
    /// The same, by reason (`HTTP 403`, `connection refused`, ...).
    pub setup_failure_reasons: BTreeMap<SetupFailure, u64>,
    /// Length of the measurement window, seconds (the longest shard's).
    pub seconds: f64,
    /// Seconds between the first and the last shard's window start.
    pub window_spread_seconds: f64,
    /// Events received by all measured clients in the window.
    pub delivered: u64,
    /// Events per second: each shard's `delivered / seconds`, added up.
    pub delivered_per_sec: f64,
    /// Latency from the stamp to receipt, microseconds; `None` without samples.
    pub latency_us: Option<Percentiles>,
    /// What latency was measured from.
    pub latency_source: LatencySource,
    /// Received events that had no usable stamp.
    pub untimed: u64,
    /// What the server dropped, closed and spent.
    pub server: ServerSide,
    /// Whether the load tool kept up.
    pub load_tool: LoadSide,
    /// What the figures mean when something went wrong, in words.
    pub notes: Vec<String>,
    /// What failed: thresholds not met, or nothing measured; empty when all is well.
    pub failures: Vec<String>,
}

impl LoadReport {
    /// The figures of `run`, with no notes or failures yet (see [`super::verdict`]).
    ///
    /// # Errors
    /// [`MergeError::Histogram`] when the shards' histograms cannot be added.
    pub fn figures(run: &Run) -> Result<LoadReport, MergeError> {
        let headers: Vec<_> = run.shards.iter().map(|(_, m)| &m.header).collect();
        let first = headers[0];
        let mut counts = Counts::default();
        for header in &headers {
            counts.add(&header.counts);
        }
        let earliest = headers.iter().map(|h| h.window_start_us).min().unwrap_or(0);
        let latest = headers.iter().map(|h| h.window_start_us).max().unwrap_or(0);
        let cpu_seconds: Option<f64> = headers.iter().map(|h| h.load_cpu_seconds).sum();
        let busiest = headers
            .iter()
            .filter_map(|h| {
                Some(
                    h.load_cpu_seconds?
                        / (h.load_cores.max(1) as f64 * h.seconds.max(f64::EPSILON)),
                )
            })
            .reduce(f64::max);
        let worst = |of: fn(&ShardHeader) -> WakeDelay| WakeDelay {
            p99_us: headers.iter().map(|h| of(h).p99_us).max().unwrap_or(0),
            max_us: headers.iter().map(|h| of(h).max_us).max().unwrap_or(0),
        };
        let wake_delay = worst(|h| h.wake_delay);
        let wake_delay_before_window = worst(|h| h.wake_delay_before);
        let longest = headers
            .iter()
            .copied()
            .max_by(|a, b| a.seconds.total_cmp(&b.seconds))
            .unwrap_or(first);
        let whole = run.shards.len() == first.shard.count;
        let drops = first
            .plan
            .admits_everything
            .then_some(counts.drops)
            .flatten();
        let report = LoadReport {
            target: first.plan.target.clone(),
            run_id: first.run_id.clone(),
            shards: if whole && first.shard.count > 1 {
                format!("all {}", first.shard.count)
            } else {
                first.shard.to_string()
            },
            clients: if whole {
                first.plan.clients
            } else {
                first.clients
            },
            idle_clients: if whole { first.plan.idle } else { first.idle },
            filters: first.plan.filters.clone(),
            ready: counts.ready,
            ready_measured: counts.ready_measured,
            setup_failures: counts.setup_failure_total(),
            setup_failure_reasons: counts.setup_failures.clone(),
            seconds: longest.seconds,
            window_spread_seconds: (latest - earliest) as f64 / 1e6,
            delivered: counts.delivered,
            delivered_per_sec: headers.iter().map(|h| h.rate()).sum(),
            latency_us: Percentiles::of(&run.latency()?),
            latency_source: first.plan.latency,
            untimed: counts.untimed,
            server: ServerSide {
                drops,
                evicted_announced: counts.evicted_announced,
                notices: counts.notices,
                unexplained_drops: drops.map(|d| d.saturating_sub(counts.evicted_announced)),
                disconnects: counts.disconnects.clone(),
                idle_disconnects: counts.idle_disconnects.clone(),
                cpu: longest
                    .server_cpu
                    .or_else(|| headers.iter().find_map(|h| h.server_cpu)),
            },
            load_tool: LoadSide {
                cpu_seconds,
                busiest_core_share: busiest,
                wake_delay,
                wake_delay_before_window,
                behind: wake_delay.behind(),
            },
            notes: Vec::new(),
            failures: Vec::new(),
        };
        Ok(report)
    }
}

/// Limits a run must meet (`--max-p99`, `--min-rate`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Thresholds {
    /// Highest acceptable p99 latency.
    pub max_p99: Option<Duration>,
    /// Lowest acceptable delivered events per second.
    pub min_rate: Option<f64>,
}

impl Thresholds {
    /// The thresholds `report` misses, in words.
    pub fn check(&self, report: &LoadReport) -> Vec<String> {
        let mut failures = Vec::new();
        if let Some(max) = self.max_p99 {
            match report.latency_us {
                Some(p) if u128::from(p.p99) <= max.as_micros() => {}
                Some(p) => failures.push(format!(
                    "p99 latency {} exceeds --max-p99 {}",
                    micros(p.p99),
                    micros(max.as_micros() as u64)
                )),
                None => failures.push("no latency samples, so --max-p99 cannot be met".into()),
            }
        }
        if let Some(min) = self.min_rate
            && report.delivered_per_sec < min
        {
            failures.push(format!(
                "delivered {:.0} events/s, below --min-rate {min:.0}",
                report.delivered_per_sec
            ));
        }
        failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::fixtures::shard;
    use crate::load::measured::Measured;

    #[test]
    fn thresholds_fail_on_slow_p99_low_rate_or_no_samples() {
        let limits = Thresholds {
            max_p99: Some(Duration::from_millis(2)),
            min_rate: Some(0.3),
        };
        let of = |samples: &[u64]| {
            crate::load::verdict(
                &Run::single(shard(0, 1, None, samples)),
                &Thresholds::default(),
            )
            .expect("adds up")
        };

        assert!(limits.check(&of(&[2000, 2000, 2000])).is_empty());
        assert_eq!(limits.check(&of(&[2100, 2100, 2100])).len(), 1);
        assert_eq!(
            limits.check(&of(&[10, 10])).len(),
            1,
            "0.2/s is below 0.3/s"
        );
        assert_eq!(limits.check(&of(&[])).len(), 2);
        assert!(Thresholds::default().check(&of(&[])).is_empty());
    }

    #[test]
    fn merged_shards_add_rates_counts_and_samples() {
        let run = Run::from_files(vec![
            ("a".into(), shard(0, 2, None, &[100, 200])),
            ("b".into(), shard(1, 2, None, &[300, 400, 500])),
        ])
        .expect("one run");

        let report = crate::load::verdict(&run, &Thresholds::default()).expect("adds up");

        assert_eq!(
            (report.shards.as_str(), report.clients, report.delivered),
            ("all 2", 30, 5)
        );
        assert!((report.delivered_per_sec - 0.5).abs() < 1e-9);
        let latency = report.latency_us.expect("samples");
        assert_eq!((latency.count, latency.p50, latency.max), (5, 300, 500));
        assert_eq!(report.server.drops, Some(1), "shard 1 had one gap");
        assert_eq!(report.load_tool.cpu_seconds, Some(2.0));
    }

    #[test]
    fn shard_files_carry_the_notices_and_merge_adds_them_up() {
        let through_file = |mut m: Measured, notices: u64, evicted: u64| {
            m.header.counts.notices = notices;
            m.header.counts.evicted_announced = evicted;
            let name = format!("s{}.hlog", m.header.shard.index);
            let text = crate::load::hdr_file::render(&m).expect("renders");
            let back = crate::load::hdr_file::parse(std::path::Path::new(&name), text.as_bytes())
                .expect("parses");
            (std::path::PathBuf::from(name), back)
        };
        let run = Run::from_files(vec![
            through_file(shard(0, 2, None, &[100]), 2, 30),
            through_file(shard(1, 2, None, &[200]), 1, 7),
        ])
        .expect("one run");

        let report = crate::load::verdict(&run, &Thresholds::default()).expect("adds up");

        assert_eq!(
            (report.server.notices, report.server.evicted_announced),
            (3, 37)
        );
        assert_eq!(
            report.server.unexplained_drops,
            Some(0),
            "1 gap, 37 announced: never below 0"
        );
    }

    #[test]
    fn announced_evictions_are_told_apart_from_unexplained_gaps() {
        let mut m = shard(0, 1, None, &[5]);
        m.header.counts.drops = Some(50);
        m.header.counts.notices = 3;
        m.header.counts.evicted_announced = 45;
        let mut silent = shard(0, 1, None, &[5]);
        silent.header.counts.drops = Some(8);
        let mut filtered = shard(0, 1, None, &[5]);
        filtered.header.plan.admits_everything = false;
        filtered.header.counts.notices = 1;
        filtered.header.counts.evicted_announced = 9;
        let of = |m: Measured| {
            crate::load::verdict(&Run::single(m), &Thresholds::default()).expect("adds up")
        };

        let report = of(m);
        let json = serde_json::to_value(&report).expect("serialises");

        assert_eq!(json["server"]["drops"], 50);
        assert_eq!(json["server"]["evictedAnnounced"], 45);
        assert_eq!(json["server"]["notices"], 3);
        assert_eq!(json["server"]["unexplainedDrops"], 5);
        assert_eq!(json["untimed"], 0);
        let text = report.to_string();
        assert!(
            text.contains(
                "server:      dropped 50: 45 announced (evicted under drop-oldest, told by 3 \
                 simNotice), 5 unexplained; closed none"
            ),
            "{text}"
        );
        let text = of(silent).to_string();
        assert!(
            text.contains("dropped 8: 0 announced (evicted under drop-oldest, told by 0 simNotice), 8 unexplained"),
            "{text}"
        );
        let filtered = of(filtered);
        assert_eq!(filtered.server.unexplained_drops, None);
        assert!(
            filtered
                .to_string()
                .contains("dropped not measurable (needs simSeq and --filters all); 9 announced"),
            "{filtered}"
        );
    }
}
