//! What the server makes of one client text message, in one place: the Event
//! API sessions and the dashboard's filter box both answer through it, so the
//! box parses, limits and lints a filter exactly as a connection would.

use crate::protocol::message::lint;
use crate::protocol::{
    ClientMessage, EventKind, FilterSet, MessageError, ParseOptions, ServerReply,
    parse_client_message,
};

/// The verdict on one client message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Judged {
    /// A filter message to put in force, and its success reply (with lint warnings).
    Accepted {
        filters: FilterSet,
        reply: ServerReply,
    },
    /// A message that cannot be used; the previous filters stay in force.
    Refused {
        reply: ServerReply,
        /// Whether it was refused for more entries than `--max-filters`.
        over_limit: bool,
    },
}

/// Judges `text` (`None`: a binary frame) as a session with these options
/// would; `emitted` is what the run in play sends (`None`: anything may come, so
/// no rule is linted as one that never matches).
pub(crate) fn judge(
    text: Option<&str>,
    parse: ParseOptions,
    max_filters: usize,
    emitted: Option<&[EventKind]>,
) -> Judged {
    let parsed = match text {
        Some(text) => parse_client_message(text, parse),
        None => Err(MessageError::BinaryFrame),
    };
    let refused = |error: String, over_limit| Judged::Refused {
        reply: ServerReply::FilterRejected { error },
        over_limit,
    };
    match parsed {
        Ok(ClientMessage::Filter(filters)) if filters.rules().len() > max_filters => refused(
            format!(
                "the filter message has {} entries; this server accepts at most {max_filters} per message (--max-filters); the previous filters stay in force",
                filters.rules().len(),
            ),
            true,
        ),
        Ok(ClientMessage::Filter(filters)) => {
            let warnings = emitted.map_or_else(Vec::new, |kinds| lint(&filters, kinds));
            Judged::Accepted {
                filters,
                reply: ServerReply::FilterAccepted { warnings },
            }
        }
        Err(err) => refused(err.to_string(), false),
    }
}
