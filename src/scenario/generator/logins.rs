//! `logins`: users log into the client in a morning window, their extensions join
//! their queues as dynamic agents, and in an evening window they leave again.

use super::{Logins, Timers, Traffic, Turn};
use crate::model::Command;
use crate::rng::SimRng;

/// What a wake-up is for; the number is the member's index.
#[derive(Debug)]
enum Plan {
    Login(usize),
    JoinQueues(usize),
    LeaveQueues(usize),
    Logout(usize),
}

/// The running `logins` generator.
pub(crate) struct LoginTraffic {
    spec: Logins,
    rng: SimRng,
    timers: Timers<Plan>,
    /// Per member: the (queue, extension) memberships this generator logged in, so
    /// that it logs out only those (never a static agent or one a step logged in).
    joined: Vec<Vec<(String, String)>>,
    /// Per member: logged in by this generator and not yet leaving. Joining the
    /// queues is skipped for a member who already started to leave.
    present: Vec<bool>,
}

impl LoginTraffic {
    pub(crate) fn new(spec: Logins, rng: SimRng) -> Self {
        let joined = vec![Vec::new(); spec.members.len()];
        let present = vec![false; spec.members.len()];
        LoginTraffic {
            spec,
            rng,
            timers: Timers::default(),
            joined,
            present,
        }
    }

    fn login(&mut self, member: usize, turn: &mut Turn<'_>) {
        let username = &self.spec.members[member].username;
        // A user provisioned later, removed or disabled does not come in now.
        let can = turn.pbx().users().get(username).is_some_and(|u| u.enabled);
        if !can || turn.pbx().is_logged_in(username) {
            return;
        }
        // A stable address per user; the client port changes with every login.
        let ip = format!("10.0.{}.{}", member / 200, member % 200 + 20);
        let port = self.rng.between(49_152, 65_535) as u16;
        let login = Command::UserLogin {
            user: username.clone(),
            ip,
            port,
        };
        if !turn.apply(login) {
            return;
        }
        self.present[member] = true;
        if !self.spec.members[member].agent_of.is_empty() {
            let delay = self.spec.agent_delay.sample(&mut self.rng);
            self.timers.after(turn, delay, Plan::JoinQueues(member));
        }
    }

    fn join_queues(&mut self, member: usize, turn: &mut Turn<'_>) {
        if !self.present[member] {
            return;
        }
        for (queue, extension) in &self.spec.members[member].agent_of {
            let pbx = turn.pbx();
            let exists =
                pbx.queues().contains_key(queue) && pbx.extensions().contains_key(extension);
            if !exists || pbx.is_agent(queue, extension) {
                continue;
            }
            let login = Command::AgentLogin {
                queue: queue.clone(),
                extension: extension.clone(),
            };
            if turn.apply(login) {
                self.joined[member].push((queue.clone(), extension.clone()));
            }
        }
    }

    fn leave_queues(&mut self, member: usize, turn: &mut Turn<'_>) {
        self.present[member] = false;
        for (queue, extension) in std::mem::take(&mut self.joined[member]) {
            if turn.pbx().is_agent(&queue, &extension) {
                turn.apply(Command::AgentLogout { queue, extension });
            }
        }
        let delay = self.spec.agent_delay.sample(&mut self.rng);
        self.timers.after(turn, delay, Plan::Logout(member));
    }
}

impl Traffic for LoginTraffic {
    fn begin_loop(&mut self, turn: &mut Turn<'_>) {
        self.timers.clear();
        self.joined.iter_mut().for_each(Vec::clear);
        self.present.iter_mut().for_each(|p| *p = false);
        for member in 0..self.spec.members.len() {
            if self.rng.chance(self.spec.absent_probability) {
                continue;
            }
            let login_at = self.spec.login.pick(&mut self.rng);
            self.timers
                .at(turn, turn.loop_start + login_at, Plan::Login(member));
            if let Some(logout) = self.spec.logout {
                // Nobody leaves before they have arrived and settled in.
                let leave_at = logout.pick(&mut self.rng).max(login_at + 60_000);
                self.timers
                    .at(turn, turn.loop_start + leave_at, Plan::LeaveQueues(member));
            }
        }
    }

    fn wake(&mut self, token: u64, turn: &mut Turn<'_>) {
        let Some(plan) = self.timers.take(token) else {
            return;
        };
        match plan {
            Plan::Login(member) => self.login(member, turn),
            Plan::JoinQueues(member) => self.join_queues(member, turn),
            Plan::LeaveQueues(member) => self.leave_queues(member, turn),
            Plan::Logout(member) => {
                let username = self.spec.members[member].username.clone();
                if turn.pbx().is_logged_in(&username) {
                    turn.apply(Command::UserLogout { user: username });
                }
            }
        }
    }
}
