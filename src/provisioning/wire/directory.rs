//! Extensions, users and their contacts, queues, conference rooms and parking lots.

use super::overlay::{hash_of, set};
use crate::model::{
    EmailAddress, ExtensionConfig, License, ParkingLot, PhoneNumber, QueueConfig, RoomConfig,
    Routing, UserConfig,
};
use crate::provisioning::body::{Count, Flag, Ident, SecretText, Text, wire};
use crate::provisioning::secrets;

wire! {
    /// `asterisk/{cs}/extensions`.
    ExtensionWire {
        "id" => id: Ident,
        "restricted" => restricted: Flag,
        "extension" => extension: Text,
        "displayName" => display_name: Text,
        "autoAnswer" => auto_answer: Flag,
        "peer" => peer: Text,
        "altOriginationMethod" => alt_origination_method: Text,
        "agentName" => agent_name: Text,
        "agentLocation" => agent_location: Text,
        "agentInterface" => agent_interface: Text,
        "agentPenalty" => agent_penalty: Count,
        "agentPaused" => agent_paused: Flag,
        "originatingContextOverride" => originating_context_override: Text,
        "redirectingContextOverride" => redirecting_context_override: Text,
        "originateTimeoutOverride" => originate_timeout_override: Count,
        "voiceMailContext" => voice_mail_context: Text,
        "voiceMailBox" => voice_mail_box: Text,
    }
}

impl ExtensionWire {
    pub fn show(e: &ExtensionConfig) -> ExtensionWire {
        let s = &e.settings;
        ExtensionWire {
            id: e.id.clone(),
            restricted: Some(s.restricted),
            extension: Some(e.number.clone()),
            display_name: Some(e.display_name.clone()),
            auto_answer: Some(s.auto_answer),
            peer: Some(s.peer.clone()),
            alt_origination_method: Some(s.alt_origination_method.clone()),
            agent_name: Some(s.agent_name.clone()),
            agent_location: Some(s.agent_location.clone()),
            agent_interface: Some(s.agent_interface.clone()),
            agent_penalty: Some(s.agent_penalty),
            agent_paused: Some(s.agent_paused),
            originating_context_override: Some(s.originating_context_override.clone()),
            redirecting_context_override: Some(s.redirecting_context_override.clone()),
            originate_timeout_override: Some(s.originate_timeout_override),
            voice_mail_context: Some(s.voice_mail_context.clone()),
            voice_mail_box: Some(s.voice_mail_box.clone()),
        }
    }

    pub fn apply(&self, e: &mut ExtensionConfig) {
        set(&mut e.number, &self.extension);
        set(&mut e.display_name, &self.display_name);
        let s = &mut e.settings;
        set(&mut s.restricted, &self.restricted);
        set(&mut s.auto_answer, &self.auto_answer);
        set(&mut s.peer, &self.peer);
        set(&mut s.alt_origination_method, &self.alt_origination_method);
        set(&mut s.agent_name, &self.agent_name);
        set(&mut s.agent_location, &self.agent_location);
        set(&mut s.agent_interface, &self.agent_interface);
        set(&mut s.agent_penalty, &self.agent_penalty);
        set(&mut s.agent_paused, &self.agent_paused);
        set(
            &mut s.originating_context_override,
            &self.originating_context_override,
        );
        set(
            &mut s.redirecting_context_override,
            &self.redirecting_context_override,
        );
        set(
            &mut s.originate_timeout_override,
            &self.originate_timeout_override,
        );
        set(&mut s.voice_mail_context, &self.voice_mail_context);
        set(&mut s.voice_mail_box, &self.voice_mail_box);
    }
}

wire! {
    /// `core/{cs}/users`. `password` shows the stored salted hash; `full` is the
    /// license (§4).
    UserWire {
        "id" => id: Ident,
        "restricted" => restricted: Flag,
        "username" => username: Text,
        "password" => password: SecretText,
        "enabled" => enabled: Flag,
        "full" => full: Flag,
    }
}

impl UserWire {
    pub fn show(u: &UserConfig) -> UserWire {
        UserWire {
            id: u.id.clone(),
            restricted: Some(u.restricted),
            username: Some(u.username.clone()),
            password: Some(secrets::shown(hash_of(u.password.as_ref()))),
            enabled: Some(u.enabled),
            full: Some(u.license == License::Full),
        }
    }

    pub fn apply(&self, u: &mut UserConfig) {
        set(&mut u.restricted, &self.restricted);
        set(&mut u.username, &self.username);
        set(&mut u.enabled, &self.enabled);
        if let Some(full) = self.full {
            u.license = if full { License::Full } else { License::Basic };
        }
        if let Some(sent) = &self.password {
            u.password = secrets::received(hash_of(u.password.as_ref()), sent);
        }
    }
}

wire! {
    /// `contact/{cs}/users/{id}`: the names of a user's contact.
    ContactWire {
        "firstName" => first_name: Text,
        "lastName" => last_name: Text,
    }
}

impl ContactWire {
    pub fn show(u: &UserConfig) -> ContactWire {
        ContactWire {
            first_name: Some(u.contact.first_name.clone()),
            last_name: Some(u.contact.last_name.clone()),
        }
    }

    pub fn apply(&self, u: &mut UserConfig) {
        set(&mut u.contact.first_name, &self.first_name);
        set(&mut u.contact.last_name, &self.last_name);
    }
}

wire! {
    /// `contact/{cs}/users/{id}/emailAddresses`.
    EmailWire {
        "id" => id: Ident,
        "type" => kind: Text,
        "address" => address: Text,
    }
}

impl EmailWire {
    pub fn show(e: &EmailAddress) -> EmailWire {
        EmailWire {
            id: Some(e.id.clone()),
            kind: Some(e.kind.clone()),
            address: Some(e.address.clone()),
        }
    }
}

wire! {
    /// `contact/{cs}/users/{id}/phoneNumbers`.
    PhoneWire {
        "id" => id: Ident,
        "type" => kind: Text,
        "number" => number: Text,
    }
}

impl PhoneWire {
    pub fn show(p: &PhoneNumber) -> PhoneWire {
        PhoneWire {
            id: Some(p.id.clone()),
            kind: Some(p.kind.clone()),
            number: Some(p.number.clone()),
        }
    }
}

wire! {
    /// `asterisk/{cs}/queues`.
    QueueWire {
        "id" => id: Ident,
        "restricted" => restricted: Flag,
        "displayName" => display_name: Text,
        "identifier" => identifier: Text,
        "destinationExtension" => destination_extension: Text,
        "destinationContext" => destination_context: Text,
        "enabled" => enabled: Flag,
    }
}

impl QueueWire {
    pub fn show(q: &QueueConfig) -> QueueWire {
        QueueWire {
            id: q.id.clone(),
            restricted: Some(q.routing.restricted),
            display_name: Some(q.name.clone()),
            identifier: Some(q.identifier.clone()),
            destination_extension: Some(q.destination_extension.clone()),
            destination_context: Some(q.routing.destination_context.clone()),
            enabled: Some(q.enabled),
        }
    }

    pub fn apply(&self, q: &mut QueueConfig) {
        set(&mut q.routing.restricted, &self.restricted);
        set(&mut q.name, &self.display_name);
        set(&mut q.identifier, &self.identifier);
        set(&mut q.destination_extension, &self.destination_extension);
        set(
            &mut q.routing.destination_context,
            &self.destination_context,
        );
        set(&mut q.enabled, &self.enabled);
    }
}

wire! {
    /// `asterisk/{cs}/conferenceRooms` and `asterisk/{cs}/parkingLots`: the same
    /// fields. A room's `destinationExtension` is the number dialed to join it
    /// (the Live API's `dialString`).
    PlaceWire {
        "id" => id: Ident,
        "restricted" => restricted: Flag,
        "name" => name: Text,
        "identifier" => identifier: Text,
        "destinationExtension" => destination_extension: Text,
        "destinationContext" => destination_context: Text,
    }
}

impl PlaceWire {
    pub fn show_room(r: &RoomConfig) -> PlaceWire {
        PlaceWire::show(
            r.id.clone(),
            &r.name,
            &r.identifier,
            &r.dial_string,
            &r.routing,
        )
    }

    pub fn show_lot(p: &ParkingLot) -> PlaceWire {
        let id = Some(p.id.clone());
        PlaceWire::show(
            id,
            &p.name,
            &p.identifier,
            &p.destination_extension,
            &p.routing,
        )
    }

    fn show(
        id: Option<String>,
        name: &str,
        identifier: &str,
        destination: &str,
        routing: &Routing,
    ) -> PlaceWire {
        PlaceWire {
            id,
            restricted: Some(routing.restricted),
            name: Some(name.into()),
            identifier: Some(identifier.into()),
            destination_extension: Some(destination.into()),
            destination_context: Some(routing.destination_context.clone()),
        }
    }

    pub fn apply_room(&self, r: &mut RoomConfig) {
        set(&mut r.name, &self.name);
        set(&mut r.identifier, &self.identifier);
        set(&mut r.dial_string, &self.destination_extension);
        self.apply_routing(&mut r.routing);
    }

    pub fn apply_lot(&self, p: &mut ParkingLot) {
        set(&mut p.name, &self.name);
        set(&mut p.identifier, &self.identifier);
        set(&mut p.destination_extension, &self.destination_extension);
        self.apply_routing(&mut p.routing);
    }

    fn apply_routing(&self, routing: &mut Routing) {
        set(&mut routing.restricted, &self.restricted);
        set(&mut routing.destination_context, &self.destination_context);
    }
}
