//! What comes from outside the scenario: REST actions and Configuration API
//! changes, applied at the moment the clock stands, between batches.

use std::cmp::Reverse;

use super::{Action, Player};
use crate::model::{Command, Configured, DirectoryChange, DirectoryError, ModelError};
use crate::protocol::Event;

impl Player {
    /// Applies a command from outside the scenario (a REST action) at the current
    /// virtual time, recorded like the scenario's own; generators see its effects
    /// when they next look at the model. A call it leaves ringing at an extension
    /// is picked up after a ring time (`scenario::pickup`).
    ///
    /// # Errors
    /// The model refuses the command; nothing changed.
    pub fn apply_outside(&mut self, command: Command) -> Result<Vec<Event>, ModelError> {
        let mut events = Vec::new();
        self.apply(self.now_ms, command.clone(), &mut events)?;
        if let Some((delay, pickup)) = self.pickups.plan(&self.pbx, &command) {
            self.push(self.now_ms.saturating_add(delay), Action::PickUp(pickup));
        }
        Ok(events)
    }

    /// Applies a command from outside at virtual `at_ms`, as [`Player::apply_outside`]
    /// does. The moment is held between the last batch and the next due one, so
    /// event times never go back and scheduled batches never run in the past.
    ///
    /// # Errors
    /// The model refuses the command; nothing changed but the model's clock.
    pub fn apply_outside_at(
        &mut self,
        at_ms: u64,
        command: Command,
    ) -> Result<Vec<Event>, ModelError> {
        self.hold_clock_at(at_ms);
        self.apply_outside(command)
    }

    /// Sets the model's clock to `at_ms`, held between the last batch and the next
    /// due one, so event times never go back and batches never run in the past.
    fn hold_clock_at(&mut self, at_ms: u64) {
        let next = self.queue.peek().map_or(u64::MAX, |Reverse(due)| due.at);
        let at = at_ms.min(next).max(self.now_ms);
        self.now_ms = at;
        let offset = i64::try_from(at).unwrap_or(i64::MAX);
        self.pbx.set_time(self.epoch_ms.saturating_add(offset));
    }

    /// Applies a directory change (the Configuration API) at virtual `at_ms`, held
    /// between batches as [`Player::apply_outside_at`] holds commands. Steps and
    /// generators act on the changed directory from their next turn on.
    ///
    /// # Errors
    /// The model refuses the change; nothing changed but the model's clock.
    pub fn configure_outside_at(
        &mut self,
        at_ms: u64,
        change: &DirectoryChange,
    ) -> Result<Configured, DirectoryError> {
        self.hold_clock_at(at_ms);
        self.pbx.configure(change)
    }
}
