//! `conference`: a meeting in a conference room. Participants dial in from their
//! extensions (and guests from outside) around the start, and leave after the end.

use super::{Conference, Timers, Traffic, Turn};
use crate::model::{Command, Destination, Party};
use crate::rng::SimRng;

/// A participant busy on another call tries again this much later.
const RETRY_JOIN_MS: u64 = 60_000;

/// What a wake-up is for; the number is the attendee's index (participants first,
/// then guests).
#[derive(Debug)]
enum Plan {
    Join(usize),
    Leave(usize),
}

/// The running `conference` generator.
pub(crate) struct ConferenceTraffic {
    spec: Conference,
    rng: SimRng,
    label: String,
    meetings: u64,
    timers: Timers<Plan>,
    /// Per attendee: the call it joined with, once joined.
    joined: Vec<Option<String>>,
    /// Per attendee: when it leaves (virtual ms since the start of the run).
    leaves_at: Vec<u64>,
}

impl ConferenceTraffic {
    pub(crate) fn new(spec: Conference, rng: SimRng, label: String) -> Self {
        let attendees = spec.participants.len() + spec.guests.len();
        ConferenceTraffic {
            spec,
            rng,
            label,
            meetings: 0,
            timers: Timers::default(),
            joined: vec![None; attendees],
            leaves_at: vec![0; attendees],
        }
    }

    fn join(&mut self, attendee: usize, turn: &mut Turn<'_>) {
        let from = match self.spec.participants.get(attendee) {
            Some(member) => {
                let Some(extension) = turn.pbx().first_extension_of(&member.username) else {
                    return;
                };
                let extension = extension.to_string();
                if !turn.pbx().extension_is_idle(&extension) {
                    if turn.now + RETRY_JOIN_MS < self.leaves_at[attendee] {
                        self.timers.after(turn, RETRY_JOIN_MS, Plan::Join(attendee));
                    }
                    return;
                }
                Party::Extension(extension)
            }
            None => {
                let Some(guest) = self
                    .spec
                    .guests
                    .get(attendee - self.spec.participants.len())
                else {
                    return;
                };
                Party::External {
                    number: guest.number.clone(),
                    name: guest.name.clone(),
                    did: None,
                }
            }
        };
        // A room provisioned later, or removed, is simply not joined.
        if !turn.pbx().rooms().contains_key(&self.spec.room) {
            return;
        }
        let call = format!("{}-meeting-{}-{}", self.label, self.meetings, attendee + 1);
        let dial = Command::Dial {
            call: call.clone(),
            from,
            to: Destination::Conference(self.spec.room.clone()),
        };
        if turn.apply(dial) {
            self.joined[attendee] = Some(call);
        }
    }
}

impl Traffic for ConferenceTraffic {
    fn begin_loop(&mut self, turn: &mut Turn<'_>) {
        self.timers.clear();
        self.meetings += 1;
        self.joined.iter_mut().for_each(|j| *j = None);
        let start = turn.loop_start + self.spec.start;
        let end = start + self.spec.duration.sample(&mut self.rng);
        for attendee in 0..self.joined.len() {
            if !self.rng.chance(self.spec.attendance) {
                continue;
            }
            let join_at = start + self.rng.between(0, self.spec.join_within);
            let leave_at = end.max(join_at) + self.rng.between(0, self.spec.leave_within);
            self.leaves_at[attendee] = leave_at;
            self.timers.at(turn, join_at, Plan::Join(attendee));
            self.timers
                .at(turn, leave_at.max(join_at + 1), Plan::Leave(attendee));
        }
    }

    fn wake(&mut self, token: u64, turn: &mut Turn<'_>) {
        match self.timers.take(token) {
            Some(Plan::Join(attendee)) => self.join(attendee, turn),
            Some(Plan::Leave(attendee)) => {
                if let Some(call) = self.joined[attendee].take()
                    && turn.pbx().call_state(&call).is_some()
                {
                    turn.apply(Command::Hangup { call });
                }
            }
            None => {}
        }
    }
}
