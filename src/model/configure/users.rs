//! Users and their contacts.

use super::{room_for, unknown};
use crate::model::build;
use crate::model::change::DirectoryError;
use crate::model::directory::{
    Contact, EmailAddress, License, MAX_CONTACT_ENTRIES, PhoneNumber, UserConfig,
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
        self.add_entry(user, id, &EMAIL_ADDRESSES, |id| EmailAddress {
            id,
            kind: kind.into(),
            address: address.into(),
        })
    }

    pub(super) fn add_phone_number(
        &mut self,
        user: &str,
        id: &Option<String>,
        kind: &str,
        number: &str,
    ) -> Result<String, DirectoryError> {
        self.add_entry(user, id, &PHONE_NUMBERS, |id| PhoneNumber {
            id,
            kind: kind.into(),
            number: number.into(),
        })
    }

    pub(super) fn remove_email_address(
        &mut self,
        user: &str,
        id: &str,
    ) -> Result<(), DirectoryError> {
        self.remove_entry(user, id, &EMAIL_ADDRESSES)
    }

    pub(super) fn remove_phone_number(
        &mut self,
        user: &str,
        id: &str,
    ) -> Result<(), DirectoryError> {
        self.remove_entry(user, id, &PHONE_NUMBERS)
    }

    /// Adds an entry to one of a user's contact lists, with the id given or a
    /// new one, which is drawn only once the change is sure to go through.
    fn add_entry<T>(
        &mut self,
        user: &str,
        id: &Option<String>,
        of: &ContactList<T>,
        make: impl FnOnce(String) -> T,
    ) -> Result<String, DirectoryError> {
        let username = self.username_of(user)?;
        let entries = (of.entries)(self.contact_mut(&username)?);
        if entries.len() >= MAX_CONTACT_ENTRIES {
            return Err(full_contact(of.many));
        }
        if let Some(id) = id
            && entries.iter().any(|e| (of.id)(e) == id)
        {
            return Err(DirectoryError::Conflict(format!(
                "the user has a {} with id `{id}` already",
                of.one
            )));
        }
        let id = id.clone().unwrap_or_else(|| self.ids.uuid());
        (of.entries)(self.contact_mut(&username)?).push(make(id.clone()));
        Ok(id)
    }

    /// Removes the entry with this id from one of a user's contact lists.
    fn remove_entry<T>(
        &mut self,
        user: &str,
        id: &str,
        of: &ContactList<T>,
    ) -> Result<(), DirectoryError> {
        let username = self.username_of(user)?;
        let entries = (of.entries)(self.contact_mut(&username)?);
        let before = entries.len();
        entries.retain(|e| (of.id)(e) != id);
        if entries.len() == before {
            return Err(unknown(of.one, id));
        }
        Ok(())
    }

    fn contact_mut(&mut self, username: &str) -> Result<&mut Contact, DirectoryError> {
        self.users
            .get_mut(username)
            .map(|u| &mut u.contact)
            .ok_or_else(|| unknown("user", username))
    }
}

/// One of a contact's lists, as its errors name it.
struct ContactList<T> {
    /// One entry: "e-mail address".
    one: &'static str,
    /// The list: "e-mail addresses".
    many: &'static str,
    entries: fn(&mut Contact) -> &mut Vec<T>,
    id: fn(&T) -> &str,
}

const EMAIL_ADDRESSES: ContactList<EmailAddress> = ContactList {
    one: "e-mail address",
    many: "e-mail addresses",
    entries: |c| &mut c.email_addresses,
    id: |e| &e.id,
};

const PHONE_NUMBERS: ContactList<PhoneNumber> = ContactList {
    one: "phone number",
    many: "phone numbers",
    entries: |c| &mut c.phone_numbers,
    id: |p| &p.id,
};

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
        return Err(full_contact(EMAIL_ADDRESSES.many));
    }
    if c.phone_numbers.len() > MAX_CONTACT_ENTRIES {
        return Err(full_contact(PHONE_NUMBERS.many));
    }
    Ok(())
}
