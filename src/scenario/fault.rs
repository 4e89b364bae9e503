//! Faults injected on purpose, so integrators can test their clients' reconnect and
//! resync logic. Ours, not iSymphony's: a real server misbehaves only by accident.
//!
//! The same faults come from two places: `POST /sim/fault` (JSON, read by
//! [`FaultRequest::from_json`]) and scenario steps with `action = "fault"` (TOML,
//! read by the scenario file reader). Both check values with the functions here, so
//! a value is valid in one exactly when it is valid in the other. This module is
//! pure: the server carries the faults out.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

/// The fault kinds, as files and JSON bodies spell them.
pub const FAULT_KINDS: [&str; 6] = [
    "drop",
    "close",
    "delay",
    "duplicate",
    "malformed",
    "restart",
];

/// Longest close reason: a close frame's payload is at most 125 bytes, two of which
/// carry the code (RFC 6455 §5.5).
pub const MAX_CLOSE_REASON_BYTES: usize = 123;

/// Longest delay, so a typo cannot hold a connection for days.
pub const MAX_DELAY_MS: u64 = 3_600_000;

/// Most events one `duplicate` fault doubles.
pub const MAX_DUPLICATE_COUNT: u64 = 1_000_000;

/// One fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Fault {
    /// Ends the TCP connection at once, without a close frame.
    Drop,
    /// Sends a close frame with this code and reason after what is already queued.
    Close {
        /// The close code: 1000-1003, 1007-1014 or 3000-4999.
        code: u16,
        /// At most [`MAX_CLOSE_REASON_BYTES`] bytes.
        reason: String,
    },
    /// Holds delivery for `ms` wall milliseconds from this point of the stream; what
    /// arrives meanwhile waits in the client's queue (a full queue is a slow consumer).
    Delay {
        /// How long, at most [`MAX_DELAY_MS`].
        ms: u64,
    },
    /// Sends each of the next `count` events admitted by the client's filters twice.
    Duplicate {
        /// How many events, 1 to [`MAX_DUPLICATE_COUNT`].
        count: u64,
    },
    /// Sends one text frame that is not JSON.
    Malformed,
    /// Restarts the simulated server: every connection is closed with 1001, and the
    /// PBX comes back with a new `coreServerId` and new UUIDs, as a real restart gives.
    Restart,
}

impl Fault {
    /// The kind's name, as written in files and bodies.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Drop => "drop",
            Fault::Close { .. } => "close",
            Fault::Delay { .. } => "delay",
            Fault::Duplicate { .. } => "duplicate",
            Fault::Malformed => "malformed",
            Fault::Restart => "restart",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Close { code, reason } => write!(f, "close {code} {reason:?}"),
            Fault::Delay { ms } => write!(f, "delay {ms} ms"),
            Fault::Duplicate { count } => write!(f, "duplicate the next {count} events"),
            other => f.write_str(other.kind()),
        }
    }
}

/// A fault and whom it hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultRequest {
    /// What happens.
    #[serde(flatten)]
    pub fault: Fault,
    /// The connection it hits (an id from `GET /sim/status`); `None`: every one.
    /// A restart always hits every connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<u64>,
}

impl fmt::Display for FaultRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.client {
            Some(client) => write!(f, "{} (client {client})", self.fault),
            None => write!(f, "{} (every client)", self.fault),
        }
    }
}

/// A fault a scenario step asked for, with its place among the events of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedFault {
    /// How many of the batch's events come before it.
    pub after_events: usize,
    /// The fault.
    pub request: FaultRequest,
}

/// A fault that cannot be used, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FaultError(pub String);

const EXAMPLE: &str = r#"e.g. {"kind": "close", "code": 4000, "reason": "test"}"#;

impl FaultRequest {
    /// Reads a `POST /sim/fault` body: `{"kind": ..., fields of the kind, "client": id?}`.
    ///
    /// # Errors
    /// A [`FaultError`] naming the field and the fix.
    pub fn from_json(body: &[u8]) -> Result<FaultRequest, FaultError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            FaultError(format!(
                "the body is not valid JSON: {e}; expected a fault object, {EXAMPLE}"
            ))
        })?;
        let Value::Object(object) = value else {
            return Err(FaultError(format!(
                "the body must be a JSON object, {EXAMPLE}"
            )));
        };
        let kind = match object.get("kind") {
            Some(Value::String(kind)) => kind.as_str(),
            _ => {
                return Err(FaultError(format!(
                    "`kind` must be one of {}, {EXAMPLE}",
                    FAULT_KINDS.join(", ")
                )));
            }
        };
        let allowed = fields_of(kind)?;
        if let Some(unknown) = object.keys().find(|key| {
            !matches!(key.as_str(), "kind" | "client") && !allowed.contains(&key.as_str())
        }) {
            return Err(FaultError(format!(
                "unknown field `{unknown}` for a \"{kind}\" fault; it takes {}",
                describe_fields(allowed)
            )));
        }
        let number = |key: &str| json_count(&object, key);
        let fault = match kind {
            "drop" => Fault::Drop,
            "malformed" => Fault::Malformed,
            "restart" => Fault::Restart,
            "close" => {
                let code = number("code")?.ok_or_else(|| missing("close", "code", "4000"))?;
                let reason = match object.get("reason") {
                    None => String::new(),
                    Some(Value::String(reason)) => reason.clone(),
                    Some(_) => return Err(FaultError("`reason` must be a string".into())),
                };
                close(code, reason)?
            }
            "delay" => delay(number("ms")?.ok_or_else(|| missing("delay", "ms", "500"))?)?,
            _ => duplicate(number("count")?.ok_or_else(|| missing("duplicate", "count", "3"))?)?,
        };
        let client = number("client")?;
        Ok(FaultRequest { fault, client })
    }
}

/// The fields a kind takes besides `kind` and `client`.
///
/// # Errors
/// A [`FaultError`] for an unknown kind.
pub fn fields_of(kind: &str) -> Result<&'static [&'static str], FaultError> {
    Ok(match kind {
        "drop" | "malformed" | "restart" => &[],
        "close" => &["code", "reason"],
        "delay" => &["ms"],
        "duplicate" => &["count"],
        other => {
            return Err(FaultError(format!(
                "unknown fault kind \"{other}\"; expected one of {}",
                FAULT_KINDS.join(", ")
            )));
        }
    })
}

fn describe_fields(fields: &[&str]) -> String {
    if fields.is_empty() {
        "no fields but `client`".to_string()
    } else {
        format!(
            "{} and `client`",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn missing(kind: &str, field: &str, example: &str) -> FaultError {
    FaultError(format!(
        "a \"{kind}\" fault needs `{field}`, e.g. \"{field}\": {example}"
    ))
}

fn json_count(object: &Map<String, Value>, key: &str) -> Result<Option<u64>, FaultError> {
    match object.get(key) {
        None => Ok(None),
        Some(value) => value.as_u64().map(Some).ok_or_else(|| {
            FaultError(format!(
                "`{key}` must be a whole number from 0, got {value}"
            ))
        }),
    }
}

/// A close fault, if `code` may be sent and `reason` fits a close frame.
///
/// # Errors
/// A [`FaultError`] for a code RFC 6455 forbids sending (1004-1006, 1015, 1016-2999,
/// 5000 and up) or a reason over [`MAX_CLOSE_REASON_BYTES`].
pub fn close(code: u64, reason: String) -> Result<Fault, FaultError> {
    let sendable = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
    let Some(code) = u16::try_from(code).ok().filter(|_| sendable) else {
        return Err(FaultError(format!(
            "close code {code} cannot be sent; use 1000-1003, 1007-1014 or 3000-4999 (4000-4999 are for private use)"
        )));
    };
    if reason.len() > MAX_CLOSE_REASON_BYTES {
        return Err(FaultError(format!(
            "the close reason is {} bytes; a close frame holds at most {MAX_CLOSE_REASON_BYTES}",
            reason.len()
        )));
    }
    Ok(Fault::Close { code, reason })
}

/// A delay fault of `ms` milliseconds.
///
/// # Errors
/// A [`FaultError`] for 0 or more than [`MAX_DELAY_MS`].
pub fn delay(ms: u64) -> Result<Fault, FaultError> {
    if ms == 0 || ms > MAX_DELAY_MS {
        return Err(FaultError(format!(
            "a delay must be from 1 to {MAX_DELAY_MS} ms, got {ms}"
        )));
    }
    Ok(Fault::Delay { ms })
}

/// A duplicate fault for the next `count` events.
///
/// # Errors
/// A [`FaultError`] for 0 or more than [`MAX_DUPLICATE_COUNT`].
pub fn duplicate(count: u64) -> Result<Fault, FaultError> {
    if count == 0 || count > MAX_DUPLICATE_COUNT {
        return Err(FaultError(format!(
            "`count` must be from 1 to {MAX_DUPLICATE_COUNT}, got {count}"
        )));
    }
    Ok(Fault::Duplicate { count })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Result<FaultRequest, String> {
        FaultRequest::from_json(body.as_bytes()).map_err(|e| e.0)
    }

    #[test]
    fn every_kind_reads_from_json() {
        assert_eq!(
            read(r#"{"kind":"close","code":4000,"reason":"bye","client":3}"#),
            Ok(FaultRequest {
                fault: Fault::Close {
                    code: 4000,
                    reason: "bye".into()
                },
                client: Some(3)
            })
        );
        assert_eq!(read(r#"{"kind":"drop"}"#).map(|r| r.fault), Ok(Fault::Drop));
        assert_eq!(
            read(r#"{"kind":"delay","ms":500}"#).map(|r| r.fault),
            Ok(Fault::Delay { ms: 500 })
        );
        assert_eq!(
            read(r#"{"kind":"duplicate","count":2}"#).map(|r| r.fault),
            Ok(Fault::Duplicate { count: 2 })
        );
        assert_eq!(
            read(r#"{"kind":"malformed"}"#).map(|r| r.fault),
            Ok(Fault::Malformed)
        );
        assert_eq!(
            read(r#"{"kind":"restart"}"#).map(|r| r.fault),
            Ok(Fault::Restart)
        );
    }

    #[test]
    fn bad_bodies_say_what_to_write() {
        for (body, expected) in [
            ("", "not valid JSON"),
            ("[]", "JSON object"),
            (r#"{"kind":"explode"}"#, "unknown fault kind"),
            (r#"{"kind":"close"}"#, "needs `code`"),
            (r#"{"kind":"close","code":1005}"#, "cannot be sent"),
            (r#"{"kind":"close","code":70000}"#, "cannot be sent"),
            (r#"{"kind":"close","code":-1}"#, "whole number"),
            (r#"{"kind":"delay","ms":0}"#, "from 1"),
            (r#"{"kind":"drop","ms":5}"#, "unknown field `ms`"),
            (r#"{"kind":"duplicate","count":"3"}"#, "whole number"),
            (r#"{"kind":"drop","client":"all"}"#, "whole number"),
        ] {
            let err = read(body).expect_err(body);
            assert!(err.contains(expected), "{body}: {err}");
        }
        let long = format!(
            r#"{{"kind":"close","code":4000,"reason":"{}"}}"#,
            "x".repeat(124)
        );
        assert!(read(&long).is_err());
    }
}
