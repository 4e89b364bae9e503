//! Ending the live activity a directory change would cut off, through the model's
//! own hangups and logouts, so the events are the ones those always give.

use std::collections::BTreeSet;

use crate::model::pbx::Pbx;
use crate::protocol::EventBody;

/// Which queue memberships of an extension end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Memberships {
    /// Only logins (dynamic agents): static ones are configuration and stay.
    Dynamic,
    /// Every one: the extension or the queue goes away.
    Every,
}

impl Pbx {
    /// Hangs up the calls the `in_call` segments belong to, in label order.
    fn hang_up_where(
        &mut self,
        in_call: impl Fn(&crate::model::state::CallSegment) -> bool,
        out: &mut Vec<EventBody>,
    ) {
        let labels: BTreeSet<String> = self
            .segments
            .values()
            .filter(|s| in_call(s))
            .map(|s| s.call.clone())
            .collect();
        for label in labels {
            if let Err(err) = self.hangup(&label, out) {
                // The label came from a live segment, so the call exists.
                tracing::error!(error = %err, "ending a call for a directory change");
            }
        }
    }

    /// Ends an extension's calls and its queue memberships.
    pub(super) fn end_extension_activity(
        &mut self,
        number: &str,
        memberships: Memberships,
        out: &mut Vec<EventBody>,
    ) {
        self.hang_up_where(|s| s.extension.as_deref() == Some(number), out);
        let queues: Vec<String> = self
            .queues
            .values()
            .filter(|q| {
                q.agents
                    .get(number)
                    .is_some_and(|a| a.dynamic || memberships == Memberships::Every)
            })
            .map(|q| q.identifier.clone())
            .collect();
        for queue in queues {
            if let Err(err) = self.agent_logout(&queue, number, out) {
                tracing::error!(error = %err, "ending an agent for a directory change");
            }
        }
    }

    /// Ends a user's login, then its extensions' calls and dynamic queue logins.
    pub(super) fn end_user_activity(&mut self, username: &str, out: &mut Vec<EventBody>) {
        let Some(user) = self.users.get(username) else {
            return;
        };
        let extensions = user.extensions.clone();
        if user.login.is_some()
            && let Err(err) = self.user_logout(username, out)
        {
            tracing::error!(error = %err, "ending a login for a directory change");
        }
        for number in extensions {
            self.end_extension_activity(&number, Memberships::Dynamic, out);
        }
    }

    /// Hangs up a queue's waiting callers, then logs its agents out.
    pub(super) fn end_queue_activity(
        &mut self,
        identifier: &str,
        memberships: Memberships,
        out: &mut Vec<EventBody>,
    ) {
        self.hang_up_where(|s| s.queue.as_deref() == Some(identifier), out);
        let Some(queue) = self.queues.get(identifier) else {
            return;
        };
        let agents: Vec<String> = queue
            .agents
            .values()
            .filter(|a| a.dynamic || memberships == Memberships::Every)
            .map(|a| a.extension.clone())
            .collect();
        for extension in agents {
            if let Err(err) = self.agent_logout(identifier, &extension, out) {
                tracing::error!(error = %err, "ending an agent for a directory change");
            }
        }
    }

    /// Hangs up the calls in a conference room.
    pub(super) fn end_room_activity(&mut self, identifier: &str, out: &mut Vec<EventBody>) {
        self.hang_up_where(|s| s.room.as_deref() == Some(identifier), out);
    }

    /// Ends every call, agent and login.
    pub(super) fn end_all_activity(&mut self, out: &mut Vec<EventBody>) {
        self.hang_up_where(|_| true, out);
        let queues: Vec<String> = self.queues.keys().cloned().collect();
        for queue in queues {
            self.end_queue_activity(&queue, Memberships::Every, out);
        }
        let users: Vec<String> = self
            .users
            .values()
            .filter(|u| u.login.is_some())
            .map(|u| u.username.clone())
            .collect();
        for user in users {
            if let Err(err) = self.user_logout(&user, out) {
                tracing::error!(error = %err, "ending a login for a directory change");
            }
        }
    }
}
