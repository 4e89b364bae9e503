//! Telling a filter response from an event, for the conformance runner: a thin view
//! over [`ServerReply::parse`], the one reader of replies, plus whether a reply has
//! our default shape (docs/protocol.md §5.3), which the runner reports separately.

use serde_json::Value;

use crate::protocol::ServerReply;

/// What a reply says about the message it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// `Some(true)` accepted, `Some(false)` refused, `None` a reply whose verdict
    /// cannot be read (not our shape).
    pub accepted: Option<bool>,
    /// Whether it has our default shape: `type` "filterResponse" and a boolean `success`.
    pub our_shape: bool,
}

/// The reply in a text frame, `None` when it is not JSON or not a filter response.
pub fn recognise_text(text: &str) -> Option<Reply> {
    let parsed = ServerReply::parse(text.as_bytes())?;
    let accepted = parsed.success();
    let our_shape = accepted.is_some()
        && serde_json::from_str::<Value>(text)
            .ok()
            .is_some_and(|v| v.get("type").and_then(Value::as_str) == Some("filterResponse"));
    Some(Reply {
        accepted,
        our_shape,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_told_apart_from_events() {
        let ok = recognise_text(r#"{"type":"filterResponse","success":true}"#);
        assert_eq!(
            ok,
            Some(Reply {
                accepted: Some(true),
                our_shape: true
            })
        );
        let refused = recognise_text(r#"{"type":"filterResponse","success":false,"error":"x"}"#);
        assert_eq!(refused.and_then(|r| r.accepted), Some(false));
        let other = recognise_text(r#"{"type":"filterAck"}"#).expect("a reply");
        assert_eq!((other.accepted, other.our_shape), (None, false));
        assert_eq!(recognise_text(r#"{"type":"hangup","time":1}"#), None);
        assert_eq!(recognise_text("not json"), None);
    }
}
