//! The statements of our protocol description that a capture can confirm or
//! contradict, each with its tag: documented (SEEN), inferred (INFERRED) or our
//! default (FAKE-DEFAULT), and the section of docs/protocol.md it comes from.

use serde::Serialize;

/// Where a statement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Tag {
    /// Read in the iSymphony documentation (SEEN).
    Documented,
    /// Deduced from documented material (INFERRED).
    Inferred,
    /// Not documented anywhere we could read: our choice (FAKE-DEFAULT).
    OurDefault,
}

impl Tag {
    /// The words used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Documented => "documented",
            Tag::Inferred => "inferred",
            Tag::OurDefault => "our default",
        }
    }
}

/// One statement a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// A stable short name, for scripts reading `--json`.
    pub id: &'static str,
    /// Its provenance.
    pub tag: Tag,
    /// The section of docs/protocol.md.
    pub section: &'static str,
    /// What it says.
    pub text: &'static str,
}

/// Statement `event-types`.
pub const EVENT_TYPES: Statement = Statement {
    id: "event-types",
    tag: Tag::Documented,
    section: "§4",
    text: "the Event API sends the eight catalogue types userLogin, userLogout, userStatus, agentLogin, agentLogout, linkEnd, hangup, confRoomCallLeave",
};

/// Statement `dial-exists`.
pub const DIAL_EXISTS: Statement = Statement {
    id: "dial-exists",
    tag: Tag::Inferred,
    section: "§4.9",
    text: "a `dial` event exists (its name appears only in filter examples); its properties are our guess",
};

/// Statement `base-properties`.
pub const BASE_PROPERTIES: Statement = Statement {
    id: "base-properties",
    tag: Tag::Documented,
    section: "§3",
    text: "every event carries `type` (string), `time` (integer epoch ms) and `coreServerId` (string)",
};

/// Statement `properties`.
pub const PROPERTIES: Statement = Statement {
    id: "properties",
    tag: Tag::Documented,
    section: "§4",
    text: "each documented event type carries the properties its catalogue entry lists",
};

/// Statement `dial-properties`.
pub const DIAL_PROPERTIES: Statement = Statement {
    id: "dial-properties",
    tag: Tag::OurDefault,
    section: "§4.9",
    text: "a `dial` event carries the properties of our guess (modelled on linkEnd)",
};

/// Statement `property-types`.
pub const PROPERTY_TYPES: Statement = Statement {
    id: "property-types",
    tag: Tag::Documented,
    section: "§4",
    text: "each property has the JSON type its catalogue entry gives (string, string|null, integer, boolean)",
};

/// Statement `nulls-sent`.
pub const NULLS_SENT: Statement = Statement {
    id: "nulls-sent",
    tag: Tag::OurDefault,
    section: "§2",
    text: "a nullable property without a value is sent as null, never omitted",
};

/// Statement `status-types`.
pub const STATUS_TYPES: Statement = Statement {
    id: "status-types",
    tag: Tag::Documented,
    section: "§4.3",
    text: "`statusType` is one of available, unavailable, away, xa, dnd, chat, altblue, altgreen, altpink, altpurple, altred",
};

/// Statement `return-time`.
pub const RETURN_TIME: Statement = Statement {
    id: "return-time",
    tag: Tag::Documented,
    section: "§4.3",
    text: "`returnTime` is epoch ms, or -1 when not set",
};

/// Statement `agent-states`.
pub const AGENT_STATES: Statement = Statement {
    id: "agent-states",
    tag: Tag::Inferred,
    section: "§4.4",
    text: "agent `state` is an Asterisk device-state token such as NOT_INUSE, INUSE, BUSY, RINGING, UNAVAILABLE, ONHOLD, UNKNOWN",
};

/// Statement `time-is-epoch-ms`.
pub const TIME_IS_EPOCH_MS: Statement = Statement {
    id: "time-is-epoch-ms",
    tag: Tag::Documented,
    section: "§3",
    text: "`time` is the generation time in Unix epoch milliseconds",
};

/// Statement `link-end-first`.
pub const LINK_END_FIRST: Statement = Statement {
    id: "link-end-first",
    tag: Tag::OurDefault,
    section: "§4.6",
    text: "when a bridged call ends, its `linkEnd` comes before the `hangup`s of its two segments",
};

/// Statement `alphabetical-keys`.
pub const ALPHABETICAL_KEYS: Statement = Statement {
    id: "alphabetical-keys",
    tag: Tag::Documented,
    section: "§2",
    text: "properties appear in alphabetical order (revision 28.1 of the docs; later examples are not ordered, so clients must not rely on order)",
};

/// Statement `no-greeting`.
pub const NO_GREETING: Statement = Statement {
    id: "no-greeting",
    tag: Tag::OurDefault,
    section: "§2",
    text: "nothing is sent after connecting until an event occurs (no hello message)",
};

/// Statement `one-core-server`.
pub const ONE_CORE_SERVER: Statement = Statement {
    id: "one-core-server",
    tag: Tag::Documented,
    section: "§3",
    text: "`coreServerId` is the UUID of the core server that fired the event (one per tenant)",
};

/// Statement `live-representations`.
pub const LIVE_REPRESENTATIONS: Statement = Statement {
    id: "live-representations",
    tag: Tag::Documented,
    section: "§6.2",
    text: "Live API objects carry the fields of their documented JSON representation",
};

/// Statement `live-core-server`.
pub const LIVE_CORE_SERVER: Statement = Statement {
    id: "live-core-server",
    tag: Tag::OurDefault,
    section: "§6.3",
    text: "GET on a core server's Live URL answers its id, slug and name",
};

/// Every statement the audit checks.
pub const STATEMENTS: &[&Statement] = &[
    &EVENT_TYPES,
    &DIAL_EXISTS,
    &BASE_PROPERTIES,
    &PROPERTIES,
    &DIAL_PROPERTIES,
    &PROPERTY_TYPES,
    &NULLS_SENT,
    &STATUS_TYPES,
    &RETURN_TIME,
    &AGENT_STATES,
    &TIME_IS_EPOCH_MS,
    &LINK_END_FIRST,
    &ALPHABETICAL_KEYS,
    &NO_GREETING,
    &ONE_CORE_SERVER,
    &LIVE_REPRESENTATIONS,
    &LIVE_CORE_SERVER,
];
