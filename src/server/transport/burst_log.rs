//! Logging a refusal once per burst, not once per socket: a flood of thousands
//! of connections must not become thousands of log lines (and the cost of
//! writing them). The first refusal of a kind is logged at once; later ones
//! within [`QUIET`] are counted, and the count goes out with the next line.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Refusals of one kind this close together belong to one burst.
pub const QUIET: Duration = Duration::from_secs(10);

/// One kind of refusal's log state.
#[derive(Debug, Default)]
pub struct BurstLog {
    state: Mutex<Option<Burst>>,
}

#[derive(Debug)]
struct Burst {
    /// When the last line went out.
    logged_at: Instant,
    /// Refusals since then that were not logged.
    unlogged: u64,
}

impl BurstLog {
    /// Notes one refusal; `Some(n)` when a line should be logged now, `n` being
    /// the refusals it stands for (this one and those not logged before it).
    pub fn note(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.as_mut() {
            Some(burst) if now.saturating_duration_since(burst.logged_at) < QUIET => {
                burst.unlogged += 1;
                None
            }
            Some(burst) => {
                let stands_for = burst.unlogged + 1;
                *burst = Burst {
                    logged_at: now,
                    unlogged: 0,
                };
                Some(stands_for)
            }
            None => {
                *state = Some(Burst {
                    logged_at: now,
                    unlogged: 0,
                });
                Some(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_one_line_and_the_next_line_counts_the_rest() {
        let log = BurstLog::default();
        let start = Instant::now();

        let first = log.note(start);
        let quiet: Vec<_> = (1..1000)
            .map(|ms| log.note(start + Duration::from_millis(ms)))
            .collect();
        let next = log.note(start + QUIET + Duration::from_millis(1));

        assert_eq!(first, Some(1));
        assert!(quiet.iter().all(Option::is_none));
        assert_eq!(next, Some(1000), "999 unlogged and this one");
    }
}
