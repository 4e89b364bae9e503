//! What the Configuration API answers: a status, a JSON or one-line text body,
//! and the headers that go with them.

use serde_json::Value;

use super::method::Method;

/// An answer, ready for any HTTP server to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// The body.
    pub body: ReplyBody,
    /// For a 405: the methods the resource answers (the `Allow` header).
    pub allow: Vec<Method>,
    /// For a 201: the path of what was created (the `Location` header).
    pub location: Option<String>,
}

/// The body of a [`Reply`].
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyBody {
    /// `application/json`.
    Json(Value),
    /// `text/plain`: one line saying why a request failed.
    Text(String),
    /// No body (204).
    Empty,
}

impl Reply {
    /// 200 with JSON.
    pub(crate) fn ok(value: Value) -> Reply {
        Reply::json(200, value)
    }

    /// 201 with the created object and where it can be read. Ours (the REST
    /// overview gives 204, docs/protocol.md §9.1); any 2xx satisfies the clients seen.
    pub(crate) fn created(value: Value, location: Option<String>) -> Reply {
        Reply {
            location,
            ..Reply::json(201, value)
        }
    }

    /// 204: done, nothing to show (a DELETE).
    pub(crate) fn no_content() -> Reply {
        Reply {
            status: 204,
            body: ReplyBody::Empty,
            allow: Vec::new(),
            location: None,
        }
    }

    fn json(status: u16, value: Value) -> Reply {
        Reply {
            status,
            body: ReplyBody::Json(value),
            allow: Vec::new(),
            location: None,
        }
    }

    /// An error: `status` and a one-line reason.
    pub(crate) fn error(status: u16, reason: impl Into<String>) -> Reply {
        let reason: String = reason.into();
        Reply {
            status,
            body: ReplyBody::Text(reason.replace('\n', " ")),
            allow: Vec::new(),
            location: None,
        }
    }

    /// 404.
    pub(crate) fn not_found(reason: impl Into<String>) -> Reply {
        Reply::error(404, reason)
    }

    /// 405, naming the methods the resource answers.
    pub(crate) fn method_not_allowed(method: &str, allowed: &[Method]) -> Reply {
        let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        Reply {
            allow: allowed.to_vec(),
            ..Reply::error(
                405,
                format!(
                    "method {method} is not allowed here; use {}",
                    names.join(" or ")
                ),
            )
        }
    }

    /// The reason, for an error reply.
    pub fn reason(&self) -> Option<&str> {
        match &self.body {
            ReplyBody::Text(text) => Some(text),
            ReplyBody::Json(_) | ReplyBody::Empty => None,
        }
    }

    /// The JSON body, if there is one.
    pub fn json_body(&self) -> Option<&Value> {
        match &self.body {
            ReplyBody::Json(value) => Some(value),
            ReplyBody::Text(_) | ReplyBody::Empty => None,
        }
    }
}
