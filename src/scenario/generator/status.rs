//! `status`: logged-in users set a status (lunch, a coffee break, a meeting...) for a
//! while, optionally pausing their queue memberships, then become available again.

use super::{StatusChanges, Timers, Traffic, Turn, Window};
use crate::model::{Command, StatusChange, StatusType};
use crate::rng::SimRng;

/// What a wake-up is for.
#[derive(Debug)]
enum Plan {
    /// The member (by index) steps away.
    Start(usize),
    /// The member is back; these (queue, extension) memberships were paused for it.
    End(usize, Vec<(String, String)>),
}

/// The running `status` generator.
pub(crate) struct StatusTraffic {
    spec: StatusChanges,
    rng: SimRng,
    timers: Timers<Plan>,
}

impl StatusTraffic {
    pub(crate) fn new(spec: StatusChanges, rng: SimRng) -> Self {
        StatusTraffic {
            spec,
            rng,
            timers: Timers::default(),
        }
    }

    fn start(&mut self, member: usize, turn: &mut Turn<'_>) {
        let username = self.spec.members[member].username.clone();
        if !turn.pbx().is_logged_in(&username) {
            return;
        }
        let length = self.spec.duration.sample(&mut self.rng);
        let status = StatusChange {
            name: self.spec.name.clone(),
            status_type: self.spec.status,
            note: self.spec.note.clone(),
            return_in_ms: self.spec.announce_return.then_some(length),
            user_created: false,
        };
        if !turn.apply(Command::SetStatus {
            user: username.clone(),
            status,
        }) {
            return;
        }
        let mut paused = Vec::new();
        if self.spec.pause_agents {
            for (queue, extension) in memberships(turn, &username) {
                let pbx = turn.pbx();
                if pbx.is_agent(&queue, &extension) && !pbx.is_paused(&queue, &extension) {
                    let pause = Command::AgentPause {
                        queue: queue.clone(),
                        extension: extension.clone(),
                        paused: true,
                    };
                    if turn.apply(pause) {
                        paused.push((queue, extension));
                    }
                }
            }
        }
        self.timers.after(turn, length, Plan::End(member, paused));
    }

    fn end(&mut self, member: usize, paused: Vec<(String, String)>, turn: &mut Turn<'_>) {
        let username = self.spec.members[member].username.clone();
        for (queue, extension) in paused {
            let pbx = turn.pbx();
            if pbx.is_agent(&queue, &extension) && pbx.is_paused(&queue, &extension) {
                turn.apply(Command::AgentPause {
                    queue,
                    extension,
                    paused: false,
                });
            }
        }
        if turn.pbx().is_logged_in(&username) {
            let status = StatusChange {
                name: "Available".to_string(),
                status_type: StatusType::Available,
                note: String::new(),
                return_in_ms: None,
                user_created: false,
            };
            turn.apply(Command::SetStatus {
                user: username,
                status,
            });
        }
    }
}

/// Every (queue, extension) pair of the user's extensions, queues in directory order.
fn memberships(turn: &Turn<'_>, username: &str) -> Vec<(String, String)> {
    let pbx = turn.pbx();
    let Some(user) = pbx.users().get(username) else {
        return Vec::new();
    };
    let mut queues: Vec<_> = pbx.queues().values().collect();
    queues.sort_by_key(|q| q.seq);
    queues
        .into_iter()
        .flat_map(|q| {
            user.extensions
                .iter()
                .map(|e| (q.identifier.clone(), e.clone()))
        })
        .collect()
}

impl Traffic for StatusTraffic {
    fn begin_loop(&mut self, turn: &mut Turn<'_>) {
        self.timers.clear();
        let times = u64::from(self.spec.times.max(1));
        let window = self.spec.window;
        // One occurrence per equal slice of the window, so a user's breaks never overlap.
        let slice = (window.end - window.start) / times;
        for member in 0..self.spec.members.len() {
            for occurrence in 0..times {
                if !self.rng.chance(self.spec.probability) {
                    continue;
                }
                let start = window.start + occurrence * slice;
                let at = Window {
                    start,
                    end: start + slice.max(1),
                }
                .pick(&mut self.rng);
                self.timers
                    .at(turn, turn.loop_start + at, Plan::Start(member));
            }
        }
    }

    fn wake(&mut self, token: u64, turn: &mut Turn<'_>) {
        match self.timers.take(token) {
            Some(Plan::Start(member)) => self.start(member, turn),
            Some(Plan::End(member, paused)) => self.end(member, paused, turn),
            None => {}
        }
    }
}
