//! The player: runs a [`Scenario`] on a virtual clock, applying scripted steps and
//! generator actions to the model in time order.
//!
//! Everything due is kept in one priority queue ordered by (virtual ms, sequence
//! number), so actions at the same instant run in the order they were planned and
//! a run is the same on every machine.

mod outside;

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::ops::ControlFlow;

use super::fault::PlacedFault;
use super::generator::{self, Traffic, Turn};
use super::outcome::{GeneratorFault, RecordedCommand, StepFailure};
use super::pickup::{PickUp, PickUps};
use super::{Scenario, StepAction};
use crate::model::{Command, Directory, ModelError, Pbx};
use crate::protocol::{Event, Profile};
use crate::rng::SimRng;

/// How many step failures and generator faults are kept for inspection; later ones
/// are only counted.
const KEPT_PROBLEMS: usize = 100;

/// Something due at a virtual instant.
#[derive(Debug)]
enum Action {
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
struct Due {
    at: u64,
    seq: u64,
    loop_index: u64,
    action: Action,
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
    applied: Vec<(Command, Result<(), String>)>,
    wakes: Vec<(u64, u64)>,
    /// Faults the scripted steps of the last batch asked for.
    faults_due: Vec<PlacedFault>,
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
        Player::build(
            self.scenario.clone(),
            self.pbx.restart_directory(),
            self.seed,
            self.epoch_ms.saturating_add(now),
            self.profile,
            self.looping,
            self.restarts + 1,
        )
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
            self.run(due, &mut events);
        }
        events
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

    fn run(&mut self, due: Due, events: &mut Vec<Event>) {
        let stale = due.loop_index != self.loop_index;
        match due.action {
            Action::LoopStart => self.start_loop(due.at, events),
            Action::LoopEnd => {
                for command in self.pbx.wind_down() {
                    if let Err(err) = self.apply(due.at, command, events) {
                        // The model's own wind-down refused: as much a bug as a generator's.
                        tracing::error!(error = %err, "wind-down command refused by the model");
                    }
                }
                self.loop_index += 1;
                self.start_loop(due.at, events);
            }
            Action::Step(_) | Action::Wake { .. } | Action::PickUp(_) if stale => {}
            Action::Step(index) => self.run_step(due.at, index, events),
            Action::Wake { generator, token } => self.wake(due.at, generator, token, events),
            Action::PickUp(pickup) => {
                if let Some(answer) = pickup.answer(&self.pbx)
                    && let Err(err) = self.apply(due.at, answer, events)
                {
                    tracing::warn!(error = %err, "a simulated pick-up was refused");
                }
            }
        }
    }

    fn start_loop(&mut self, at: u64, events: &mut Vec<Event>) {
        for index in 0..self.scenario.steps.len() {
            let step_at = at + self.scenario.steps[index].at_ms;
            self.push(step_at, Action::Step(index));
        }
        for generator in 0..self.generators.len() {
            self.with_turn(at, generator, events, |traffic, turn| {
                traffic.begin_loop(turn)
            });
        }
        if self.looping {
            self.push(at + self.scenario.length_ms, Action::LoopEnd);
        }
    }

    fn run_step(&mut self, at: u64, index: usize, events: &mut Vec<Event>) {
        let command = match &self.scenario.steps[index].action {
            StepAction::Command(command) => command.clone(),
            StepAction::Fault(request) => {
                self.faults_due.push(PlacedFault {
                    after_events: events.len(),
                    request: request.clone(),
                });
                return;
            }
        };
        let action = command.action_name();
        let Err(err) = self.apply(at, command, events) else {
            return;
        };
        let step = &self.scenario.steps[index];
        let failure = StepFailure {
            path: self.scenario.path.clone(),
            line: step.line,
            at_text: step.at_text.clone(),
            action,
            loop_index: self.loop_index,
            reason: err.to_string(),
        };
        if self.looping {
            tracing::warn!(%failure, "scripted step refused");
        }
        self.step_failure_count += 1;
        if self.step_failures.len() < KEPT_PROBLEMS {
            self.step_failures.push(failure);
        }
    }

    fn wake(&mut self, at: u64, generator: usize, token: u64, events: &mut Vec<Event>) {
        self.with_turn(at, generator, events, |traffic, turn| {
            traffic.wake(token, turn)
        });
    }

    /// Lets generator number `generator` act at `at`, then records what it applied and
    /// plans the wake-ups it asked for.
    fn with_turn(
        &mut self,
        at: u64,
        generator: usize,
        events: &mut Vec<Event>,
        act: impl FnOnce(&mut dyn Traffic, &mut Turn<'_>),
    ) {
        let length = self.scenario.length_ms;
        let loop_start = self.loop_index.saturating_mul(length);
        let mut turn = Turn {
            now: at,
            loop_start,
            loop_end: loop_start.saturating_add(length),
            pbx: &mut self.pbx,
            applied: &mut self.applied,
            events,
            wakes: &mut self.wakes,
        };
        act(self.generators[generator].as_mut(), &mut turn);
        let mut applied = std::mem::take(&mut self.applied);
        for (command, outcome) in applied.drain(..) {
            match outcome {
                Ok(()) => {
                    if let Some(record) = &mut self.record {
                        record.push(RecordedCommand { at_ms: at, command });
                    }
                }
                Err(reason) => self.fault(at, generator, command, reason),
            }
        }
        let mut wakes = std::mem::take(&mut self.wakes);
        for (wake_at, token) in wakes.drain(..) {
            self.push(wake_at, Action::Wake { generator, token });
        }
        // Hand the buffers back so their capacity is reused.
        self.applied = applied;
        self.wakes = wakes;
    }

    fn fault(&mut self, at: u64, generator: usize, command: Command, reason: String) {
        let spec = &self.scenario.generators[generator];
        let fault = GeneratorFault {
            path: self.scenario.path.clone(),
            line: spec.line,
            kind: spec.kind.name(),
            at_ms: at,
            command,
            reason,
            seed: self.seed,
        };
        tracing::error!(%fault, "generator bug");
        self.fault_count += 1;
        if self.faults.len() < KEPT_PROBLEMS {
            self.faults.push(fault);
        }
    }

    fn apply(
        &mut self,
        at: u64,
        command: Command,
        events: &mut Vec<Event>,
    ) -> Result<(), ModelError> {
        let caused = self.pbx.apply(&command)?;
        events.extend(caused);
        if let Some(record) = &mut self.record {
            record.push(RecordedCommand { at_ms: at, command });
        }
        Ok(())
    }
}
