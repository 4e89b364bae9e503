//! What a running generator is given and keeps: a [`Turn`] to read the model
//! and apply commands, the [`Traffic`] trait the player drives, and [`Timers`]
//! for its wake-ups. A leaf: every generator kind imports it while `mod.rs`
//! builds them.

use std::collections::BTreeMap;

use crate::model::{Command, ModelError, Pbx};
use crate::protocol::Event;

/// What a generator may do during one wake-up: read the model, apply commands, and
/// ask to be woken again.
pub(crate) struct Turn<'a> {
    /// Virtual ms since the start of the run.
    pub now: u64,
    /// When the current loop started (virtual ms since the start of the run).
    pub loop_start: u64,
    /// When the current loop ends; wake-ups from then on are dropped, because the
    /// player winds the PBX down at that moment.
    pub loop_end: u64,
    pub(crate) pbx: &'a mut Pbx,
    pub(crate) applied: &'a mut Vec<(Command, Result<(), ModelError>)>,
    pub(crate) events: &'a mut Vec<Event>,
    pub(crate) wakes: &'a mut Vec<(u64, u64)>,
}

impl Turn<'_> {
    /// The model, read-only.
    pub fn pbx(&self) -> &Pbx {
        self.pbx
    }

    /// Virtual ms since the start of the current loop.
    pub fn in_loop(&self) -> u64 {
        self.now - self.loop_start
    }

    /// Applies a command. A refusal is a generator bug: it is reported to the player,
    /// which surfaces it, and `false` is returned so the generator can drop the plan.
    pub fn apply(&mut self, command: Command) -> bool {
        let outcome = match self.pbx.apply(&command) {
            Ok(events) => {
                self.events.extend(events);
                Ok(())
            }
            Err(err) => Err(err),
        };
        let ok = outcome.is_ok();
        self.applied.push((command, outcome));
        ok
    }

    /// Asks for a wake-up with `token` at `at` (virtual ms since the start of the
    /// run); `false` when that is past the end of the loop and nothing was scheduled.
    fn wake_at(&mut self, at: u64, token: u64) -> bool {
        if at >= self.loop_end {
            return false;
        }
        self.wakes.push((at.max(self.now), token));
        true
    }
}

/// A running generator.
pub(crate) trait Traffic: Send {
    /// A loop starts at `turn.now`: forget the previous loop and plan this one.
    fn begin_loop(&mut self, turn: &mut Turn<'_>);
    /// A wake-up this generator asked for is due.
    fn wake(&mut self, token: u64, turn: &mut Turn<'_>);
}

/// A generator's pending wake-ups, each carrying what to do.
#[derive(Debug)]
pub(crate) struct Timers<T> {
    next_token: u64,
    pending: BTreeMap<u64, T>,
}

impl<T> Default for Timers<T> {
    fn default() -> Self {
        Timers {
            next_token: 0,
            pending: BTreeMap::new(),
        }
    }
}

impl<T> Timers<T> {
    /// Plans `what` at `at` (virtual ms since the start of the run); dropped when past
    /// the end of the loop.
    pub fn at(&mut self, turn: &mut Turn<'_>, at: u64, what: T) {
        let token = self.next_token;
        self.next_token += 1;
        if turn.wake_at(at, token) {
            self.pending.insert(token, what);
        }
    }

    /// Plans `what` `delay` ms from now.
    pub fn after(&mut self, turn: &mut Turn<'_>, delay: u64, what: T) {
        let at = turn.now.saturating_add(delay);
        self.at(turn, at, what);
    }

    /// The plan for a due token.
    pub fn take(&mut self, token: u64) -> Option<T> {
        self.pending.remove(&token)
    }

    /// Forgets every plan (a new loop starts).
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}
