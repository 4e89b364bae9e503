//! The server's replies to a client message (docs/protocol.md §5.3): how our server writes
//! them, and how every client of ours reads them back (the conformance runner,
//! the load tool), in one place.
//!
//! The reply shape `{"type":"filterResponse","success":...}` is our default
//! (FAKE-DEFAULT): the documentation names success and failure replies but their
//! JSON could not be read. So a reader also takes another server's replies: any
//! JSON object that carries `success`, or whose `type` mentions "filter".

use serde_json::Value;

use super::message::MessageError;

/// What the server answers to a client message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerReply {
    /// The filter set was replaced. Warnings point at rules that can never match.
    FilterAccepted {
        /// Human-readable notes; omitted from the JSON when empty.
        warnings: Vec<String>,
    },
    /// The message was refused; the previous filters stay in force.
    FilterRejected {
        /// Human-readable reason.
        error: String,
    },
}

impl ServerReply {
    /// The reply's wire form (FAKE-DEFAULT shape, see the module docs), `type` first.
    pub fn to_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Wire<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            success: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a str>,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            warnings: &'a [String],
        }
        let wire = match self {
            ServerReply::FilterAccepted { warnings } => Wire {
                kind: "filterResponse",
                success: true,
                error: None,
                warnings,
            },
            ServerReply::FilterRejected { error } => Wire {
                kind: "filterResponse",
                success: false,
                error: Some(error),
                warnings: &[],
            },
        };
        // Strings and booleans only: serializing cannot fail.
        serde_json::to_string(&wire).unwrap_or_default()
    }
}

impl From<&MessageError> for ServerReply {
    fn from(err: &MessageError) -> Self {
        ServerReply::FilterRejected {
            error: err.to_string(),
        }
    }
}

/// A frame that [`ServerReply::parse`] read as a filter response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedReply {
    /// A reply whose `success` is a boolean.
    Known(ServerReply),
    /// A filter response whose outcome cannot be read: no boolean `success`
    /// (another server's shape).
    Unclear,
}

impl ParsedReply {
    /// Whether the filters were taken; `None` when the reply does not say.
    pub fn success(&self) -> Option<bool> {
        match self {
            ParsedReply::Known(ServerReply::FilterAccepted { .. }) => Some(true),
            ParsedReply::Known(ServerReply::FilterRejected { .. }) => Some(false),
            ParsedReply::Unclear => None,
        }
    }
}

impl ServerReply {
    /// Reads `frame` as a filter response; `None` when it is not one (an event,
    /// or not a JSON object).
    pub fn parse(frame: &[u8]) -> Option<ParsedReply> {
        let value: Value = serde_json::from_slice(frame).ok()?;
        let object = value.as_object()?;
        let mentions_filter = object
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.to_ascii_lowercase().contains("filter"));
        if !object.contains_key("success") && !mentions_filter {
            return None;
        }
        let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
        Some(match object.get("success").and_then(Value::as_bool) {
            Some(true) => ParsedReply::Known(ServerReply::FilterAccepted {
                warnings: object
                    .get("warnings")
                    .and_then(Value::as_array)
                    .map(|list| {
                        list.iter()
                            .filter_map(|w| w.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            Some(false) => ParsedReply::Known(ServerReply::FilterRejected {
                error: text("error").unwrap_or_default(),
            }),
            None => ParsedReply::Unclear,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_have_the_default_shape() {
        assert_eq!(
            ServerReply::FilterAccepted { warnings: vec![] }.to_json(),
            r#"{"type":"filterResponse","success":true}"#
        );
        let rejected = ServerReply::from(&MessageError::MissingFilters).to_json();
        assert!(rejected.contains(r#""success":false"#));
    }

    #[test]
    fn our_replies_read_back_as_written() {
        for reply in [
            ServerReply::FilterAccepted { warnings: vec![] },
            ServerReply::FilterAccepted {
                warnings: vec!["type \"x\" names no event type".into()],
            },
            ServerReply::FilterRejected {
                error: "malformed JSON".into(),
            },
        ] {
            let parsed = ServerReply::parse(reply.to_json().as_bytes());
            assert_eq!(parsed, Some(ParsedReply::Known(reply)));
        }
    }

    #[test]
    fn other_servers_replies_are_recognised_and_events_are_not() {
        let parse = |text: &str| ServerReply::parse(text.as_bytes());
        assert_eq!(
            parse(r#"{"type":"FilterResult","ok":1}"#),
            Some(ParsedReply::Unclear)
        );
        assert_eq!(
            parse(r#"{"success":false}"#).map(|r| r.success()),
            Some(Some(false))
        );
        for not_a_reply in [
            r#"{"type":"userLogin","time":1}"#,
            r#"["success"]"#,
            "not json",
            r#""filterResponse""#,
        ] {
            assert_eq!(parse(not_a_reply), None, "{not_a_reply}");
        }
    }
}
