//! Random durations and arrival times, sampled on [`SimRng`] with our own code so
//! that a seed gives the same run whatever version of `rand` is linked.

use std::fmt;

use crate::rng::SimRng;
use crate::scenario::duration::format_duration;

const MS_PER_HOUR: u64 = 3_600_000;

/// How long something takes (talk time, patience, ring time...), in virtual ms.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Always the same.
    Fixed(u64),
    /// Evenly spread between `min` and `max` (inclusive).
    Uniform {
        /// Shortest.
        min: u64,
        /// Longest.
        max: u64,
    },
    /// Exponential with the given mean, clamped to `[min, max]`.
    Exponential {
        /// Mean before clamping.
        mean: u64,
        /// Shortest.
        min: u64,
        /// Longest.
        max: u64,
    },
    /// Log-normal: half the values are below `median`; `sigma` is the spread of the
    /// logarithm. Clamped to `[min, max]`.
    LogNormal {
        /// Median before clamping.
        median: u64,
        /// Standard deviation of ln(value).
        sigma: f64,
        /// Shortest.
        min: u64,
        /// Longest.
        max: u64,
    },
}

impl Distribution {
    /// Evenly between two bounds.
    pub const fn uniform(min: u64, max: u64) -> Self {
        Distribution::Uniform { min, max }
    }

    /// Exponential with a mean and clamps.
    pub const fn exponential(mean: u64, min: u64, max: u64) -> Self {
        Distribution::Exponential { mean, min, max }
    }

    /// Draws one value in milliseconds.
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        match *self {
            Distribution::Fixed(ms) => ms,
            Distribution::Uniform { min, max } => rng.between(min, max),
            Distribution::Exponential { mean, min, max } => {
                clamp(rng.exponential(mean as f64), min, max)
            }
            Distribution::LogNormal {
                median,
                sigma,
                min,
                max,
            } => clamp(
                median as f64 * libm::exp(sigma * standard_normal(rng)),
                min,
                max,
            ),
        }
    }
}

/// As the docs show a default: "uniform 2s-10s", "exponential, mean 3m, 20s-30m".
impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |ms: u64| format_duration(ms);
        match *self {
            Distribution::Fixed(ms) => write!(f, "fixed {}", d(ms)),
            Distribution::Uniform { min, max } => write!(f, "uniform {}-{}", d(min), d(max)),
            Distribution::Exponential { mean, min, max } => {
                write!(f, "exponential, mean {}, {}-{}", d(mean), d(min), d(max))
            }
            Distribution::LogNormal {
                median,
                sigma,
                min,
                max,
            } => write!(
                f,
                "lognormal, median {}, sigma {sigma}, {}-{}",
                d(median),
                d(min),
                d(max)
            ),
        }
    }
}

fn clamp(value: f64, min: u64, max: u64) -> u64 {
    // `as` saturates for out-of-range floats, and NaN becomes 0 before the clamp.
    (value.round() as u64).clamp(min, max.max(min))
}

/// A standard normal draw (Box-Muller, one of the pair). `libm`, not the
/// platform's maths library, so the same seed gives the same draw on every machine.
fn standard_normal(rng: &mut SimRng) -> f64 {
    let u1 = 1.0 - rng.unit(); // in (0, 1]: ln is finite
    let u2 = rng.unit();
    (-2.0 * libm::log(u1)).sqrt() * libm::cos(std::f64::consts::TAU * u2)
}

/// How often something arrives: a Poisson process whose rate may change every hour.
#[derive(Debug, Clone, PartialEq)]
pub enum Rate {
    /// The same rate all the time.
    PerHour(f64),
    /// One rate per hour since the start of the run; later hours have none.
    Hourly(Vec<f64>),
}

impl Rate {
    /// Arrivals per hour during the hour that contains `at` (ms since start of the loop).
    fn at(&self, at: u64) -> f64 {
        match self {
            Rate::PerHour(rate) => *rate,
            Rate::Hourly(rates) => {
                let hour = usize::try_from(at / MS_PER_HOUR).unwrap_or(usize::MAX);
                rates.get(hour).copied().unwrap_or(0.0)
            }
        }
    }

    /// The next arrival strictly after `after` and before `until` (both ms since the
    /// start of the loop), or `None`.
    pub fn next_arrival(&self, rng: &mut SimRng, after: u64, until: u64) -> Option<u64> {
        let mut from = after;
        // The process is memoryless: when a draw runs past the end of its hour, start
        // afresh at the hour boundary with the next hour's rate.
        while from < until {
            let hour_end = (from / MS_PER_HOUR + 1) * MS_PER_HOUR;
            let rate = self.at(from);
            if rate > 0.0 {
                let gap = rng.exponential(MS_PER_HOUR as f64 / rate).round().max(1.0) as u64;
                let at = from.saturating_add(gap);
                if at < hour_end.min(until) {
                    return Some(at);
                }
            }
            from = hour_end;
        }
        None
    }
}

/// The part of each loop in which something happens: `[start, end)` in ms since the
/// start of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First moment.
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
}

impl Window {
    /// A uniformly random moment in the window.
    pub fn pick(&self, rng: &mut SimRng) -> u64 {
        rng.between(self.start, self.end.saturating_sub(1).max(self.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_respect_their_bounds() {
        let mut rng = SimRng::named(3, "test");
        let shapes = [
            Distribution::Fixed(5),
            Distribution::uniform(10, 20),
            Distribution::exponential(1_000, 100, 5_000),
            Distribution::LogNormal {
                median: 60_000,
                sigma: 0.8,
                min: 10_000,
                max: 600_000,
            },
        ];
        for shape in &shapes {
            for _ in 0..2_000 {
                let v = shape.sample(&mut rng);
                let (lo, hi) = match *shape {
                    Distribution::Fixed(ms) => (ms, ms),
                    Distribution::Uniform { min, max }
                    | Distribution::Exponential { min, max, .. }
                    | Distribution::LogNormal { min, max, .. } => (min, max),
                };
                assert!((lo..=hi).contains(&v), "{shape:?} gave {v}");
            }
        }
    }

    #[test]
    fn lognormal_median_is_about_right() {
        let mut rng = SimRng::named(4, "test");
        let shape = Distribution::LogNormal {
            median: 100_000,
            sigma: 0.5,
            min: 0,
            max: u64::MAX,
        };
        let mut values: Vec<u64> = (0..4_001).map(|_| shape.sample(&mut rng)).collect();
        values.sort_unstable();
        let median = values[2_000];
        assert!((90_000..110_000).contains(&median), "median {median}");
    }

    #[test]
    fn poisson_count_matches_the_rate_and_hourly_profile_is_followed() {
        let mut rng = SimRng::named(5, "test");
        let rate = Rate::Hourly(vec![0.0, 600.0]);
        let mut arrivals = Vec::new();
        let mut at = 0;
        while let Some(next) = rate.next_arrival(&mut rng, at, 3 * MS_PER_HOUR) {
            arrivals.push(next);
            at = next;
        }
        assert!(
            arrivals
                .iter()
                .all(|a| (MS_PER_HOUR..2 * MS_PER_HOUR).contains(a))
        );
        assert!(
            (500..700).contains(&arrivals.len()),
            "{} arrivals",
            arrivals.len()
        );
    }
}
