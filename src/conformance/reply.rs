//! Telling a filter response from an event, in one place so that a parser of the
//! real server's replies can replace it.
//!
//! Our replies (`{"type":"filterResponse","success":...}`) are our default shape
//! (`docs/protocol.md` §5.3): the real one could not be read. So a frame counts as a
//! reply when it carries a boolean `success`, or when its `type` mentions "filter";
//! whether it accepts is known only from `success`.

use serde_json::Value;

/// What a reply says about the message it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// `Some(true)` accepted, `Some(false)` refused, `None` a reply whose verdict
    /// cannot be read (not our shape).
    pub accepted: Option<bool>,
    /// Whether it has our default shape: `type` "filterResponse" and a boolean `success`.
    pub our_shape: bool,
}

/// The reply in `frame`, `None` when the frame is not a filter response.
pub fn recognise(frame: &Value) -> Option<Reply> {
    let success = frame.get("success").and_then(Value::as_bool);
    let kind = frame.get("type").and_then(Value::as_str);
    let mentions_filter = kind.is_some_and(|t| t.to_ascii_lowercase().contains("filter"));
    (success.is_some() || mentions_filter).then_some(Reply {
        accepted: success,
        our_shape: kind == Some("filterResponse") && success.is_some(),
    })
}

/// The reply in a text frame, `None` when it is not JSON or not a filter response.
pub fn recognise_text(text: &str) -> Option<Reply> {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|value| recognise(&value))
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
