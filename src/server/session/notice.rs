//! The `simNotice` a session sends under `--slow-consumer drop-oldest` when the
//! dispatcher evicted events from its queue (docs/protocol.md §10.6). Ours
//! (FAKE-DEFAULT): the real server's overload behaviour is undocumented.
//!
//! It is not an event: it has no `time` or `coreServerId`, and no filter applies
//! to it, because a filter says which events a client wants, and a client that
//! lost events must hear of it whatever it filters on. A client that ignores
//! unknown `type`s loses nothing by ignoring it.

use serde::Serialize;

/// The `type` of the notice.
pub const NOTICE_TYPE: &str = "simNotice";

/// The `reason` a slow-consumer notice gives.
pub const SLOW_CONSUMER_REASON: &str = "slow consumer";

#[derive(Serialize)]
struct Notice<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    dropped: u64,
    reason: &'a str,
}

/// `{"type":"simNotice","dropped":N,"reason":"slow consumer"}`: `dropped` events
/// due to this client were evicted from its queue just before the next frame.
pub(crate) fn behind(dropped: u64) -> String {
    let notice = Notice {
        kind: NOTICE_TYPE,
        dropped,
        reason: SLOW_CONSUMER_REASON,
    };
    // Three plain fields: serialising cannot fail, but never panic on it.
    serde_json::to_string(&notice).unwrap_or_else(|_| {
        format!(
            r#"{{"type":"{NOTICE_TYPE}","dropped":{dropped},"reason":"{SLOW_CONSUMER_REASON}"}}"#
        )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_notice_has_the_documented_form() {
        assert_eq!(
            super::behind(7),
            r#"{"type":"simNotice","dropped":7,"reason":"slow consumer"}"#
        );
    }
}
