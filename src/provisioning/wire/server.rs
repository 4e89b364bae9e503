//! The core server, its Asterisk settings, agents, PBX connections and
//! administrators.

use super::overlay::{hash_of, set};
use crate::model::{
    Administrator, CoreServerConfig, PbxServer, RecordingAgent, Secret, VoicemailAgent,
};
use crate::provisioning::body::{Flag, Ident, Port, SecretText, Text, wire};
use crate::provisioning::secrets;

wire! {
    /// `server/coreServers`: a core server.
    CoreServerWire {
        "id" => id: Ident,
        "slug" => slug: Text,
        "name" => name: Text,
        "brokerHost" => broker_host: Text,
        "brokerPort" => broker_port: Port,
    }
}

impl CoreServerWire {
    pub fn show(cs: &CoreServerConfig) -> CoreServerWire {
        CoreServerWire {
            id: cs.id.clone(),
            slug: Some(cs.slug.clone()),
            name: Some(cs.name.clone()),
            broker_host: Some(cs.broker_host.clone()),
            broker_port: Some(cs.broker_port.clone()),
        }
    }

    pub fn apply(&self, cs: &mut CoreServerConfig) {
        set(&mut cs.slug, &self.slug);
        set(&mut cs.name, &self.name);
        set(&mut cs.broker_host, &self.broker_host);
        set(&mut cs.broker_port, &self.broker_port);
    }
}

wire! {
    /// `asterisk/{cs}`: the core server's Asterisk settings.
    AsteriskWire {
        "originatingContext" => originating_context: Text,
        "redirectingContext" => redirecting_context: Text,
        "musicOnHoldClass" => music_on_hold_class: Text,
    }
}

impl AsteriskWire {
    pub fn show(cs: &CoreServerConfig) -> AsteriskWire {
        AsteriskWire {
            originating_context: Some(cs.asterisk.originating_context.clone()),
            redirecting_context: Some(cs.asterisk.redirecting_context.clone()),
            music_on_hold_class: Some(cs.asterisk.music_on_hold_class.clone()),
        }
    }

    pub fn apply(&self, cs: &mut CoreServerConfig) {
        set(
            &mut cs.asterisk.originating_context,
            &self.originating_context,
        );
        set(
            &mut cs.asterisk.redirecting_context,
            &self.redirecting_context,
        );
        set(
            &mut cs.asterisk.music_on_hold_class,
            &self.music_on_hold_class,
        );
    }
}

wire! {
    /// `asterisk/voicemailAgents/{identifier}`.
    VoicemailAgentWire {
        "identifier" => identifier: Text,
        "rootPath" => root_path: Text,
        "resourceHost" => resource_host: Text,
        "resourceExtension" => resource_extension: Text,
    }
}

impl VoicemailAgentWire {
    pub fn show(agent: &VoicemailAgent) -> VoicemailAgentWire {
        VoicemailAgentWire {
            identifier: Some(agent.identifier.clone()),
            root_path: Some(agent.root_path.clone()),
            resource_host: Some(agent.resource_host.clone()),
            resource_extension: Some(agent.resource_extension.clone()),
        }
    }

    pub fn apply(&self, agent: &mut VoicemailAgent) {
        set(&mut agent.root_path, &self.root_path);
        set(&mut agent.resource_host, &self.resource_host);
        set(&mut agent.resource_extension, &self.resource_extension);
    }
}

wire! {
    /// `asterisk/recordingAgents/{identifier}`.
    RecordingAgentWire {
        "identifier" => identifier: Text,
        "rootPath" => root_path: Text,
        "resourceHost" => resource_host: Text,
        "resourceExtension" => resource_extension: Text,
        "fileNameMask" => file_name_mask: Text,
    }
}

impl RecordingAgentWire {
    pub fn show(agent: &RecordingAgent) -> RecordingAgentWire {
        RecordingAgentWire {
            identifier: Some(agent.identifier.clone()),
            root_path: Some(agent.root_path.clone()),
            resource_host: Some(agent.resource_host.clone()),
            resource_extension: Some(agent.resource_extension.clone()),
            file_name_mask: Some(agent.file_name_mask.clone()),
        }
    }

    pub fn apply(&self, agent: &mut RecordingAgent) {
        set(&mut agent.root_path, &self.root_path);
        set(&mut agent.resource_host, &self.resource_host);
        set(&mut agent.resource_extension, &self.resource_extension);
        set(&mut agent.file_name_mask, &self.file_name_mask);
    }
}

wire! {
    /// `asterisk/{cs}/pbxServers`: a connection to an Asterisk server.
    PbxServerWire {
        "id" => id: Ident,
        "displayName" => display_name: Text,
        "host" => host: Text,
        "port" => port: Port,
        "username" => username: Text,
        "password" => password: SecretText,
        "enabled" => enabled: Flag,
        "cdrHost" => cdr_host: Text,
        "cdrPort" => cdr_port: Port,
        "cdrUsername" => cdr_username: Text,
        "cdrPassword" => cdr_password: SecretText,
        "recordingAgentIdentifier" => recording_agent_identifier: Text,
    }
}

impl PbxServerWire {
    pub fn show(p: &PbxServer) -> PbxServerWire {
        PbxServerWire {
            id: Some(p.id.clone()),
            display_name: Some(p.display_name.clone()),
            host: Some(p.host.clone()),
            port: Some(p.port.clone()),
            username: Some(p.username.clone()),
            password: Some(Secret::new(p.password.clone())),
            enabled: Some(p.enabled),
            cdr_host: Some(p.cdr_host.clone()),
            cdr_port: Some(p.cdr_port.clone()),
            cdr_username: Some(p.cdr_username.clone()),
            cdr_password: Some(Secret::new(p.cdr_password.clone())),
            recording_agent_identifier: Some(p.recording_agent_identifier.clone()),
        }
    }

    pub fn apply(&self, p: &mut PbxServer) {
        set(&mut p.display_name, &self.display_name);
        set(&mut p.host, &self.host);
        set(&mut p.port, &self.port);
        set(&mut p.username, &self.username);
        if let Some(password) = &self.password {
            p.password = password.expose().to_string();
        }
        set(&mut p.enabled, &self.enabled);
        set(&mut p.cdr_host, &self.cdr_host);
        set(&mut p.cdr_port, &self.cdr_port);
        set(&mut p.cdr_username, &self.cdr_username);
        if let Some(password) = &self.cdr_password {
            p.cdr_password = password.expose().to_string();
        }
        set(
            &mut p.recording_agent_identifier,
            &self.recording_agent_identifier,
        );
    }
}

wire! {
    /// `server/administrators`. `password` shows the stored salted hash.
    AdministratorWire {
        "id" => id: Ident,
        "userName" => user_name: Text,
        "password" => password: SecretText,
        "superUser" => super_user: Flag,
    }
}

impl AdministratorWire {
    pub fn show(a: &Administrator) -> AdministratorWire {
        AdministratorWire {
            id: Some(a.id.clone()),
            user_name: Some(a.user_name.clone()),
            password: Some(secrets::shown(hash_of(a.password.as_ref()))),
            super_user: Some(a.super_user),
        }
    }

    pub fn apply(&self, a: &mut Administrator) {
        set(&mut a.user_name, &self.user_name);
        set(&mut a.super_user, &self.super_user);
        if let Some(sent) = &self.password {
            a.password = secrets::received(hash_of(a.password.as_ref()), sent);
        }
    }
}
