//! What a load run measured, how it prints, and whether it met its thresholds.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use hdrhistogram::Histogram;

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
        })
    }
}

/// The result of one load run; `--json` prints it as one object.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// The Event API URL measured.
    pub target: String,
    /// Measured clients asked for.
    pub clients: usize,
    /// Extra idle clients whose filters reject everything.
    pub idle_clients: usize,
    /// The filter mix, as given.
    pub filters: String,
    /// Clients (measured and idle) whose filter was answered before measuring.
    pub ready: u64,
    /// Clients that could not connect or had their filter refused.
    pub setup_failures: u64,
    /// Length of the measurement window, seconds.
    pub seconds: f64,
    /// Events received by all clients in the window.
    pub delivered: u64,
    /// `delivered` per second.
    pub delivered_per_sec: f64,
    /// Latency from the stamp to receipt, microseconds; `None` without samples.
    pub latency_us: Option<Percentiles>,
    /// What latency was measured from.
    pub latency_source: super::LatencySource,
    /// Received events that had no usable stamp.
    pub untimed: u64,
    /// Sequence gaps seen by clients that admit everything; `None` when the
    /// server sends no `simSeq` or no client admits everything.
    pub drops: Option<u64>,
    /// Connections the server ended during the run, by close code ("error" when
    /// lost without a close frame).
    pub disconnects: BTreeMap<String, u64>,
    /// The thresholds that were not met, in words; empty when all were.
    pub failures: Vec<String>,
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

/// A duration in microseconds, in the unit that reads best.
pub fn micros(us: u64) -> String {
    match us {
        0..1_000 => format!("{us} µs"),
        1_000..1_000_000 => format!("{:.2} ms", us as f64 / 1e3),
        _ => format!("{:.2} s", us as f64 / 1e6),
    }
}

/// A count per second, with a k or M suffix.
pub fn rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.2}M/s", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.1}k/s", per_sec / 1e3)
    } else {
        format!("{per_sec:.0}/s")
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "target:      {}", self.target)?;
        writeln!(
            f,
            "clients:     {} measured ({} filters) + {} idle; {} ready, {} failed to set up",
            self.clients, self.filters, self.idle_clients, self.ready, self.setup_failures
        )?;
        writeln!(
            f,
            "delivered:   {} events in {:.1} s = {}",
            self.delivered,
            self.seconds,
            rate(self.delivered_per_sec)
        )?;
        match &self.latency_us {
            Some(p) => writeln!(
                f,
                "latency:     p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (from {}; {} untimed)",
                micros(p.p50),
                micros(p.p90),
                micros(p.p99),
                micros(p.p999),
                micros(p.max),
                self.latency_source.describe(),
                self.untimed
            )?,
            None => writeln!(f, "latency:     no samples ({} untimed)", self.untimed)?,
        }
        match self.drops {
            Some(drops) => writeln!(f, "drops:       {drops}")?,
            None => writeln!(
                f,
                "drops:       not measurable (needs simSeq and --filters all)"
            )?,
        }
        let disconnects: u64 = self.disconnects.values().sum();
        writeln!(f, "disconnects: {disconnects} {:?}", self.disconnects)?;
        for failure in &self.failures {
            writeln!(f, "FAILED:      {failure}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(p99: Option<u64>, per_sec: f64) -> LoadReport {
        LoadReport {
            target: "ws://127.0.0.1:1/x".into(),
            clients: 1,
            idle_clients: 0,
            filters: "all".into(),
            ready: 1,
            setup_failures: 0,
            seconds: 1.0,
            delivered: per_sec as u64,
            delivered_per_sec: per_sec,
            latency_us: p99.map(|p99| Percentiles {
                p50: 1,
                p90: 1,
                p99,
                p999: p99,
                max: p99,
            }),
            latency_source: super::super::LatencySource::Auto,
            untimed: 0,
            drops: Some(0),
            disconnects: BTreeMap::new(),
            failures: Vec::new(),
        }
    }

    #[test]
    fn thresholds_fail_on_slow_p99_low_rate_or_no_samples() {
        let limits = Thresholds {
            max_p99: Some(Duration::from_millis(2)),
            min_rate: Some(1000.0),
        };
        assert!(limits.check(&report(Some(2000), 1000.0)).is_empty());
        assert_eq!(limits.check(&report(Some(2001), 1000.0)).len(), 1);
        assert_eq!(limits.check(&report(Some(10), 999.0)).len(), 1);
        assert_eq!(limits.check(&report(None, 5.0)).len(), 2);
        assert!(Thresholds::default().check(&report(None, 0.0)).is_empty());
    }
}
