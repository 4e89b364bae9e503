//! The state transitions the PBX model accepts. Scripted steps, random traffic and
//! REST actions all become these.

/// A scripted name for a call, chosen by whoever starts it ("c1", "inbound-17").
pub type CallLabel = String;

/// Who places a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// A configured extension, by number.
    Extension(String),
    /// An outside caller.
    External {
        /// Caller-ID number.
        number: String,
        /// Caller-ID name.
        name: String,
        /// The number dialed to reach the PBX (DID), if known.
        did: Option<String>,
    },
}

/// Where a call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A configured extension, by number: it rings.
    Extension(String),
    /// A queue, by identifier: the caller waits until an agent answers.
    Queue(String),
    /// A conference room, by identifier: the caller joins at once.
    Conference(String),
    /// An outside number: it rings outside the PBX.
    External(String),
}

/// One of the 11 status types of docs/protocol.md §4.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusType {
    /// `available`
    Available,
    /// `unavailable`
    Unavailable,
    /// `away`
    Away,
    /// `xa` (extended away)
    Xa,
    /// `dnd`
    Dnd,
    /// `chat`
    Chat,
    /// `altblue`
    AltBlue,
    /// `altgreen`
    AltGreen,
    /// `altpink`
    AltPink,
    /// `altpurple`
    AltPurple,
    /// `altred`
    AltRed,
}

impl StatusType {
    /// All status types, in the order of docs/protocol.md §4.3.
    pub const ALL: [StatusType; 11] = [
        StatusType::Available,
        StatusType::Unavailable,
        StatusType::Away,
        StatusType::Xa,
        StatusType::Dnd,
        StatusType::Chat,
        StatusType::AltBlue,
        StatusType::AltGreen,
        StatusType::AltPink,
        StatusType::AltPurple,
        StatusType::AltRed,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusType::Available => "available",
            StatusType::Unavailable => "unavailable",
            StatusType::Away => "away",
            StatusType::Xa => "xa",
            StatusType::Dnd => "dnd",
            StatusType::Chat => "chat",
            StatusType::AltBlue => "altblue",
            StatusType::AltGreen => "altgreen",
            StatusType::AltPink => "altpink",
            StatusType::AltPurple => "altpurple",
            StatusType::AltRed => "altred",
        }
    }

    /// Parses the wire spelling.
    pub fn from_name(name: &str) -> Option<StatusType> {
        StatusType::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A status to set on a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// Display name ("Lunch").
    pub name: String,
    /// Category.
    pub status_type: StatusType,
    /// Free text, may be empty.
    pub note: String,
    /// Milliseconds from now until the expected return; `None` sends `-1`.
    pub return_in_ms: Option<u64>,
    /// A custom status typed by the user rather than a configured one.
    pub user_created: bool,
}

/// A state change requested of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A user logs into the client interface.
    UserLogin {
        /// Username.
        user: String,
        /// Client address.
        ip: String,
        /// Client port.
        port: u16,
    },
    /// A user logs out of the client interface.
    UserLogout {
        /// Username.
        user: String,
    },
    /// A user's status changes.
    SetStatus {
        /// Username.
        user: String,
        /// The new status.
        status: StatusChange,
    },
    /// An extension logs into a queue as an agent.
    AgentLogin {
        /// Queue identifier.
        queue: String,
        /// Extension number.
        extension: String,
    },
    /// An agent logs out of a queue.
    AgentLogout {
        /// Queue identifier.
        queue: String,
        /// Extension number.
        extension: String,
    },
    /// An agent pauses or resumes taking queue calls.
    AgentPause {
        /// Queue identifier.
        queue: String,
        /// Extension number.
        extension: String,
        /// Paused or not.
        paused: bool,
    },
    /// An agent's queue penalty changes.
    AgentPenalty {
        /// Queue identifier.
        queue: String,
        /// Extension number.
        extension: String,
        /// The new penalty.
        penalty: u32,
    },
    /// Do Not Disturb on an extension.
    SetDnd {
        /// Extension number.
        extension: String,
        /// On or off.
        on: bool,
    },
    /// A call starts.
    Dial {
        /// Name for the call in later commands.
        call: CallLabel,
        /// Who calls.
        from: Party,
        /// Where to.
        to: Destination,
    },
    /// A ringing call is answered, or a queued call is taken by an agent.
    Answer {
        /// The call.
        call: CallLabel,
        /// The answering extension; required for a queued call (must be an agent of
        /// the queue), optional otherwise.
        by: Option<String>,
    },
    /// The caller is put on hold or taken off hold.
    Hold {
        /// The call.
        call: CallLabel,
        /// On hold or not.
        on: bool,
    },
    /// Recording starts or stops.
    Record {
        /// The call.
        call: CallLabel,
        /// Recording or not.
        on: bool,
    },
    /// Blind transfer: the answering side drops and the caller rings the target.
    Transfer {
        /// The call.
        call: CallLabel,
        /// Target extension number.
        to: String,
    },
    /// The call ends: every segment hangs up.
    Hangup {
        /// The call.
        call: CallLabel,
    },
}

impl Command {
    /// The action's name as scenario files spell it.
    pub fn action_name(&self) -> &'static str {
        match self {
            Command::UserLogin { .. } => "login",
            Command::UserLogout { .. } => "logout",
            Command::SetStatus { .. } => "status",
            Command::AgentLogin { .. } => "agent_login",
            Command::AgentLogout { .. } => "agent_logout",
            Command::AgentPause { .. } => "agent_pause",
            Command::AgentPenalty { .. } => "agent_penalty",
            Command::SetDnd { .. } => "dnd",
            Command::Dial { .. } => "dial",
            Command::Answer { .. } => "answer",
            Command::Hold { .. } => "hold",
            Command::Record { .. } => "record",
            Command::Transfer { .. } => "transfer",
            Command::Hangup { .. } => "hangup",
        }
    }
}
