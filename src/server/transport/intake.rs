//! The decision taken at accept time, before a byte is read: is the source
//! address allowed, is there room for one more pending connection (in all and
//! from this address), and is there a file descriptor to spare. A connection
//! that passes holds a [`PendingSlot`] until one of its requests is admitted
//! (then it is no longer anonymous) or it closes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::time::Instant;

use crate::server::http::admission::cidr::Cidr;
use crate::server::stats::Stats;

use super::burst_log::BurstLog;
use super::limits::TransportLimits;

/// Why a connection was closed at accept time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turnaway {
    /// The source address is outside the allow-list.
    Address,
    /// `max_pending` connections are pending already.
    PendingTotal,
    /// `max_pending_per_address` connections from this address are pending.
    PendingPerAddress,
    /// Every descriptor but the reserve is in use.
    Descriptors,
}

impl Turnaway {
    /// Every kind, for per-kind state.
    const ALL: [Turnaway; 4] = [
        Turnaway::Address,
        Turnaway::PendingTotal,
        Turnaway::PendingPerAddress,
        Turnaway::Descriptors,
    ];

    fn index(self) -> usize {
        match self {
            Turnaway::Address => 0,
            Turnaway::PendingTotal => 1,
            Turnaway::PendingPerAddress => 2,
            Turnaway::Descriptors => 3,
        }
    }

    /// What was over its limit, for the log.
    fn describe(self) -> &'static str {
        match self {
            Turnaway::Address => "source address not in the allow-list (--allow)",
            Turnaway::PendingTotal => "too many connections not yet authenticated (--max-pending)",
            Turnaway::PendingPerAddress => {
                "too many connections not yet authenticated from one address (--max-pending-per-address)"
            }
            Turnaway::Descriptors => {
                "file descriptors nearly used up (the descriptor limit less --fd-reserve)"
            }
        }
    }
}

/// Pending connections, in all and per source address.
#[derive(Debug, Default)]
struct Pending {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// The accept-time rules of one server.
#[derive(Debug)]
pub struct Intake {
    allow: Vec<Cidr>,
    limits: TransportLimits,
    /// Most connections open at once (descriptor limit less the reserve).
    max_open: Option<u64>,
    pending: Mutex<Pending>,
    stats: Arc<Stats>,
    bursts: [BurstLog; Turnaway::ALL.len()],
}

impl Intake {
    /// Rules for `allow` and `limits`; `max_open` bounds the connections open at
    /// once, counted in `stats`.
    pub fn new(
        allow: Vec<Cidr>,
        limits: TransportLimits,
        max_open: Option<u64>,
        stats: Arc<Stats>,
    ) -> Arc<Intake> {
        Arc::new(Intake {
            allow,
            limits,
            max_open,
            pending: Mutex::new(Pending::default()),
            stats,
            bursts: Default::default(),
        })
    }

    /// Decides a connection just accepted from `peer`: a slot it holds while
    /// pending, or why it is turned away (counted and logged once per burst).
    ///
    /// # Errors
    /// The [`Turnaway`] to close the connection for.
    pub fn admit(self: &Arc<Self>, peer: SocketAddr) -> Result<Arc<PendingSlot>, Turnaway> {
        let ip = peer.ip().to_canonical();
        let decided = self.decide(ip);
        if let Err(turnaway) = decided {
            self.count(turnaway, peer);
        }
        decided
    }

    fn decide(self: &Arc<Self>, ip: IpAddr) -> Result<Arc<PendingSlot>, Turnaway> {
        // `contains` reads IPv4-mapped addresses either way round.
        if !self.allow.iter().any(|cidr| cidr.contains(ip)) {
            return Err(Turnaway::Address);
        }
        let open = self.stats.open_connections();
        if self.max_open.is_some_and(|max| open >= max) {
            return Err(Turnaway::Descriptors);
        }
        let mut pending = self.lock();
        if pending.total >= self.limits.max_pending {
            return Err(Turnaway::PendingTotal);
        }
        let from_here = pending.by_address.entry(ip).or_default();
        if *from_here >= self.limits.max_pending_per_address {
            return Err(Turnaway::PendingPerAddress);
        }
        *from_here += 1;
        pending.total += 1;
        Stats::bump(&self.stats.pending_connections);
        Ok(Arc::new(PendingSlot {
            intake: Arc::clone(self),
            ip,
            released: AtomicBool::new(false),
        }))
    }

    fn count(&self, turnaway: Turnaway, peer: SocketAddr) {
        let stats = &self.stats;
        Stats::bump(match turnaway {
            Turnaway::Address => &stats.refused_address,
            Turnaway::PendingTotal => &stats.refused_pending_limit,
            Turnaway::PendingPerAddress => &stats.refused_pending_per_address,
            Turnaway::Descriptors => &stats.refused_descriptor_limit,
        });
        if let Some(refused) = self.bursts[turnaway.index()].note(Instant::now()) {
            tracing::warn!(
                peer = %peer,
                refused,
                "closing connections at accept: {}; more within 10s are counted in /sim/status, not logged",
                turnaway.describe()
            );
        }
    }

    /// Pending connections now, in all.
    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.lock().total
    }

    fn release(&self, ip: IpAddr) {
        self.stats
            .pending_connections
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        let mut pending = self.lock();
        pending.total = pending.total.saturating_sub(1);
        if let Some(count) = pending.by_address.get_mut(&ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                pending.by_address.remove(&ip);
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One pending connection's place; given back once, when a request of the
/// connection is admitted or when the connection ends.
#[derive(Debug)]
pub struct PendingSlot {
    intake: Arc<Intake>,
    ip: IpAddr,
    released: AtomicBool,
}

impl PendingSlot {
    /// The connection is no longer pending: a request of it was admitted.
    pub fn release(&self) {
        if !self.released.swap(true, Ordering::AcqRel) {
            self.intake.release(self.ip);
        }
    }
}

impl Drop for PendingSlot {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intake(limits: TransportLimits, max_open: Option<u64>) -> Arc<Intake> {
        Intake::new(
            Cidr::loopback(),
            limits,
            max_open,
            Arc::new(Stats::default()),
        )
    }

    fn peer(last: u8) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, last], 40000))
    }

    #[test]
    fn pending_connections_are_bounded_per_address_and_in_all() {
        let limits = TransportLimits {
            max_pending: 3,
            max_pending_per_address: 2,
            ..TransportLimits::default()
        };
        let intake = intake(limits, None);

        let a1 = intake.admit(peer(2));
        let a2 = intake.admit(peer(2));
        let a3 = intake.admit(peer(2));
        let b1 = intake.admit(peer(3));
        let c1 = intake.admit(peer(4));
        if let Ok(slot) = &a1 {
            slot.release();
        }
        let c2 = intake.admit(peer(4));

        assert!(a1.is_ok() && a2.is_ok() && b1.is_ok());
        assert_eq!(a3.err(), Some(Turnaway::PendingPerAddress));
        assert_eq!(c1.err(), Some(Turnaway::PendingTotal));
        assert!(c2.is_ok(), "an admitted connection gave its place back");
        assert_eq!(intake.pending(), 3);
        drop((a2, b1, c2));
        assert_eq!(intake.pending(), 0, "dropping gives back too, once");
    }

    #[test]
    fn refused_addresses_and_a_full_descriptor_table_are_turned_away() {
        let intake = intake(TransportLimits::default(), Some(0));
        let outside = SocketAddr::from(([192, 0, 2, 1], 1));

        assert_eq!(intake.admit(outside).err(), Some(Turnaway::Address));
        assert_eq!(intake.admit(peer(1)).err(), Some(Turnaway::Descriptors));
        let snapshot = intake.stats.snapshot();
        assert_eq!(
            (snapshot.refused_address, snapshot.refused_descriptor_limit),
            (1, 1)
        );
    }
}
