//! `reception`: outside callers ring a receptionist, who answers, greets them and
//! transfers them to an idle target (or takes a message when every target is busy).

use super::caller::pick_caller;
use super::{Reception, Timers, Traffic, Turn};
use crate::model::{CallState, Command, Destination, Party};
use crate::rng::SimRng;

/// What a wake-up is for.
#[derive(Debug)]
enum Plan {
    /// The next caller arrives.
    Arrive,
    /// The receptionist picks up.
    Answer(String),
    /// The receptionist transfers the caller (or starts taking a message).
    Transfer(String),
    /// The transfer target picks up.
    TargetAnswer(String),
    /// The call ends.
    Hangup(String),
}

/// The running `reception` generator.
pub(crate) struct ReceptionTraffic {
    spec: Reception,
    rng: SimRng,
    label: String,
    calls_started: u64,
    timers: Timers<Plan>,
}

impl ReceptionTraffic {
    pub(crate) fn new(spec: Reception, rng: SimRng, label: String) -> Self {
        ReceptionTraffic {
            spec,
            rng,
            label,
            calls_started: 0,
            timers: Timers::default(),
        }
    }

    fn plan_next_arrival(&mut self, turn: &mut Turn<'_>, after_in_loop: u64) {
        let end = self.spec.window.end;
        if let Some(at) = self
            .spec
            .rate
            .next_arrival(&mut self.rng, after_in_loop, end)
        {
            self.timers.at(turn, turn.loop_start + at, Plan::Arrive);
        }
    }

    fn idle_among(turn: &Turn<'_>, extensions: &[String]) -> Vec<String> {
        extensions
            .iter()
            .filter(|e| turn.pbx().extension_is_idle(e))
            .cloned()
            .collect()
    }

    fn arrive(&mut self, turn: &mut Turn<'_>) {
        let free = Self::idle_among(turn, &self.spec.receptionists);
        // With every receptionist busy the caller gets a busy tone: no call at all.
        if !free.is_empty() {
            let receptionist = free[self.rng.index(free.len())].clone();
            self.calls_started += 1;
            let call = format!("{}-rx-{}", self.label, self.calls_started);
            let caller = pick_caller(&self.spec.callers, &mut self.rng);
            let dial = Command::Dial {
                call: call.clone(),
                from: Party::External {
                    number: caller.number,
                    name: caller.name,
                    did: self.spec.did.clone(),
                },
                to: Destination::Extension(receptionist),
            };
            if turn.apply(dial) {
                let ring = self.spec.ring_time.sample(&mut self.rng);
                self.timers.after(turn, ring, Plan::Answer(call));
            }
        }
        let now = turn.in_loop();
        self.plan_next_arrival(turn, now);
    }

    fn transfer(&mut self, call: String, turn: &mut Turn<'_>) {
        if turn.pbx().call_state(&call) != Some(CallState::Connected) {
            return;
        }
        let free = Self::idle_among(turn, &self.spec.targets);
        if free.is_empty() {
            let message = self.spec.message_time.sample(&mut self.rng);
            self.timers.after(turn, message, Plan::Hangup(call));
            return;
        }
        let target = free[self.rng.index(free.len())].clone();
        if !turn.apply(Command::Transfer {
            call: call.clone(),
            to: target,
        }) {
            return;
        }
        if self.rng.chance(self.spec.answer_probability) {
            let ring = self.spec.target_ring_time.sample(&mut self.rng);
            self.timers.after(turn, ring, Plan::TargetAnswer(call));
        } else {
            let ring = self.spec.give_up_after.sample(&mut self.rng);
            self.timers.after(turn, ring, Plan::Hangup(call));
        }
    }

    fn answer_ringing(&mut self, call: &str, turn: &mut Turn<'_>) -> bool {
        turn.pbx().call_state(call) == Some(CallState::Ringing)
            && turn.apply(Command::Answer {
                call: call.to_string(),
                by: None,
            })
    }
}

impl Traffic for ReceptionTraffic {
    fn begin_loop(&mut self, turn: &mut Turn<'_>) {
        self.timers.clear();
        let start = self.spec.window.start;
        self.plan_next_arrival(turn, start);
    }

    fn wake(&mut self, token: u64, turn: &mut Turn<'_>) {
        let Some(plan) = self.timers.take(token) else {
            return;
        };
        match plan {
            Plan::Arrive => self.arrive(turn),
            Plan::Answer(call) => {
                if self.answer_ringing(&call, turn) {
                    let greeting = self.spec.greeting.sample(&mut self.rng);
                    self.timers.after(turn, greeting, Plan::Transfer(call));
                }
            }
            Plan::Transfer(call) => self.transfer(call, turn),
            Plan::TargetAnswer(call) => {
                if self.answer_ringing(&call, turn) {
                    let talk = self.spec.talk_time.sample(&mut self.rng);
                    self.timers.after(turn, talk, Plan::Hangup(call));
                }
            }
            Plan::Hangup(call) => {
                if turn.pbx().call_state(&call).is_some() {
                    turn.apply(Command::Hangup { call });
                }
            }
        }
    }
}
