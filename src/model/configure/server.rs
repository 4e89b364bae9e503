//! The core server, its settings and license, and the server-wide objects:
//! administrators, PBX connections, voicemail and recording agents.

use super::{room_for, unknown};
use crate::model::build;
use crate::model::change::DirectoryError;
use crate::model::directory::{
    Administrator, CoreServerConfig, PbxServer, RecordingAgent, VoicemailAgent,
};
use crate::model::password::Password;
use crate::model::pbx::Pbx;
use crate::protocol::EventBody;

impl Pbx {
    pub(super) fn create_core_server(
        &mut self,
        cs: &CoreServerConfig,
    ) -> Result<String, DirectoryError> {
        if let Some(core) = &self.core {
            return Err(DirectoryError::Conflict(if core.slug == cs.slug {
                // The sentence the documentation shows for this case (§9.1, SEEN S20).
                "A core server with the given slug already exists.".into()
            } else {
                format!(
                    "this server runs one core server, `{}`, and it exists; delete it first to create `{}`",
                    core.slug, cs.slug
                )
            }));
        }
        let id = self.new_id(cs.id.as_ref(), "core server", |_, _| false)?;
        self.core = Some(build::core_server(cs, id.clone(), id.clone()));
        Ok(id)
    }

    pub(super) fn update_core_server(
        &mut self,
        cs: &CoreServerConfig,
    ) -> Result<(), DirectoryError> {
        let Some(core) = &mut self.core else {
            return Err(no_core_server());
        };
        let (id, configuration_id) = (core.id.clone(), core.configuration_id.clone());
        *core = build::core_server(cs, id, configuration_id);
        Ok(())
    }

    pub(super) fn delete_core_server(
        &mut self,
        out: &mut Vec<EventBody>,
    ) -> Result<(), DirectoryError> {
        if self.core.is_none() {
            return Err(no_core_server());
        }
        self.end_all_activity(out);
        self.core = None;
        self.users.clear();
        self.extensions.clear();
        self.queues.clear();
        self.rooms.clear();
        self.parking_lots.clear();
        self.pbx_servers.clear();
        Ok(())
    }

    pub(super) fn activate_license(&mut self, serial: &str) -> Result<(), DirectoryError> {
        let Some(core) = &mut self.core else {
            return Err(no_core_server());
        };
        core.licensed = true;
        core.license_serial = Some(serial.to_string());
        Ok(())
    }

    pub(super) fn bind_voicemail_agent(&mut self, identifier: &str) -> Result<(), DirectoryError> {
        let Some(core) = &mut self.core else {
            return Err(no_core_server());
        };
        if core.voicemail_agent_identifiers.contains(identifier) {
            return Err(DirectoryError::Conflict(format!(
                "voicemail agent identifier `{identifier}` is already bound"
            )));
        }
        room_for(
            core.voicemail_agent_identifiers.len(),
            "voicemail agent identifier",
        )?;
        core.voicemail_agent_identifiers
            .insert(identifier.to_string());
        Ok(())
    }

    pub(super) fn unbind_voicemail_agent(
        &mut self,
        identifier: &str,
    ) -> Result<(), DirectoryError> {
        let Some(core) = &mut self.core else {
            return Err(no_core_server());
        };
        if core.voicemail_agent_identifiers.remove(identifier) {
            Ok(())
        } else {
            Err(DirectoryError::NotFound(format!(
                "voicemail agent identifier `{identifier}` is not bound"
            )))
        }
    }

    pub(super) fn put_voicemail_agent(
        &mut self,
        agent: &VoicemailAgent,
    ) -> Result<(), DirectoryError> {
        if !self.voicemail_agents.contains_key(&agent.identifier) {
            room_for(self.voicemail_agents.len(), "voicemail agent")?;
        }
        self.voicemail_agents
            .insert(agent.identifier.clone(), agent.clone());
        Ok(())
    }

    pub(super) fn put_recording_agent(
        &mut self,
        agent: &RecordingAgent,
    ) -> Result<(), DirectoryError> {
        if !self.recording_agents.contains_key(&agent.identifier) {
            room_for(self.recording_agents.len(), "recording agent")?;
        }
        self.recording_agents
            .insert(agent.identifier.clone(), agent.clone());
        Ok(())
    }

    pub(super) fn create_pbx_server(
        &mut self,
        id: &Option<String>,
        server: &PbxServer,
    ) -> Result<String, DirectoryError> {
        self.require_core_server()?;
        room_for(self.pbx_servers.len(), "PBX connection")?;
        let id = self.new_id(id.as_ref(), "PBX connection", |pbx, id| {
            pbx.pbx_servers.contains_key(id)
        })?;
        self.pbx_servers.insert(
            id.clone(),
            PbxServer {
                id: id.clone(),
                ..server.clone()
            },
        );
        Ok(id)
    }

    pub(super) fn update_pbx_server(&mut self, server: &PbxServer) -> Result<(), DirectoryError> {
        let Some(slot) = self.pbx_servers.get_mut(&server.id) else {
            return Err(unknown("PBX connection", &server.id));
        };
        *slot = server.clone();
        Ok(())
    }

    pub(super) fn delete_pbx_server(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.pbx_servers
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| unknown("PBX connection", id))
    }

    pub(super) fn create_administrator(
        &mut self,
        id: &Option<String>,
        administrator: &Administrator,
    ) -> Result<String, DirectoryError> {
        room_for(self.administrators.len(), "administrator")?;
        self.administrator_name_free(&administrator.user_name, None)?;
        let id = self.new_id(id.as_ref(), "administrator", |pbx, id| {
            pbx.administrators.contains_key(id)
        })?;
        let stored = self.stored_administrator(&id, administrator);
        self.administrators.insert(id.clone(), stored);
        Ok(id)
    }

    pub(super) fn update_administrator(
        &mut self,
        administrator: &Administrator,
    ) -> Result<(), DirectoryError> {
        let id = administrator.id.clone();
        if !self.administrators.contains_key(&id) {
            return Err(unknown("administrator", &id));
        }
        self.administrator_name_free(&administrator.user_name, Some(&id))?;
        let stored = self.stored_administrator(&id, administrator);
        self.administrators.insert(id, stored);
        Ok(())
    }

    pub(super) fn delete_administrator(&mut self, id: &str) -> Result<(), DirectoryError> {
        self.administrators
            .remove(id)
            .map(|_| ())
            .ok_or_else(|| unknown("administrator", id))
    }

    /// The administrator as kept: with `id`, and its password hashed.
    fn stored_administrator(&mut self, id: &str, administrator: &Administrator) -> Administrator {
        let password =
            build::hashed(&administrator.password, &mut self.salts).map(Password::Hashed);
        Administrator {
            id: id.to_string(),
            password,
            ..administrator.clone()
        }
    }

    fn administrator_name_free(
        &self,
        name: &str,
        except: Option<&str>,
    ) -> Result<(), DirectoryError> {
        let clash = self
            .administrators
            .values()
            .any(|a| a.user_name == name && Some(a.id.as_str()) != except);
        if clash {
            Err(DirectoryError::Conflict(format!(
                "an administrator named `{name}` already exists"
            )))
        } else {
            Ok(())
        }
    }
}

fn no_core_server() -> DirectoryError {
    DirectoryError::NotFound("no core server is configured".into())
}
