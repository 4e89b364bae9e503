//! The player: runs a [`Scenario`] on a virtual clock, applying scripted steps and
//! generator actions to the model in time order.
//!
//! Everything due is kept in one priority queue ordered by (virtual ms, sequence
//! number), so actions at the same instant run in the order they were planned and
//! a run is the same on every machine.

mod actions;
mod due;
mod outside;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::ControlFlow;

use super::Scenario;
use super::budget::SecondBudget;
use super::fault::PlacedFault;
use super::generator::{self, Traffic};
use super::limits::{RunLimits, RunStop, StopReason};
use super::outcome::{GeneratorFault, RecordedCommand, StepFailure};
use super::pickup::PickUps;
use crate::model::{Command, Directory, ModelError, Pbx};
use crate::protocol::{Event, Profile};
use crate::rng::SimRng;
use due::{Action, Due};

/// How many step failures and generator faults are kept for inspection; later ones
/// are only counted.
const KEPT_PROBLEMS: usize = 100;

/// Runs a scenario on a virtual clock.
pub struct Player {
    scenario: Scenario,
    seed: u64,
    epoch_ms: i64,
    looping: bool,
    profile: Profile,
    /// Restarts so far ([`Player::restarted`]); the ids derive from it.
    restarts: u64,
    pbx: Pbx,
    queue: BinaryHeap<Reverse<Due>>,
    next_seq: u64,
    loop_index: u64,
    /// Virtual ms of the last batch: the moment outside commands are applied at.
    now_ms: u64,
    generators: Vec<Box<dyn Traffic>>,
    pickups: PickUps,
    /// Every applied command, when recording was asked for (it grows without bound,
    /// so a long-running server does not record).
    record: Option<Vec<RecordedCommand>>,
    step_failures: Vec<StepFailure>,
    step_failure_count: u64,
    faults: Vec<GeneratorFault>,
    fault_count: u64,
    /// Reused buffers for what a generator did during one wake-up.
    applied: Vec<(Command, Result<(), ModelError>)>,
    wakes: Vec<(u64, u64)>,
    /// Faults the scripted steps of the last batch asked for.
    faults_due: Vec<PlacedFault>,
    /// How much work the run may ask for.
    limits: RunLimits,
    /// Events and actions of the virtual second being played.
    budget: SecondBudget,
    /// Set when a limit stopped the run: nothing more is due.
    stopped: Option<RunStop>,
    /// Steps and generator wake-ups run so far, for budgets such as `check`'s.
    actions_run: u64,
}

impl Player {
    /// A player for `scenario` with the given seed; event times are `epoch_ms` plus
    /// virtual time. With `looping`, the scenario starts over after each `length`.
    ///
    /// # Errors
    /// The model refuses the scenario's directory.
    pub fn new(
        scenario: Scenario,
        seed: u64,
        epoch_ms: i64,
        profile: Profile,
        looping: bool,
    ) -> Result<Player, ModelError> {
        let directory = scenario.directory.clone();
        Player::with_directory(scenario, directory, seed, epoch_ms, profile, looping)
    }

    /// A player for `scenario` over `directory` instead of the scenario's own (an
    /// empty one for `serve --empty`, one loaded from a state file): its steps and
    /// generators act on whatever the directory holds when they run.
    ///
    /// # Errors
    /// The model refuses the directory.
    pub fn with_directory(
        scenario: Scenario,
        directory: Directory,
        seed: u64,
        epoch_ms: i64,
        profile: Profile,
        looping: bool,
    ) -> Result<Player, ModelError> {
        Player::build(scenario, directory, seed, epoch_ms, profile, looping, 0)
    }

    /// The same scenario and seed after a simulated server restart: it starts over
    /// from its beginning while event times go on from now, over the directory as it
    /// stands, and every object gets a new UUID (the core server too), as a real
    /// restart gives, except those whose ids were chosen through the Configuration
    /// API or loaded from a state file: they keep them. The new ids derive from the
    /// seed and the number of restarts, so a rerun restarts identically.
    ///
    /// # Errors
    /// The model refuses the directory (it accepted it before, so never).
    pub fn restarted(&self) -> Result<Player, ModelError> {
        let now = i64::try_from(self.now_ms).unwrap_or(i64::MAX);
        Ok(Player::build(
            self.scenario.clone(),
            self.pbx.restart_directory(),
            self.seed,
            self.epoch_ms.saturating_add(now),
            self.profile,
            self.looping,
            self.restarts + 1,
        )?
        .within(self.limits))
    }

    /// The same player under `limits` instead of the defaults: the model's size
    /// limits, and events and actions per virtual second (see [`RunLimits`]).
    #[must_use]
    pub fn within(mut self, limits: RunLimits) -> Player {
        self.limits = limits;
        self.pbx.set_limits(limits.calls);
        self
    }

    /// The limits the run plays under.
    pub fn limits(&self) -> &RunLimits {
        &self.limits
    }

    /// Steps and generator wake-ups run so far (the work a run has done).
    pub fn actions_run(&self) -> u64 {
        self.actions_run
    }

    /// Why the run stopped before its end, if a limit stopped it.
    pub fn stopped(&self) -> Option<&RunStop> {
        self.stopped.as_ref()
    }

    fn build(
        scenario: Scenario,
        directory: Directory,
        seed: u64,
        epoch_ms: i64,
        profile: Profile,
        looping: bool,
        restarts: u64,
    ) -> Result<Player, ModelError> {
        let ids_seed = if restarts == 0 {
            seed
        } else {
            SimRng::named(seed, &format!("restart {restarts}")).next_u64()
        };
        let pbx = Pbx::new(directory, ids_seed, profile)?;
        let generators = scenario
            .generators
            .iter()
            .enumerate()
            .map(|(index, spec)| generator::start(spec, index, seed))
            .collect();
        let pickups = PickUps::new(&scenario, seed);
        let mut player = Player {
            scenario,
            seed,
            epoch_ms,
            looping,
            profile,
            restarts,
            pbx,
            queue: BinaryHeap::new(),
            next_seq: 0,
            loop_index: 0,
            now_ms: 0,
            generators,
            pickups,
            record: None,
            step_failures: Vec::new(),
            step_failure_count: 0,
            faults: Vec::new(),
            fault_count: 0,
            applied: Vec::new(),
            wakes: Vec::new(),
            faults_due: Vec::new(),
            limits: RunLimits::default(),
            budget: SecondBudget::default(),
            stopped: None,
            actions_run: 0,
        };
        player.push(0, Action::LoopStart);
        Ok(player)
    }

    /// Keeps every applied command from now on (see [`Player::recorded`]).
    pub fn record_commands(&mut self) {
        self.record.get_or_insert_with(Vec::new);
    }

    /// Virtual ms since the start of the next batch of actions; `None` when the run
    /// is over (never while looping).
    pub fn next_due(&mut self) -> Option<u64> {
        if self.stopped.is_some() {
            return None;
        }
        let Reverse(top) = self.queue.peek()?;
        (self.looping || top.at <= self.scenario.length_ms).then_some(top.at)
    }

    /// Applies everything due at the next instant and returns the events it caused.
    /// The model's clock is set to `epoch + virtual ms` first.
    pub fn advance(&mut self) -> Vec<Event> {
        self.faults_due.clear();
        let mut events = Vec::new();
        let Some(at) = self.next_due() else {
            return events;
        };
        self.now_ms = at;
        self.pbx.set_time(self.epoch_ms.saturating_add(at as i64));
        while let Some(Reverse(top)) = self.queue.peek() {
            if top.at != at {
                break;
            }
            let Some(Reverse(due)) = self.queue.pop() else {
                break;
            };
            // The model's own loop start and wind-down are bounded by the directory
            // and the live calls; only the scenario's actions count.
            let counted = matches!(due.action, Action::Step(_) | Action::Wake { .. });
            if counted {
                self.actions_run += 1;
                if let Err(reason) = self.budget.action(at, &self.limits) {
                    self.stop(at, None, reason);
                    break;
                }
            }
            let before = events.len();
            self.run(due, &mut events);
            if self.stopped.is_some() {
                break;
            }
            if counted
                && let Err(reason) = self.budget.events(at, events.len() - before, &self.limits)
            {
                self.stop(at, None, reason);
                break;
            }
        }
        events
    }

    /// Ends the run at `at`: nothing more is due, and the plans are dropped so
    /// their memory goes. Only the first stop is kept.
    fn stop(&mut self, at: u64, line: Option<usize>, reason: StopReason) {
        if self.stopped.is_some() {
            return;
        }
        let stop = RunStop {
            path: self.scenario.path.clone(),
            line,
            at_ms: at,
            reason,
        };
        tracing::error!(%stop, "scenario run stopped at a limit");
        self.stopped = Some(stop);
        self.queue = BinaryHeap::new();
    }

    /// Runs until the next batch would be later than `until_ms` (virtual ms) or the
    /// run is over, handing each batch's events to `on_events`, which may stop early.
    pub fn run_until(
        &mut self,
        until_ms: u64,
        mut on_events: impl FnMut(&[Event]) -> ControlFlow<()>,
    ) {
        while self.next_due().is_some_and(|at| at <= until_ms) {
            let events = self.advance();
            if on_events(&events).is_break() {
                return;
            }
        }
    }

    /// The faults the scripted steps of the last batch asked for, each placed among
    /// its events; the next [`Player::advance`] forgets those not taken.
    pub fn take_faults(&mut self) -> Vec<PlacedFault> {
        std::mem::take(&mut self.faults_due)
    }

    /// How many simulated restarts this run has had.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// Virtual ms since the start of the run of the last batch applied.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Epoch milliseconds of virtual time zero: event `time` counts from it.
    pub fn epoch_ms(&self) -> i64 {
        self.epoch_ms
    }

    /// Whether the scenario starts over after each `length`.
    pub fn is_looping(&self) -> bool {
        self.looping
    }

    /// The model, read-only.
    pub fn pbx(&self) -> &Pbx {
        &self.pbx
    }

    /// The scenario being played.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The current loop (0 = the first run).
    pub fn loop_index(&self) -> u64 {
        self.loop_index
    }

    /// The applied commands, if recording (see [`Player::record_commands`]).
    pub fn recorded(&self) -> &[RecordedCommand] {
        self.record.as_deref().unwrap_or_default()
    }

    /// The first scripted steps the model refused.
    pub fn step_failures(&self) -> &[StepFailure] {
        &self.step_failures
    }

    /// How many scripted steps the model refused in all.
    pub fn step_failure_count(&self) -> u64 {
        self.step_failure_count
    }

    /// The first generator commands the model refused (bugs).
    pub fn generator_faults(&self) -> &[GeneratorFault] {
        &self.faults
    }

    /// How many generator commands the model refused in all.
    pub fn generator_fault_count(&self) -> u64 {
        self.fault_count
    }

    fn push(&mut self, at: u64, action: Action) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let loop_index = self.loop_index;
        self.queue.push(Reverse(Due {
            at,
            seq,
            loop_index,
            action,
        }));
    }
}
