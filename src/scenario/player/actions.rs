//! Carrying out what is due: loop starts and ends, scripted steps, generator
//! wake-ups and pick-ups, each applied through the model and accounted for.

use super::due::{Action, Due};
use super::{KEPT_PROBLEMS, Player};
use crate::model::{Command, ModelError};
use crate::protocol::Event;
use crate::scenario::StepAction;
use crate::scenario::fault::PlacedFault;
use crate::scenario::generator::{Traffic, Turn};
use crate::scenario::limits::StopReason;
use crate::scenario::outcome::{GeneratorFault, RecordedCommand, StepFailure};

impl Player {
    pub(super) fn run(&mut self, due: Due, events: &mut Vec<Event>) {
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
            let step_at = at.saturating_add(self.scenario.steps[index].at_ms);
            self.push(step_at, Action::Step(index));
        }
        for generator in 0..self.generators.len() {
            self.with_turn(at, generator, events, |traffic, turn| {
                traffic.begin_loop(turn)
            });
        }
        if self.looping {
            self.push(at.saturating_add(self.scenario.length_ms), Action::LoopEnd);
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
        if let ModelError::LimitReached { .. } = err {
            let line = Some(step.line);
            self.stop(at, line, StopReason::Model(err.to_string()));
            return;
        }
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
                Err(err @ ModelError::LimitReached { .. }) => {
                    let line = Some(self.scenario.generators[generator].line);
                    self.stop(at, line, StopReason::Model(err.to_string()));
                }
                Err(err) => self.fault(at, generator, command, err.to_string()),
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

    pub(super) fn apply(
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
