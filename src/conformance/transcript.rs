//! A transcript: what one client sent and what it was given, in order, on the
//! virtual clock. Every target renders it the same way, so transcripts from the
//! in-process player, a live server and a client under test compare line by line.
//!
//! ```text
//!         0s client    {"filters":[{"property":"type","value":"hangup"}],"type":"filter"}
//!         0s reply     {"type":"filterResponse","success":true}
//!      1m10s event     {"type":"hangup","time":1700000070000,...}
//!         2m reconnect
//! ```
//!
//! Client messages are shown re-encoded (compact, keys sorted) so that formatting
//! and key order do not matter; text that is not JSON is shown as sent. Events and
//! replies are shown as the server sent them.

use std::fmt::Write as _;

use serde_json::Value;

use crate::scenario::duration::format_duration;

/// One line of a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// The client sent a text frame (already canonical, see [`canonical_client_text`]).
    Sent {
        /// Virtual ms.
        at_ms: u64,
        /// The message.
        text: String,
    },
    /// The server answered a client message.
    Reply {
        /// Virtual ms.
        at_ms: u64,
        /// The reply as sent.
        text: String,
    },
    /// The server delivered an event.
    Event {
        /// Virtual ms of the batch that caused it.
        at_ms: u64,
        /// The event as sent.
        text: String,
    },
    /// The client closed its connection and opened a new one.
    Reconnect {
        /// Virtual ms.
        at_ms: u64,
    },
}

impl Entry {
    /// The line as it appears in snapshots and diffs.
    pub fn line(&self) -> String {
        let (at_ms, word, text) = match self {
            Entry::Sent { at_ms, text } => (*at_ms, "client", text.as_str()),
            Entry::Reply { at_ms, text } => (*at_ms, "reply", text.as_str()),
            Entry::Event { at_ms, text } => (*at_ms, "event", text.as_str()),
            Entry::Reconnect { at_ms } => (*at_ms, "reconnect", ""),
        };
        let mut line = format!("{:>10} {word:<9} {text}", format_duration(at_ms));
        line.truncate(line.trim_end().len());
        line
    }
}

/// Everything one client sent and received during a case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    /// The lines, in order.
    pub entries: Vec<Entry>,
}

impl Transcript {
    /// Appends a line.
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// Records a client message, made canonical.
    pub fn sent(&mut self, at_ms: u64, raw: &str) {
        self.push(Entry::Sent {
            at_ms,
            text: canonical_client_text(raw),
        });
    }

    /// The text stored in a snapshot: one line per entry.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            let _ = writeln!(out, "{}", entry.line());
        }
        if out.is_empty() {
            out.push_str("(nothing sent or received)\n");
        }
        out
    }

    /// How many events were delivered.
    pub fn event_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e, Entry::Event { .. }))
            .count()
    }
}

/// A client message as the transcript shows it: JSON re-encoded compactly with
/// sorted keys, anything else as sent (with line breaks escaped, so one message is
/// one line).
pub fn canonical_client_text(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(value) => value.to_string(),
        Err(_) => raw.replace('\\', "\\\\").replace('\n', "\\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_ignore_formatting_and_key_order() {
        assert_eq!(
            canonical_client_text(r#"{ "type" : "filter", "filters" : [] }"#),
            canonical_client_text(r#"{"filters":[],"type":"filter"}"#)
        );
        assert_eq!(canonical_client_text("{\n"), "{\\n");
    }

    #[test]
    fn lines_align_time_and_kind() {
        let mut t = Transcript::default();
        t.sent(0, r#"{"type":"filter","filters":[]}"#);
        t.push(Entry::Reconnect { at_ms: 70_000 });
        assert_eq!(
            t.to_text(),
            "        0s client    {\"filters\":[],\"type\":\"filter\"}\n     1m10s reconnect\n"
        );
        assert_eq!(
            Transcript::default().to_text(),
            "(nothing sent or received)\n"
        );
    }
}
