//! [`Pbx::configure`]: directory changes, the sibling of [`Pbx::apply`].
//!
//! A change is checked in full before anything moves, so a refused change
//! changes nothing. Then the live activity it would cut off ends through the
//! same transitions as scripted hangups and logouts (so its events are the usual
//! ones, in the usual order), and only then does the directory change. Which
//! activity ends for which change is our choice (docs/protocol.md §9.4):
//!
//! | change | ends first |
//! |---|---|
//! | delete an extension | its calls (`linkEnd`/`hangup`), then every queue membership (`agentLogout`) |
//! | renumber an extension, or change the user managing it | its calls and dynamic queue logins |
//! | delete a user | its login (`userLogout`), its extensions' calls and dynamic queue logins |
//! | rename a user, take its full license away, or disable it | the same as deleting it |
//! | delete a queue | its waiting callers (`hangup`) and every agent (`agentLogout`) |
//! | disable a queue | its waiting callers and dynamic agents |
//! | delete a conference room | the calls in it (`confRoomCallLeave`, `hangup`) |
//! | delete the core server | every call, agent and login |
//!
//! Everything else (display names, settings, renaming a queue or a room, giving
//! a license) applies in place: later events show the new values.

mod ending;
mod extensions;
mod queues;
mod server;
mod users;

use super::change::{Configured, DirectoryChange, DirectoryError};
use super::directory::MAX_OBJECTS_PER_KIND;
use super::pbx::Pbx;
use crate::protocol::EventBody;

impl Pbx {
    /// Applies one directory change and returns the events of the activity it
    /// ended, in order, and the id of what it created. A refused change changes
    /// nothing.
    ///
    /// # Errors
    /// [`DirectoryError::NotFound`] for an object that does not exist,
    /// [`DirectoryError::Conflict`] for a name or id that is taken or a full
    /// directory, [`DirectoryError::Invalid`] for a change that cannot be made.
    pub fn configure(&mut self, change: &DirectoryChange) -> Result<Configured, DirectoryError> {
        let mut out = Vec::new();
        // Stamped with the id the core server had when the activity ended, even
        // when the change removes it.
        let core_server_id = self.core.as_ref().map(|c| c.id.clone()).unwrap_or_default();
        let created = self.dispatch(change, &mut out)?;
        Ok(Configured {
            events: self.stamp_for(out, &core_server_id),
            created,
        })
    }

    fn dispatch(
        &mut self,
        change: &DirectoryChange,
        out: &mut Vec<EventBody>,
    ) -> Result<Option<String>, DirectoryError> {
        use DirectoryChange as C;
        match change {
            C::CreateCoreServer(cs) => self.create_core_server(cs).map(Some),
            C::UpdateCoreServer(cs) => self.update_core_server(cs).map(|()| None),
            C::DeleteCoreServer => self.delete_core_server(out).map(|()| None),
            C::ActivateLicense { serial } => self.activate_license(serial).map(|()| None),
            C::BindVoicemailAgent(identifier) => {
                self.bind_voicemail_agent(identifier).map(|()| None)
            }
            C::UnbindVoicemailAgent(identifier) => {
                self.unbind_voicemail_agent(identifier).map(|()| None)
            }
            C::PutVoicemailAgent(agent) => self.put_voicemail_agent(agent).map(|()| None),
            C::PutRecordingAgent(agent) => self.put_recording_agent(agent).map(|()| None),
            C::CreatePbxServer { id, server } => self.create_pbx_server(id, server).map(Some),
            C::UpdatePbxServer(server) => self.update_pbx_server(server).map(|()| None),
            C::DeletePbxServer(id) => self.delete_pbx_server(id).map(|()| None),
            C::CreateAdministrator { id, administrator } => {
                self.create_administrator(id, administrator).map(Some)
            }
            C::UpdateAdministrator(administrator) => {
                self.update_administrator(administrator).map(|()| None)
            }
            C::DeleteAdministrator(id) => self.delete_administrator(id).map(|()| None),
            C::CreateUser(user) => self.create_user(user).map(Some),
            C::UpdateUser(user) => self.update_user(user, out).map(|()| None),
            C::DeleteUser(id) => self.delete_user(id, out).map(|()| None),
            C::AddEmailAddress {
                user,
                id,
                kind,
                address,
            } => self.add_email_address(user, id, kind, address).map(Some),
            C::AddPhoneNumber {
                user,
                id,
                kind,
                number,
            } => self.add_phone_number(user, id, kind, number).map(Some),
            C::RemoveEmailAddress { user, id } => {
                self.remove_email_address(user, id).map(|()| None)
            }
            C::RemovePhoneNumber { user, id } => self.remove_phone_number(user, id).map(|()| None),
            C::CreateExtension(extension) => self.create_extension(extension).map(Some),
            C::UpdateExtension(extension) => self.update_extension(extension, out).map(|()| None),
            C::DeleteExtension(id) => self.delete_extension(id, out).map(|()| None),
            C::SetManagingUser { extension, user } => self
                .set_managing_user(extension, user.as_deref(), out)
                .map(|()| None),
            C::CreateQueue(queue) => self.create_queue(queue).map(Some),
            C::UpdateQueue(queue) => self.update_queue(queue, out).map(|()| None),
            C::DeleteQueue(id) => self.delete_queue(id, out).map(|()| None),
            C::CreateRoom(room) => self.create_room(room).map(Some),
            C::UpdateRoom(room) => self.update_room(room).map(|()| None),
            C::DeleteRoom(id) => self.delete_room(id, out).map(|()| None),
            C::CreateParkingLot { id, lot } => self.create_parking_lot(id, lot).map(Some),
            C::UpdateParkingLot(lot) => self.update_parking_lot(lot).map(|()| None),
            C::DeleteParkingLot(id) => self.delete_parking_lot(id).map(|()| None),
        }
    }

    /// Refuses a change to what belongs to a core server while there is none.
    fn require_core_server(&self) -> Result<(), DirectoryError> {
        if self.core.is_some() {
            Ok(())
        } else {
            Err(DirectoryError::NotFound(
                "no core server is configured; create one first (POST server/coreServers/)".into(),
            ))
        }
    }

    /// The id a created object keeps: the one asked for if it is free, else a new one.
    fn new_id(
        &mut self,
        wanted: Option<&String>,
        noun: &str,
        taken: impl Fn(&Pbx, &str) -> bool,
    ) -> Result<String, DirectoryError> {
        match wanted {
            Some(id) if taken(self, id) => Err(DirectoryError::Conflict(format!(
                "a {noun} with id `{id}` already exists"
            ))),
            Some(id) => Ok(id.clone()),
            None => Ok(self.ids.uuid()),
        }
    }

    /// The next creation order number.
    fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        seq
    }
}

/// Refuses a create when a kind already holds [`MAX_OBJECTS_PER_KIND`] objects.
fn room_for(count: usize, noun: &str) -> Result<(), DirectoryError> {
    if count < MAX_OBJECTS_PER_KIND {
        Ok(())
    } else {
        Err(DirectoryError::Conflict(format!(
            "the directory holds {count} {noun}s, the most it accepts; delete some first"
        )))
    }
}

/// The `NotFound` error for an id.
fn unknown(noun: &str, id: &str) -> DirectoryError {
    DirectoryError::NotFound(format!("no {noun} has id `{id}`"))
}
