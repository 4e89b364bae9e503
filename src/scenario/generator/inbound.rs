//! `inbound_calls`: outside callers ring a queue and wait; an idle agent answers,
//! talks (perhaps with a hold and a recording) and hangs up; impatient callers give up.

use std::collections::{BTreeMap, VecDeque};

use super::caller::pick_caller;
use super::{InboundCalls, Timers, Traffic, Turn};
use crate::model::{CallState, Command, Destination, Party};
use crate::rng::SimRng;

/// What a wake-up is for.
#[derive(Debug)]
enum Plan {
    /// The next caller arrives.
    Arrive,
    /// Offer waiting callers to idle agents again.
    Retry,
    /// The agent the call was offered to picks it up.
    Answer(String),
    /// The caller runs out of patience.
    GiveUp(String),
    /// The agent puts the caller on hold, or takes them off.
    Hold(String, bool),
    /// The conversation ends.
    Hangup(String),
}

/// The running `inbound_calls` generator.
pub(crate) struct InboundTraffic {
    spec: InboundCalls,
    rng: SimRng,
    label: String,
    calls_started: u64,
    timers: Timers<Plan>,
    /// Queued calls not yet offered to an agent, longest-waiting first.
    waiting: VecDeque<String>,
    /// Calls offered to an agent who has not answered yet: call -> agent extension.
    /// The agent counts as taken, so two calls are never offered to one agent.
    offered: BTreeMap<String, String>,
    retry_planned: bool,
}

impl InboundTraffic {
    pub(crate) fn new(spec: InboundCalls, rng: SimRng, label: String) -> Self {
        InboundTraffic {
            spec,
            rng,
            label,
            calls_started: 0,
            timers: Timers::default(),
            waiting: VecDeque::new(),
            offered: BTreeMap::new(),
            retry_planned: false,
        }
    }

    fn plan_next_arrival(&mut self, turn: &mut Turn<'_>, after_in_loop: u64) {
        let window = self.spec.window;
        if let Some(at) = self
            .spec
            .rate
            .next_arrival(&mut self.rng, after_in_loop, window.end)
        {
            self.timers.at(turn, turn.loop_start + at, Plan::Arrive);
        }
    }

    fn arrive(&mut self, turn: &mut Turn<'_>) {
        self.calls_started += 1;
        let call = format!("{}-in-{}", self.label, self.calls_started);
        let caller = pick_caller(&self.spec.callers, &mut self.rng);
        let dial = Command::Dial {
            call: call.clone(),
            from: Party::External {
                number: caller.number,
                name: caller.name,
                did: self.spec.did.clone(),
            },
            to: Destination::Queue(self.spec.queue.clone()),
        };
        // A queue provisioned later, removed or disabled takes no callers now.
        let open = turn
            .pbx()
            .queues()
            .get(&self.spec.queue)
            .is_some_and(|q| q.enabled);
        if open && turn.apply(dial) {
            if let Some(patience) = &self.spec.patience {
                let wait = patience.sample(&mut self.rng);
                self.timers.after(turn, wait, Plan::GiveUp(call.clone()));
            }
            self.waiting.push_back(call);
            self.dispatch(turn);
        }
        let now = turn.in_loop();
        self.plan_next_arrival(turn, now);
    }

    /// Offers waiting calls, oldest first, to idle agents nobody has been offered a
    /// call yet; plans a retry while callers are left waiting.
    fn dispatch(&mut self, turn: &mut Turn<'_>) {
        let queue = &self.spec.queue;
        let mut idle: Vec<String> = turn
            .pbx()
            .idle_agents(queue)
            .into_iter()
            .filter(|agent| !self.offered.values().any(|taken| taken == agent))
            .collect();
        while let Some(call) = self.waiting.front() {
            if turn.pbx().call_state(call) != Some(CallState::Queued) {
                // Ended by someone else (a scripted step or the end of the loop).
                self.waiting.pop_front();
                continue;
            }
            if idle.is_empty() {
                break;
            }
            let agent = idle.remove(self.rng.index(idle.len()));
            let Some(call) = self.waiting.pop_front() else {
                break;
            };
            let delay = self.spec.answer_delay.sample(&mut self.rng);
            self.offered.insert(call.clone(), agent);
            self.timers.after(turn, delay, Plan::Answer(call));
        }
        if !self.waiting.is_empty() && !self.retry_planned {
            self.retry_planned = true;
            self.timers.after(turn, self.spec.retry_every, Plan::Retry);
        }
    }

    fn answer(&mut self, call: String, turn: &mut Turn<'_>) {
        let Some(agent) = self.offered.remove(&call) else {
            return;
        };
        let pbx = turn.pbx();
        let queue = &self.spec.queue;
        if pbx.call_state(&call) != Some(CallState::Queued) {
            return;
        }
        let agent_free = pbx.is_agent(queue, &agent)
            && !pbx.is_paused(queue, &agent)
            && pbx.extension_is_idle(&agent);
        if !agent_free {
            // The agent got busy meanwhile: the caller is first in line again.
            self.waiting.push_front(call);
            self.dispatch(turn);
            return;
        }
        let answer = Command::Answer {
            call: call.clone(),
            by: Some(agent),
        };
        if !turn.apply(answer) {
            return;
        }
        if self.rng.chance(self.spec.record_probability) {
            turn.apply(Command::Record {
                call: call.clone(),
                on: true,
            });
        }
        let talk = self.spec.talk_time.sample(&mut self.rng);
        let mut hangup_in = talk;
        if self.rng.chance(self.spec.hold_probability) {
            let hold_at = talk / 4 + self.rng.between(0, talk / 2);
            let hold_for = self.spec.hold_time.sample(&mut self.rng);
            self.timers
                .after(turn, hold_at, Plan::Hold(call.clone(), true));
            self.timers
                .after(turn, hold_at + hold_for, Plan::Hold(call.clone(), false));
            hangup_in += hold_for;
        }
        self.timers.after(turn, hangup_in, Plan::Hangup(call));
    }
}

impl Traffic for InboundTraffic {
    fn begin_loop(&mut self, turn: &mut Turn<'_>) {
        self.timers.clear();
        self.waiting.clear();
        self.offered.clear();
        self.retry_planned = false;
        let start = self.spec.window.start;
        self.plan_next_arrival(turn, start);
    }

    fn wake(&mut self, token: u64, turn: &mut Turn<'_>) {
        let Some(plan) = self.timers.take(token) else {
            return;
        };
        match plan {
            Plan::Arrive => self.arrive(turn),
            Plan::Retry => {
                self.retry_planned = false;
                self.dispatch(turn);
            }
            Plan::Answer(call) => self.answer(call, turn),
            Plan::GiveUp(call) => {
                let still_waiting = self.waiting.contains(&call);
                if still_waiting && turn.pbx().call_state(&call) == Some(CallState::Queued) {
                    self.waiting.retain(|c| *c != call);
                    turn.apply(Command::Hangup { call });
                }
            }
            Plan::Hold(call, on) => {
                if turn.pbx().call_state(&call) == Some(CallState::Connected) {
                    turn.apply(Command::Hold { call, on });
                }
            }
            Plan::Hangup(call) => {
                if turn.pbx().call_state(&call).is_some() {
                    turn.apply(Command::Hangup { call });
                    self.dispatch(turn);
                }
            }
        }
    }
}
