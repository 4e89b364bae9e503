//! Users and their contacts.

use super::{room_for, unknown};
use crate::model::build;
use crate::model::change::DirectoryError;
use crate::model::directory::{
    EmailAddress, License, MAX_CONTACT_ENTRIES, PhoneNumber, UserConfig,
};
use crate::model::pbx::Pbx;
use crate::protocol::EventBody;

impl Pbx {
    /// The username of the user with this configuration id.
    pub(crate) fn username_of(&self, id: &str) -> Result<String, DirectoryError> {
        self.users
            .values()
            .find(|u| u.configuration_id == id)
            .map(|u| u.username.clone())
            .ok_or_else(|| unknown("user", id))
    }

    fn user_id_taken(&self, id: &str) -> bool {
        self.users
            .values()
            .any(|u| u.id == id || u.configuration_id == id)
    }

    pub(super) fn create_user(&mut self, user: &UserConfig) -> Result<String, DirectoryError> {
        self.require_core_server()?;
        room_for(self.users.len(), "user")?;
        if self.users.contains_key(&user.username) {
            return Err(taken(&user.username));
        }
        let id = self.new_id(user.id.as_ref(), "user", Pbx::user_id_taken)?;
        let seq = self.next_seq();
        let config = UserConfig {
            extensions: Vec::new(),
            ..user.clone()
        };
        let live = build::user(&config, (id.clone(), id.clone()), &mut self.salts, seq);
        self.users.insert(user.username.clone(), live);
        Ok(id)
    }

    pub(super) fn update_user(
        &mut self,
        user: &UserConfig,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        let id = user.id.clone().unwrap_or_default();
        let old_name = self.username_of(&id)?;
        let renamed = old_name != user.username;
        if renamed && self.users.contains_key(&user.username) {
            return Err(taken(&user.username));
        }
        check_contact_sizes(user)?;
        let Some(current) = self.users.get(&old_name) else {
            return Err(unknown("user", &id));
        };
        let loses = renamed
            || (current.license == License::Full && user.license == License::Basic)
            || (current.enabled && !user.enabled);
        if loses {
            self.end_user_activity(&old_name, out);
        }
        let password = build::hashed(&user.password, &mut self.salts);
        let Some(mut live) = self.users.remove(&old_name) else {
            return Err(unknown("user", &id));
        };
        live.username = user.username.clone();
        live.license = user.license;
        live.password = password;
        live.restricted = user.restricted;
        live.enabled = user.enabled;
        live.contact = user.contact.clone();
        for number in &live.extensions {
            if let Some(ext) = self.extensions.get_mut(number) {
                ext.user = Some(user.username.clone());
            }
        }
        self.users.insert(user.username.clone(), live);
        Ok(())
    }

    pub(super) fn delete_user(
        &mut self,
        id: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        let username = self.username_of(id)?;
        self.end_user_activity(&username, out);
        if let Some(user) = self.users.remove(&username) {
            for number in &user.extensions {
                if let Some(ext) = self.extensions.get_mut(number) {
                    ext.user = None;
                }
            }
        }
        Ok(())
    }

    pub(super) fn add_email_address(
        &mut self,
        user: &str,
        id: &Option<String>,
        kind: &str,
        address: &str,
    ) -> Result<String, DirectoryError> {
        let username = self.username_of(user)?;
        let entries = &self.contact_mut(&username)?.email_addresses;
        if entries.len() >= MAX_CONTACT_ENTRIES {
            return Err(full_contact("e-mail addresses"));
        }
        if let Some(id) = id
            && entries.iter().any(|e| e.id == *id)
        {
            return Err(DirectoryError::Conflict(format!(
                "the user has a e-mail address with id `{id}` already"
            )));
        }
        // Drawn only once the change is sure to go through.
        let id = id.clone().unwrap_or_else(|| self.ids.uuid());
        let contact = self.contact_mut(&username)?;
        contact.email_addresses.push(EmailAddress {
            id: id.clone(),
            kind: kind.into(),
            address: address.into(),
        });
        Ok(id)
    }

    pub(super) fn add_phone_number(
        &mut self,
        user: &str,
        id: &Option<String>,
        kind: &str,
        number: &str,
    ) -> Result<String, DirectoryError> {
        let username = self.username_of(user)?;
        let entries = &self.contact_mut(&username)?.phone_numbers;
        if entries.len() >= MAX_CONTACT_ENTRIES {
            return Err(full_contact("phone numbers"));
        }
        if let Some(id) = id
            && entries.iter().any(|e| e.id == *id)
        {
            return Err(DirectoryError::Conflict(format!(
                "the user has a phone number with id `{id}` already"
            )));
        }
        // Drawn only once the change is sure to go through.
        let id = id.clone().unwrap_or_else(|| self.ids.uuid());
        let contact = self.contact_mut(&username)?;
        contact.phone_numbers.push(PhoneNumber {
            id: id.clone(),
            kind: kind.into(),
            number: number.into(),
        });
        Ok(id)
    }

    pub(super) fn remove_email_address(
        &mut self,
        user: &str,
        id: &str,
    ) -> Result<(), DirectoryError> {
        let username = self.username_of(user)?;
        let contact = self.contact_mut(&username)?;
        let before = contact.email_addresses.len();
        contact.email_addresses.retain(|e| e.id != id);
        if contact.email_addresses.len() == before {
            return Err(unknown("e-mail address", id));
        }
        Ok(())
    }

    pub(super) fn remove_phone_number(
        &mut self,
        user: &str,
        id: &str,
    ) -> Result<(), DirectoryError> {
        let username = self.username_of(user)?;
        let contact = self.contact_mut(&username)?;
        let before = contact.phone_numbers.len();
        contact.phone_numbers.retain(|p| p.id != id);
        if contact.phone_numbers.len() == before {
            return Err(unknown("phone number", id));
        }
        Ok(())
    }

    fn contact_mut(
        &mut self,
        username: &str,
    ) -> Result<&mut crate::model::directory::Contact, DirectoryError> {
        self.users
            .get_mut(username)
            .map(|u| &mut u.contact)
            .ok_or_else(|| unknown("user", username))
    }
}

fn taken(username: &str) -> DirectoryError {
    DirectoryError::Conflict(format!("a user named `{username}` already exists"))
}

fn full_contact(what: &str) -> DirectoryError {
    DirectoryError::Conflict(format!(
        "the contact holds {MAX_CONTACT_ENTRIES} {what}, the most it accepts; delete some first"
    ))
}

fn check_contact_sizes(user: &UserConfig) -> Result<(), DirectoryError> {
    let c = &user.contact;
    if c.email_addresses.len() > MAX_CONTACT_ENTRIES {
        return Err(full_contact("e-mail addresses"));
    }
    if c.phone_numbers.len() > MAX_CONTACT_ENTRIES {
        return Err(full_contact("phone numbers"));
    }
    Ok(())
}
