//! The player's per-second budget: events and actions counted per virtual second
//! against [`RunLimits`], so a scenario that asks for unbounded work in one
//! instant (or one second) is stopped instead of played.

use super::limits::{RunLimits, StopReason};

/// Events and actions of the virtual second being played.
#[derive(Debug, Clone, Default)]
pub(crate) struct SecondBudget {
    /// The virtual second counted (ms / 1000).
    second: u64,
    events: u64,
    actions: u64,
}

impl SecondBudget {
    /// Counts one action at `at_ms`.
    ///
    /// # Errors
    /// The reason to stop, once the second holds more than the limit.
    pub(crate) fn action(&mut self, at_ms: u64, limits: &RunLimits) -> Result<(), StopReason> {
        self.roll(at_ms);
        self.actions += 1;
        if self.actions > limits.max_actions_per_second {
            return Err(StopReason::ActionsPerSecond(limits.max_actions_per_second));
        }
        Ok(())
    }

    /// Counts `n` events at `at_ms`.
    ///
    /// # Errors
    /// The reason to stop, once the second holds more than the limit.
    pub(crate) fn events(
        &mut self,
        at_ms: u64,
        n: usize,
        limits: &RunLimits,
    ) -> Result<(), StopReason> {
        self.roll(at_ms);
        self.events = self.events.saturating_add(n as u64);
        if self.events > limits.max_events_per_second {
            return Err(StopReason::EventsPerSecond(limits.max_events_per_second));
        }
        Ok(())
    }

    fn roll(&mut self, at_ms: u64) {
        let second = at_ms / 1000;
        if second != self.second {
            *self = SecondBudget {
                second,
                ..SecondBudget::default()
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_virtual_second_has_its_own_budget() {
        let limits = RunLimits {
            max_actions_per_second: 2,
            max_events_per_second: 3,
            ..RunLimits::default()
        };
        let mut budget = SecondBudget::default();

        assert!(budget.action(10, &limits).is_ok());
        assert!(budget.action(999, &limits).is_ok());
        assert_eq!(
            budget.action(999, &limits),
            Err(StopReason::ActionsPerSecond(2))
        );
        assert!(budget.action(1000, &limits).is_ok(), "a new second");
        assert!(budget.events(1000, 3, &limits).is_ok());
        assert_eq!(
            budget.events(1999, 1, &limits),
            Err(StopReason::EventsPerSecond(3))
        );
    }
}
