//! Why the model refused a command or a directory.

/// A refused transition or an inconsistent directory. Every message names the
/// objects involved and, where there is one, what would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// No user with that username.
    #[error("unknown user `{0}`")]
    UnknownUser(String),
    /// No extension with that number.
    #[error("unknown extension `{0}`")]
    UnknownExtension(String),
    /// No queue with that identifier.
    #[error("unknown queue `{0}`")]
    UnknownQueue(String),
    /// No conference room with that identifier.
    #[error("unknown conference room `{0}`")]
    UnknownRoom(String),
    /// No live call with that label.
    #[error("no live call `{0}` (it never started or has already ended)")]
    UnknownCall(String),
    /// The directory contradicts itself.
    #[error("invalid directory: {0}")]
    InvalidDirectory(String),
    /// The command does not fit the current state.
    #[error("cannot {action} {subject}: {reason}")]
    Refused {
        /// What was attempted ("answer").
        action: &'static str,
        /// The object it was attempted on ("call `c1`").
        subject: String,
        /// Why not ("it is connected, not ringing").
        reason: String,
    },
    /// The command would take the model past one of its size limits.
    #[error(
        "cannot {action}: {max} {} at once is the limit ({}); raise it with serve --{} or make the scenario lighter",
        limit.counts(),
        limit.name(),
        limit.name()
    )]
    LimitReached {
        /// What was attempted ("dial").
        action: &'static str,
        /// Which limit.
        limit: super::limits::CallLimit,
        /// Its value.
        max: usize,
    },
}

impl ModelError {
    pub(crate) fn refused(
        action: &'static str,
        subject: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ModelError::Refused {
            action,
            subject: subject.into(),
            reason: reason.into(),
        }
    }
}
