//! Extensions and the users that manage them.

use super::ending::Memberships;
use super::{room_for, unknown};
use crate::model::build;
use crate::model::change::DirectoryError;
use crate::model::directory::ExtensionConfig;
use crate::model::pbx::Pbx;
use crate::protocol::EventBody;

impl Pbx {
    /// The number of the extension with this configuration id.
    pub(crate) fn number_of(&self, id: &str) -> Result<String, DirectoryError> {
        self.extensions
            .values()
            .find(|e| e.configuration_id == id)
            .map(|e| e.number.clone())
            .ok_or_else(|| unknown("extension", id))
    }

    fn extension_id_taken(&self, id: &str) -> bool {
        self.extensions
            .values()
            .any(|e| e.id == id || e.configuration_id == id)
    }

    pub(super) fn create_extension(
        &mut self,
        extension: &ExtensionConfig,
    ) -> Result<String, DirectoryError> {
        self.require_core_server()?;
        room_for(self.extensions.len(), "extension")?;
        if self.extensions.contains_key(&extension.number) {
            return Err(taken(&extension.number));
        }
        let id = self.new_id(extension.id.as_ref(), "extension", Pbx::extension_id_taken)?;
        let seq = self.next_seq();
        let live = build::extension(extension, (id.clone(), id.clone()), seq);
        self.extensions.insert(extension.number.clone(), live);
        Ok(id)
    }

    pub(super) fn update_extension(
        &mut self,
        extension: &ExtensionConfig,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        let id = extension.id.clone().unwrap_or_default();
        let old = self.number_of(&id)?;
        let new = extension.number.clone();
        if old != new {
            if self.extensions.contains_key(&new) {
                return Err(taken(&new));
            }
            self.end_extension_activity(&old, Memberships::Dynamic, out);
            self.renumber(&old, &new);
        }
        if let Some(live) = self.extensions.get_mut(&new) {
            live.display_name = extension.display_name.clone();
            live.settings = extension.settings.clone();
        }
        Ok(())
    }

    /// Moves an extension with no calls and no dynamic logins to a new number,
    /// with everything that names it.
    fn renumber(&mut self, old: &str, new: &str) {
        let Some(mut live) = self.extensions.remove(old) else {
            return;
        };
        live.number = new.to_string();
        if let Some(user) = live.user.as_deref().and_then(|u| self.users.get_mut(u)) {
            for number in &mut user.extensions {
                if number == old {
                    *number = new.to_string();
                }
            }
        }
        self.extensions.insert(new.to_string(), live);
        for queue in self.queues.values_mut() {
            if let Some(mut agent) = queue.agents.remove(old) {
                agent.extension = new.to_string();
                queue.agents.insert(new.to_string(), agent);
            }
            for number in &mut queue.static_agents {
                if number == old {
                    *number = new.to_string();
                }
            }
        }
    }

    pub(super) fn delete_extension(
        &mut self,
        id: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        let number = self.number_of(id)?;
        self.end_extension_activity(&number, Memberships::Every, out);
        if let Some(live) = self.extensions.remove(&number)
            && let Some(user) = live.user.as_deref().and_then(|u| self.users.get_mut(u))
        {
            user.extensions.retain(|n| *n != number);
        }
        for queue in self.queues.values_mut() {
            queue.static_agents.retain(|n| *n != number);
        }
        Ok(())
    }

    pub(super) fn set_managing_user(
        &mut self,
        extension: &str,
        user: Option<&str>,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        let number = self.number_of(extension)?;
        let username = user.map(|id| self.username_of(id)).transpose()?;
        let current = self.extensions.get(&number).and_then(|e| e.user.clone());
        if current == username {
            return Ok(());
        }
        self.end_extension_activity(&number, Memberships::Dynamic, out);
        if let Some(old) = current.as_deref().and_then(|u| self.users.get_mut(u)) {
            old.extensions.retain(|n| *n != number);
        }
        if let Some(new) = username.as_deref().and_then(|u| self.users.get_mut(u)) {
            new.extensions.push(number.clone());
        }
        if let Some(live) = self.extensions.get_mut(&number) {
            live.user = username;
        }
        Ok(())
    }
}

fn taken(number: &str) -> DirectoryError {
    DirectoryError::Conflict(format!("extension `{number}` already exists"))
}
