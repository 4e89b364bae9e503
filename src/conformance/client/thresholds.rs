//! The numbers the client suite judges by. Every one is our recommendation, not
//! iSymphony's (the real server documents none of them); each has one default
//! here, which `conform --help`, the README and the reports all read, and each can
//! be changed per run with the flag named on it.

use std::time::Duration;

use serde::Serialize;

/// Default `--filter-deadline`: from the websocket opening to the client's first
/// filter message. Long enough for any client that filters right after connecting.
pub const DEFAULT_FILTER_DEADLINE: Duration = Duration::from_secs(2);

/// Default `--min-reconnect-interval`: the closest two connection attempts (or a
/// close and the next attempt) may be.
pub const DEFAULT_MIN_RECONNECT_INTERVAL: Duration = Duration::from_millis(100);

/// Default `--reconnect-deadline`: how long a client may take, from the close, to
/// be connected again (refused attempts included).
pub const DEFAULT_RECONNECT_DEADLINE: Duration = Duration::from_secs(10);

/// Default `--refused-attempts`: reconnect attempts the runner answers with 503
/// before it lets one through, so that backoff between attempts shows.
pub const DEFAULT_REFUSED_ATTEMPTS: u32 = 1;

/// Default `--burst-rate`: events per second in the keeping-up case.
pub const DEFAULT_BURST_RATE: u32 = 2_000;

/// Default `--burst-duration`: how long the burst lasts.
pub const DEFAULT_BURST_DURATION: Duration = Duration::from_secs(5);

/// Default `--idle-timeout`: the staying-alive case's server closes a connection
/// silent this long; it pings every third of it, and the case lasts two of them.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_millis(750);

/// Default `--grace`: after SIGTERM, how long a client started per case may take
/// to exit before it gets SIGKILL.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

/// Default `--patience`: how long the runner waits for anything else (the first
/// connection, a reply, an answer to a ping) before it calls it missing. The flag
/// is shared with the server suite, whose default is the same 10s.
pub const DEFAULT_PATIENCE: Duration = Duration::from_secs(10);

/// One run's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// See [`DEFAULT_FILTER_DEADLINE`].
    pub filter_deadline: Duration,
    /// See [`DEFAULT_MIN_RECONNECT_INTERVAL`].
    pub min_reconnect_interval: Duration,
    /// See [`DEFAULT_RECONNECT_DEADLINE`].
    pub reconnect_deadline: Duration,
    /// See [`DEFAULT_REFUSED_ATTEMPTS`].
    pub refused_attempts: u32,
    /// See [`DEFAULT_BURST_RATE`].
    pub burst_rate: u32,
    /// See [`DEFAULT_BURST_DURATION`].
    pub burst_duration: Duration,
    /// See [`DEFAULT_IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// See [`DEFAULT_GRACE`].
    pub grace: Duration,
    /// See [`DEFAULT_PATIENCE`].
    pub patience: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            filter_deadline: DEFAULT_FILTER_DEADLINE,
            min_reconnect_interval: DEFAULT_MIN_RECONNECT_INTERVAL,
            reconnect_deadline: DEFAULT_RECONNECT_DEADLINE,
            refused_attempts: DEFAULT_REFUSED_ATTEMPTS,
            burst_rate: DEFAULT_BURST_RATE,
            burst_duration: DEFAULT_BURST_DURATION,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            grace: DEFAULT_GRACE,
            patience: DEFAULT_PATIENCE,
        }
    }
}

/// One threshold as the reports print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThresholdRow {
    /// The flag that changes it.
    pub flag: &'static str,
    /// Its value in this run.
    pub value: String,
    /// What it bounds.
    pub meaning: &'static str,
}

impl Thresholds {
    /// How many events the burst has.
    pub fn burst_events(&self) -> u64 {
        let ms = u64::try_from(self.burst_duration.as_millis()).unwrap_or(u64::MAX);
        u64::from(self.burst_rate).saturating_mul(ms) / 1000
    }

    /// How often the staying-alive case's server pings: a third of the idle
    /// timeout, so a client that answers is never idle that long.
    pub fn ping_interval(&self) -> Duration {
        (self.idle_timeout / 3).max(Duration::from_millis(1))
    }

    /// Every threshold, in the order the reports print them.
    pub fn rows(&self) -> Vec<ThresholdRow> {
        let ms = |d: Duration| {
            crate::scenario::duration::format_duration(
                u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            )
        };
        vec![
            ThresholdRow {
                flag: "--filter-deadline",
                value: ms(self.filter_deadline),
                meaning: "from the websocket opening to the first filter message",
            },
            ThresholdRow {
                flag: "--min-reconnect-interval",
                value: ms(self.min_reconnect_interval),
                meaning: "closest allowed gap between a close and an attempt, or two attempts",
            },
            ThresholdRow {
                flag: "--reconnect-deadline",
                value: ms(self.reconnect_deadline),
                meaning: "from a close to being connected again",
            },
            ThresholdRow {
                flag: "--refused-attempts",
                value: self.refused_attempts.to_string(),
                meaning: "reconnect attempts answered 503 before one is let through",
            },
            ThresholdRow {
                flag: "--burst-rate",
                value: format!("{} events/s", self.burst_rate),
                meaning: "rate of the keeping-up burst",
            },
            ThresholdRow {
                flag: "--burst-duration",
                value: ms(self.burst_duration),
                meaning: "length of the keeping-up burst",
            },
            ThresholdRow {
                flag: "--idle-timeout",
                value: ms(self.idle_timeout),
                meaning: "staying-alive case: silence that closes a connection (pings every third of it)",
            },
            ThresholdRow {
                flag: "--grace",
                value: ms(self.grace),
                meaning: "from SIGTERM to SIGKILL for a client started per case",
            },
            ThresholdRow {
                flag: "--patience",
                value: ms(self.patience),
                meaning: "wait for the first connection, a reply or a pong",
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_burst_is_ten_thousand_events() {
        assert_eq!(Thresholds::default().burst_events(), 10_000);
        assert_eq!(
            Thresholds::default().ping_interval(),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn every_threshold_is_printed_with_its_flag() {
        let rows = Thresholds::default().rows();
        assert_eq!(rows.len(), 9);
        assert!(
            rows.iter()
                .any(|r| r.flag == "--burst-rate" && r.value == "2000 events/s")
        );
        assert!(
            rows.iter()
                .any(|r| r.flag == "--filter-deadline" && r.value == "2s")
        );
    }
}
