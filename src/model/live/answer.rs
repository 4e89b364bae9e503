//! `POST {CS}/callSegments/{id}/answer`: picks up the segment's call (our guess of a
//! path the documentation does not show, docs/protocol.md §6.3).
//!
//! A call that is already connected asks for nothing: the simulated person may have
//! picked up first (docs/protocol.md §10.8), and a script that answers before it
//! transfers should not have to know whether they did.

use super::action::body_json;
use super::error::LiveError;
use crate::model::Command;
use crate::model::pbx::Pbx;
use crate::model::state::{CallSegment, CallState};
use serde_json::Value;

impl Pbx {
    /// The answer a POST on `segment`'s `answer` asks for; `None` when its call is
    /// already connected there.
    pub(super) fn answer_action(
        &self,
        segment: &CallSegment,
        body: &[u8],
    ) -> Result<Option<Command>, LiveError> {
        let by = answering_extension(body)?;
        let call = self.call(&segment.call);
        if let Some(call) = call.filter(|c| c.state == CallState::Connected) {
            let at = call
                .callee
                .as_deref()
                .and_then(|id| self.segments().get(id))
                .and_then(|s| s.extension.as_deref());
            if by.is_none() || by.as_deref() == at {
                return Ok(None);
            }
        }
        Ok(Some(Command::Answer {
            call: segment.call.clone(),
            by,
        }))
    }
}

/// No body (or `{}`): whoever the call rings picks up; `{"extension":"1101"}`: that
/// extension, which a call waiting in a queue needs (one of its agents).
fn answering_extension(body: &[u8]) -> Result<Option<String>, LiveError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let expected = || {
        LiveError::InvalidBody(
            "expected no body, or a body like {\"extension\": \"1101\"} naming who answers".into(),
        )
    };
    match body_json(body)? {
        Value::Object(map) if map.is_empty() => Ok(None),
        Value::Object(map) => match map.get("extension") {
            Some(Value::String(s)) if !s.is_empty() && map.len() == 1 => Ok(Some(s.clone())),
            Some(Value::Number(n)) if map.len() == 1 => Ok(Some(n.to_string())),
            _ => Err(expected()),
        },
        _ => Err(expected()),
    }
}
