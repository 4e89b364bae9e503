//! The connection limit (`--max-connections`): a slot is taken before the upgrade
//! and held by the session, so a refusal is a plain 503 the client can read, never
//! a websocket that opens and closes at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts websocket connections against an optional maximum.
#[derive(Debug)]
pub struct ConnectionLimit {
    max: Option<usize>,
    /// Slots taken: sessions running plus upgrades under way.
    taken: AtomicUsize,
}

impl ConnectionLimit {
    /// A limit of `max` connections; `None` for no limit (slots are still counted).
    pub fn new(max: Option<usize>) -> Arc<ConnectionLimit> {
        Arc::new(ConnectionLimit {
            max,
            taken: AtomicUsize::new(0),
        })
    }

    /// The maximum, if any.
    pub fn max(&self) -> Option<usize> {
        self.max
    }

    /// Takes a slot; `None` when every slot is taken. The slot is given back when
    /// the permit drops: when the session ends, or when the upgrade fails and warp
    /// drops the session it never started.
    pub fn try_acquire(self: &Arc<Self>) -> Option<ConnectionPermit> {
        let max = self.max.unwrap_or(usize::MAX);
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < max).then_some(taken + 1)
            })
            .ok()?;
        Some(ConnectionPermit(Arc::clone(self)))
    }
}

/// One taken slot; dropping it gives the slot back.
#[derive(Debug)]
pub struct ConnectionPermit(Arc<ConnectionLimit>);

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        self.0.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_refused_at_the_limit_and_given_back_on_drop() {
        let limit = ConnectionLimit::new(Some(2));

        let first = limit.try_acquire();
        let second = limit.try_acquire();
        let third = limit.try_acquire();
        drop(first);
        let again = limit.try_acquire();

        assert!(second.is_some() && third.is_none() && again.is_some());
    }

    #[test]
    fn no_limit_never_refuses() {
        let limit = ConnectionLimit::new(None);
        let permits: Vec<_> = (0..1000).filter_map(|_| limit.try_acquire()).collect();
        assert_eq!(permits.len(), 1000);
    }
}
