//! `internal_calls`: logged-in users call each other from their extensions (and,
//! for a share of the calls, outside numbers); some calls go unanswered.

use super::{InternalCalls, Timers, Traffic, Turn};
use crate::model::{CallState, Command, Destination, Party};
use crate::rng::SimRng;

/// What a wake-up is for.
#[derive(Debug)]
enum Plan {
    /// The next call starts.
    Start,
    /// The called side picks up.
    Answer(String),
    /// The call ends (talk over, or the caller gave up ringing).
    Hangup(String),
}

/// The running `internal_calls` generator.
pub(crate) struct InternalTraffic {
    spec: InternalCalls,
    rng: SimRng,
    label: String,
    calls_started: u64,
    timers: Timers<Plan>,
}

impl InternalTraffic {
    pub(crate) fn new(spec: InternalCalls, rng: SimRng, label: String) -> Self {
        InternalTraffic {
            spec,
            rng,
            label,
            calls_started: 0,
            timers: Timers::default(),
        }
    }

    fn plan_next(&mut self, turn: &mut Turn<'_>, after_in_loop: u64) {
        let end = self.spec.window.end;
        if let Some(at) = self
            .spec
            .rate
            .next_arrival(&mut self.rng, after_in_loop, end)
        {
            self.timers.at(turn, turn.loop_start + at, Plan::Start);
        }
    }

    /// Extensions of logged-in members that are idle, in member order.
    fn available(&self, turn: &Turn<'_>) -> Vec<String> {
        let pbx = turn.pbx();
        self.spec
            .members
            .iter()
            .filter(|m| pbx.is_logged_in(&m.username))
            .filter_map(|m| pbx.first_extension_of(&m.username).map(str::to_string))
            .filter(|e| pbx.extension_is_idle(e))
            .collect()
    }

    fn start(&mut self, turn: &mut Turn<'_>) {
        let mut free = self.available(turn);
        if free.is_empty() {
            return;
        }
        let caller = free.remove(self.rng.index(free.len()));
        let destination = if self.rng.chance(self.spec.outbound_share) {
            Destination::External(format!("555{:04}", self.rng.between(0, 9_999)))
        } else if free.is_empty() {
            // Everybody else is busy or away: the call does not happen.
            return;
        } else {
            Destination::Extension(free.remove(self.rng.index(free.len())))
        };
        self.calls_started += 1;
        let call = format!("{}-call-{}", self.label, self.calls_started);
        let dial = Command::Dial {
            call: call.clone(),
            from: Party::Extension(caller),
            to: destination,
        };
        if !turn.apply(dial) {
            return;
        }
        if self.rng.chance(self.spec.answer_probability) {
            let ring = self.spec.ring_time.sample(&mut self.rng);
            self.timers.after(turn, ring, Plan::Answer(call));
        } else {
            let ring = self.spec.give_up_after.sample(&mut self.rng);
            self.timers.after(turn, ring, Plan::Hangup(call));
        }
    }
}

impl Traffic for InternalTraffic {
    fn begin_loop(&mut self, turn: &mut Turn<'_>) {
        self.timers.clear();
        let start = self.spec.window.start;
        self.plan_next(turn, start);
    }

    fn wake(&mut self, token: u64, turn: &mut Turn<'_>) {
        let Some(plan) = self.timers.take(token) else {
            return;
        };
        match plan {
            Plan::Start => {
                self.start(turn);
                let now = turn.in_loop();
                self.plan_next(turn, now);
            }
            Plan::Answer(call) => {
                if turn.pbx().call_state(&call) == Some(CallState::Ringing)
                    && turn.apply(Command::Answer {
                        call: call.clone(),
                        by: None,
                    })
                {
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
