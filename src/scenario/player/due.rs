//! What the player's queue holds: actions due at a virtual instant, ordered by
//! (virtual ms, sequence number) so same-instant actions keep their planned order.

use std::cmp::Ordering;

use crate::scenario::pickup::PickUp;

/// Something due at a virtual instant.
#[derive(Debug)]
pub(super) enum Action {
    /// A loop begins: plan its steps and generators.
    LoopStart,
    /// A loop ends: wind the PBX down, then begin the next loop.
    LoopEnd,
    /// Scripted step number `index` (in `Scenario::steps`).
    Step(usize),
    /// Generator number `generator` asked to be woken with `token`.
    Wake { generator: usize, token: u64 },
    /// A simulated person picks up a call a REST action made ring.
    PickUp(PickUp),
}

#[derive(Debug)]
pub(super) struct Due {
    pub(super) at: u64,
    pub(super) seq: u64,
    pub(super) loop_index: u64,
    pub(super) action: Action,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}
