//! The capture file format (docs/capture.md): JSON lines, one header line, then one
//! line per received frame, connection gap, Live API snapshot, and a closing summary.
//!
//! Every line is one JSON object whose `kind` says what it is, so other tools can
//! read a capture with any JSON library, line by line, even one cut off by a crash.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `format` number this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The value of the header's `capture` key, which marks a file as a capture.
pub const CAPTURE_MARK: &str = "isymphony-sim capture";

/// The first line of a capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// Always [`CAPTURE_MARK`].
    pub capture: String,
    /// The format version, [`FORMAT_VERSION`].
    pub format: u32,
    /// The tool and version that wrote it ("isymphony-sim 0.1.0").
    pub tool: String,
    /// The Event API URL recorded, without any credentials.
    pub target: String,
    /// The Live API core-server URL snapshotted, without credentials; `None` when
    /// no snapshot was asked for.
    pub live: Option<String>,
    /// Wall-clock start, Unix epoch ms.
    pub started_ms: i64,
    /// The same as ISO 8601 UTC, for people.
    pub started_at: String,
    /// What the file holds: `events`, and `live` with Live API snapshots.
    pub recorded: Vec<String>,
}

impl Header {
    /// A header for a recording of `target` started at `started_ms`.
    pub fn new(target: String, live: Option<String>, started_ms: i64, started_at: String) -> Self {
        let mut recorded = vec!["events".to_string()];
        if live.is_some() {
            recorded.push("live".to_string());
        }
        Header {
            capture: CAPTURE_MARK.to_string(),
            format: FORMAT_VERSION,
            tool: format!("isymphony-sim {}", env!("CARGO_PKG_VERSION")),
            target,
            live,
            started_ms,
            started_at,
            recorded,
        }
    }
}

/// One line after the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Entry {
    /// A frame the server sent.
    Frame(Frame),
    /// The connection ended before the recording did.
    Gap(Gap),
    /// The connection is back after a gap.
    Resume(Resume),
    /// The Live API directory at one moment.
    Live(Snapshot),
    /// The closing summary; absent when the recorder was killed.
    End(Summary),
}

/// One received frame, as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Frame {
    /// Receive time, ms since the header's `startedMs` (monotonic clock).
    pub ms: u64,
    /// The text of a text frame, exactly as received (JSON string escaping is
    /// lossless, so it round-trips byte for byte).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A binary frame's payload, base64; iSymphony sends text, so this is rare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    /// Whether the text is an event of our catalogue with exactly its properties
    /// and their JSON types.
    pub catalogue: bool,
}

/// The connection was lost at `ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    /// When the loss was noticed, ms since the start.
    pub ms: u64,
    /// How it ended (close code and reason, or the error).
    pub reason: String,
}

/// The connection is back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resume {
    /// When it was back, ms since the start.
    pub ms: u64,
    /// Connection attempts it took.
    pub attempts: u32,
}

/// When a snapshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    /// Before the first frame was read.
    Start,
    /// After the last.
    End,
}

/// The Live API directory at one moment: each resource's answer by its path
/// relative to the core-server URL (`""` is the core server itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// When it was complete, ms since the start.
    pub ms: u64,
    /// Start or end of the recording.
    pub phase: Phase,
    /// Path -> answer.
    pub resources: BTreeMap<String, Resource>,
}

/// One Live API answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// The HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    /// The body: JSON when it parsed, else its text; absent for an empty body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Why there is no answer (connection refused, timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The closing summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// When the recording ended, ms since the start.
    pub ms: u64,
    /// Frames recorded.
    pub frames: u64,
    /// Frames by `type` (`(not an event)` for frames without a string type).
    pub types: BTreeMap<String, u64>,
    /// Bytes of frame text recorded.
    pub bytes: u64,
    /// Connection losses.
    pub gaps: u64,
    /// Why it ended: `duration reached`, `interrupted`, `server closed`...
    pub reason: String,
}

/// The key frames are counted under when they have no string `type`.
pub const NOT_AN_EVENT: &str = "(not an event)";

/// The `type` of a frame's text, if it is a JSON object with a string `type`.
pub fn frame_type(text: &str) -> Option<String> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    match map.get("type") {
        Some(Value::String(kind)) => Some(kind.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_text_round_trips_byte_for_byte() {
        let text = "{\"type\" : \"x\",\t\"s\":\"\\u00e9\u{e9}\\n\"}  ";
        let line = serde_json::to_string(&Entry::Frame(Frame {
            ms: 5,
            text: Some(text.to_string()),
            binary: None,
            catalogue: false,
        }))
        .expect("serializes");
        assert!(line.starts_with(r#"{"kind":"frame","ms":5,"text":"#));
        let Entry::Frame(back) = serde_json::from_str(&line).expect("parses") else {
            panic!("not a frame: {line}");
        };
        assert_eq!(back.text.as_deref(), Some(text));
    }

    #[test]
    fn a_header_says_what_was_recorded() {
        let header = Header::new("ws://h/x".into(), None, 0, "1970-01-01T00:00:00Z".into());
        assert_eq!(header.recorded, vec!["events"]);
        let live = Header::new(
            "ws://h/x".into(),
            Some("http://h/l".into()),
            0,
            String::new(),
        );
        assert_eq!(live.recorded, vec!["events", "live"]);
    }
}
