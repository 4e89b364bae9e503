//! Every event payload, each declared once with `payload!`: the macro derives
//! the struct, the JSON fields in catalogue order, the property lookup used by
//! filters and the catalogue rows, so they cannot drift apart.

use serde::ser::SerializeMap;

use super::property::{PropTypeOf, PropertySpec};
use crate::protocol::value::{AsProp, PropValue};

macro_rules! payload {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $field:ident : $ty:ty => $wire:literal, $meaning:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $( #[doc = $meaning] pub $field: $ty, )*
        }

        impl $name {
            /// The event-specific properties, in wire order.
            pub const PROPERTIES: &'static [PropertySpec] = &[
                $( PropertySpec {
                    name: $wire,
                    ty: <$ty as PropTypeOf>::PROP_TYPE,
                    meaning: $meaning,
                }, )*
            ];

            /// The value of one event-specific property, if the payload has it.
            pub fn property(&self, name: &str) -> Option<PropValue<'_>> {
                match name {
                    $( $wire => Some(self.$field.as_prop()), )*
                    _ => None,
                }
            }

            /// Every event-specific property, in wire order.
            pub fn for_each_property<'a>(&'a self, f: &mut dyn FnMut(&'static str, PropValue<'a>)) {
                $( f($wire, self.$field.as_prop()); )*
            }

            pub(super) fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                $( map.serialize_entry($wire, &self.$field)?; )*
                Ok(())
            }
        }
    };
}

payload! {
    /// A login session of a user in the client interface (`userLogin`, `userLogout`).
    pub struct UserSession {
        user_id: String => "userId", "UUID of the user.";
        username: String => "username", "Login name of that user.";
        user_login_id: String => "userLoginId", "UUID of the object representing this login session (the same in the matching userLogout).";
        ip: String => "ip", "Address the client connected from (may be an empty string).";
        port: u16 => "port", "Client-side port of the client interface connection.";
    }
}

payload! {
    /// A user's status changed (`userStatus`).
    pub struct UserStatus {
        user_id: String => "userId", "UUID of the user whose status was set.";
        username: String => "username", "Login name of that user.";
        name: String => "name", "Display name of the status.";
        status_type: String => "statusType", "One of available, unavailable, away, xa, dnd, chat, altblue, altgreen, altpink, altpurple, altred. Informational only.";
        note: String => "note", "Free-text note attached to the status (may be empty).";
        return_time: i64 => "returnTime", "Expected return time, epoch milliseconds, or -1 when unset.";
        user_created: bool => "userCreated", "true for a custom status typed by the user, false for a pre-configured one.";
    }
}

payload! {
    /// An agent logged into or out of a queue (`agentLogin`, `agentLogout`).
    pub struct AgentMembership {
        agent_id: String => "agentId", "UUID of the queue agent (the Live REST agent id).";
        agent: String => "agent", "Display name of the agent.";
        state: String => "state", "Device state of the agent, an Asterisk token such as NOT_INUSE.";
        queue_id: String => "queueId", "UUID of the queue.";
        queue: String => "queue", "Display name of the queue.";
        extension_id: String => "extensionId", "UUID of the agent's extension.";
        extension_number: String => "extensionNumber", "Number of that extension.";
        user_id: String => "userId", "UUID of the related user.";
        username: String => "username", "Username of the related user.";
    }
}

payload! {
    /// Two call segments stopped being bridged (`linkEnd`).
    pub struct LinkEnd {
        call_segment_id1: String => "callSegmentId1", "UUID of the first segment of the former link.";
        caller_id_name1: String => "callerIdName1", "Caller-ID name of the first segment.";
        caller_id_number1: String => "callerIdNumber1", "Caller-ID number of the first segment.";
        did1: Option<String> => "did1", "Number the first segment used to enter the system; null if it was created by a dial.";
        extension_id1: Option<String> => "extensionId1", "UUID of the first segment's extension; null if none.";
        extension_number1: Option<String> => "extensionNumber1", "Number of the first segment's extension; null if none.";
        user_id1: Option<String> => "userId1", "UUID of the first segment's user; null if none.";
        username1: Option<String> => "username1", "Username of the first segment's user; null if none.";
        call_segment_id2: String => "callSegmentId2", "UUID of the second segment of the former link.";
        caller_id_name2: String => "callerIdName2", "Caller-ID name of the second segment.";
        caller_id_number2: String => "callerIdNumber2", "Caller-ID number of the second segment.";
        did2: Option<String> => "did2", "Number the second segment used to enter the system; null if it was created by a dial.";
        extension_id2: Option<String> => "extensionId2", "UUID of the second segment's extension; null if none.";
        extension_number2: Option<String> => "extensionNumber2", "Number of the second segment's extension; null if none.";
        user_id2: Option<String> => "userId2", "UUID of the second segment's user; null if none.";
        username2: Option<String> => "username2", "Username of the second segment's user; null if none.";
    }
}

payload! {
    /// A call segment was hung up (`hangup`).
    pub struct SegmentHangup {
        call_segment_id: String => "callSegmentId", "UUID of the segment that was hung up.";
        caller_id_name: String => "callerIdName", "Caller-ID name of the segment.";
        caller_id_number: String => "callerIdNumber", "Caller-ID number of the segment.";
        did: Option<String> => "did", "Number the segment used to enter the system; null if it was created by a dial.";
        extension_id: Option<String> => "extensionId", "UUID of the segment's extension; null if none.";
        extension_number: Option<String> => "extensionNumber", "Number of the segment's extension; null if none.";
        user_id: Option<String> => "userId", "UUID of the segment's user; null if none.";
        username: Option<String> => "username", "Username of the segment's user; null if none.";
    }
}

payload! {
    /// A call segment left a conference room (`confRoomCallLeave`).
    pub struct ConfRoomCallLeave {
        call_segment_id: String => "callSegmentId", "UUID of the segment that left the room.";
        caller_id_name: String => "callerIdName", "Caller-ID name of the segment.";
        caller_id_number: String => "callerIdNumber", "Caller-ID number of the segment.";
        did: Option<String> => "did", "Number the segment used to enter the system; null if it was created by a dial.";
        conference_room_id: String => "conferenceRoomId", "UUID of the room (the Live REST conferences id).";
        conference_room_name: String => "conferenceRoomName", "Name of the room.";
        extension_id: Option<String> => "extensionId", "UUID of the segment's extension; null if none.";
        extension_number: Option<String> => "extensionNumber", "Number of the segment's extension; null if none.";
        user_id: Option<String> => "userId", "UUID of the segment's user; null if none.";
        username: Option<String> => "username", "Username of the segment's user; null if none.";
    }
}

payload! {
    /// A call segment dialed another (`dial`). INFERRED: the type name appears only in
    /// the documentation's filter examples; these properties are our guess, modelled
    /// on `linkEnd` (1 = the dialing segment, 2 = the dialed one).
    pub struct Dial {
        call_segment_id1: String => "callSegmentId1", "UUID of the dialing segment (guess).";
        caller_id_name1: String => "callerIdName1", "Caller-ID name of the dialing segment (guess).";
        caller_id_number1: String => "callerIdNumber1", "Caller-ID number of the dialing segment (guess).";
        extension_number1: Option<String> => "extensionNumber1", "Extension number of the dialing segment; null if none (guess).";
        username1: Option<String> => "username1", "Username of the dialing segment's user; null if none (guess).";
        call_segment_id2: String => "callSegmentId2", "UUID of the dialed segment (guess).";
        caller_id_number2: String => "callerIdNumber2", "Number that was dialed (guess).";
        extension_number2: Option<String> => "extensionNumber2", "Extension number of the dialed segment; null if none (guess).";
        username2: Option<String> => "username2", "Username of the dialed segment's user; null if none (guess).";
    }
}
