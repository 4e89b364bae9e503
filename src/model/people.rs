//! Transitions of users and agents: logins, statuses, queue membership, DND.

use super::command::StatusChange;
use super::directory::License;
use super::error::ModelError;
use super::pbx::Pbx;
use super::state::{Agent, CallState, CurrentStatus, Login};
use crate::protocol::EventBody;
use crate::protocol::event::{AgentMembership, UserSession, UserStatus};

impl Pbx {
    pub(crate) fn user_login(
        &mut self,
        username: &str,
        ip: &str,
        port: u16,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        let id = self.ids.uuid();
        let user = self
            .users
            .get_mut(username)
            .ok_or_else(|| ModelError::UnknownUser(username.into()))?;
        if user.login.is_some() {
            return Err(ModelError::refused(
                "log in",
                format!("user `{username}`"),
                "the user is already logged in; log out first",
            ));
        }
        if !user.enabled {
            return Err(ModelError::refused(
                "log in",
                format!("user `{username}`"),
                "the user is disabled (`enabled` is false in the Configuration API)",
            ));
        }
        let login = Login {
            id,
            ip: ip.into(),
            port,
        };
        out.push(EventBody::UserLogin(UserSession {
            user_id: user.id.clone(),
            username: user.username.clone(),
            user_login_id: login.id.clone(),
            ip: login.ip.clone(),
            port,
        }));
        user.login = Some(login);
        Ok(())
    }

    pub(crate) fn user_logout(
        &mut self,
        username: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        let user = self
            .users
            .get_mut(username)
            .ok_or_else(|| ModelError::UnknownUser(username.into()))?;
        let Some(login) = user.login.take() else {
            return Err(ModelError::refused(
                "log out",
                format!("user `{username}`"),
                "the user is not logged in",
            ));
        };
        out.push(EventBody::UserLogout(UserSession {
            user_id: user.id.clone(),
            username: user.username.clone(),
            user_login_id: login.id,
            ip: login.ip,
            port: login.port,
        }));
        Ok(())
    }

    pub(crate) fn set_status(
        &mut self,
        username: &str,
        change: &StatusChange,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        let now = self.now;
        let licensed_server = self.core.as_ref().is_some_and(|c| c.licensed);
        let user = self
            .users
            .get_mut(username)
            .ok_or_else(|| ModelError::UnknownUser(username.into()))?;
        let return_time = change.return_in_ms.map_or(-1, |ms| {
            now.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))
        });
        let status = CurrentStatus {
            name: change.name.clone(),
            status_type: change.status_type.as_str(),
            note: change.note.clone(),
            return_time,
            user_created: change.user_created,
        };
        // docs/protocol.md §4.3: only with a license installed, and only for licensed/full users.
        if licensed_server && user.license == License::Full {
            out.push(EventBody::UserStatus(UserStatus {
                user_id: user.id.clone(),
                username: user.username.clone(),
                name: status.name.clone(),
                status_type: status.status_type.to_string(),
                note: status.note.clone(),
                return_time,
                user_created: status.user_created,
            }));
        }
        user.status = Some(status);
        Ok(())
    }

    pub(crate) fn agent_login(
        &mut self,
        queue: &str,
        extension: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        let Some(ext) = self.extensions.get(extension) else {
            return Err(ModelError::UnknownExtension(extension.into()));
        };
        // A login starts with the extension's configured agent defaults.
        let (paused, penalty) = (ext.settings.agent_paused, ext.settings.agent_penalty);
        let q = self
            .queues
            .get(queue)
            .ok_or_else(|| ModelError::UnknownQueue(queue.into()))?;
        if q.agents.contains_key(extension) {
            return Err(ModelError::refused(
                "log in",
                format!("extension `{extension}` to queue `{queue}`"),
                "it is already an agent of that queue",
            ));
        }
        let agent = Agent {
            id: self.ids.uuid(),
            extension: extension.into(),
            dynamic: true,
            paused,
            penalty,
            calls_taken: 0,
            login_time: self.now,
        };
        if let Some(body) = self.agent_event(queue, &agent) {
            out.push(EventBody::AgentLogin(body));
        }
        if let Some(q) = self.queues.get_mut(queue) {
            q.agents.insert(extension.into(), agent);
        }
        Ok(())
    }

    pub(crate) fn agent_logout(
        &mut self,
        queue: &str,
        extension: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        let q = self
            .queues
            .get_mut(queue)
            .ok_or_else(|| ModelError::UnknownQueue(queue.into()))?;
        let Some(agent) = q.agents.remove(extension) else {
            return Err(ModelError::refused(
                "log out",
                format!("extension `{extension}` from queue `{queue}`"),
                "it is not an agent of that queue",
            ));
        };
        if let Some(body) = self.agent_event(queue, &agent) {
            out.push(EventBody::AgentLogout(body));
        }
        Ok(())
    }

    pub(crate) fn agent_pause(
        &mut self,
        queue: &str,
        extension: &str,
        paused: bool,
    ) -> Result<(), ModelError> {
        let action = if paused { "pause" } else { "unpause" };
        self.agent_mut(queue, extension, action)?.paused = paused;
        Ok(())
    }

    pub(crate) fn set_penalty(
        &mut self,
        queue: &str,
        extension: &str,
        penalty: u32,
    ) -> Result<(), ModelError> {
        self.agent_mut(queue, extension, "set the penalty of")?
            .penalty = penalty;
        Ok(())
    }

    /// The agent an agent command names, or why there is none.
    fn agent_mut(
        &mut self,
        queue: &str,
        extension: &str,
        action: &'static str,
    ) -> Result<&mut Agent, ModelError> {
        let q = self
            .queues
            .get_mut(queue)
            .ok_or_else(|| ModelError::UnknownQueue(queue.into()))?;
        q.agents.get_mut(extension).ok_or_else(|| {
            ModelError::refused(
                action,
                format!("extension `{extension}` in queue `{queue}`"),
                "it is not an agent of that queue",
            )
        })
    }

    pub(crate) fn set_dnd(&mut self, extension: &str, on: bool) -> Result<(), ModelError> {
        let ext = self
            .extensions
            .get_mut(extension)
            .ok_or_else(|| ModelError::UnknownExtension(extension.into()))?;
        ext.dnd = on;
        Ok(())
    }

    /// The body of an agent event, or `None` when the documented constraint silences it:
    /// only enabled queues, only extensions bound to licensed/full users.
    fn agent_event(&self, queue: &str, agent: &Agent) -> Option<AgentMembership> {
        let q = self.queues.get(queue)?;
        let ext = self.extensions.get(&agent.extension)?;
        let user = self.users.get(ext.user.as_deref()?)?;
        if !q.enabled || user.license != License::Full {
            return None;
        }
        Some(AgentMembership {
            agent_id: agent.id.clone(),
            agent: ext.display_name.clone(),
            state: self.device_state(&agent.extension).to_string(),
            queue_id: q.id.clone(),
            queue: q.name.clone(),
            extension_id: ext.id.clone(),
            extension_number: ext.number.clone(),
            user_id: user.id.clone(),
            username: user.username.clone(),
        })
    }

    /// The Asterisk device state of an extension, as agents report it.
    pub fn device_state(&self, extension: &str) -> &'static str {
        let Some(seg) = self.segment_of_extension(extension) else {
            return "NOT_INUSE";
        };
        let state = self.calls.get(&seg.call).map(|c| c.state);
        match state {
            Some(CallState::Ringing) if seg.incoming => "RINGING",
            _ if seg.on_hold => "ONHOLD",
            _ => "INUSE",
        }
    }
}
