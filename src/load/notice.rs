//! Telling our server's `simNotice` from an event in a measured client's stream.
//!
//! Under `serve --slow-consumer drop-oldest` our server evicts the oldest queued
//! events of a client whose queue is full and, before that client's next frame,
//! sends `{"type":"simNotice","dropped":N,"reason":"slow consumer"}`, which no
//! filter hides (docs/protocol.md §10.6). It is not an event: counting it as one
//! would call it an untimed delivery, and the `simSeq` gap the evicted events
//! leave would read as an unexplained drop.
//!
//! The rule (ours): a frame is a notice when its *first* member is
//! `"type":"simNotice"` (JSON whitespace allowed) and the whole frame parses as a
//! JSON object whose top-level `type` is `simNotice`. A parse per event would cost
//! more CPU than the server under test, so the first test is a few byte
//! comparisons and only frames that pass it are parsed. The notice is ours and our
//! server writes `type` first in every frame (docs/protocol.md §2), so a notice
//! with another member first is not looked for. A frame that merely carries the
//! text `simNotice` in a value, even a value that looks like a notice, is an
//! event.

/// The `type` of the notice (docs/protocol.md §10.6).
pub const NOTICE_TYPE: &str = "simNotice";

/// `Some(dropped)` when `text` is a notice: how many events the server says it
/// evicted (0 when the notice names no whole number); `None` for any other frame.
pub fn announced(text: &[u8]) -> Option<u64> {
    if !opens_as_notice(text) {
        return None;
    }
    let frame: serde_json::Value = serde_json::from_slice(text).ok()?;
    let members = frame.as_object()?;
    if members.get("type")?.as_str()? != NOTICE_TYPE {
        return None;
    }
    Some(
        members
            .get("dropped")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0),
    )
}

/// Whether `text` starts `{"type":"simNotice"` followed by `,` or `}`, with JSON
/// whitespace anywhere between the tokens. A few byte comparisons: this runs on
/// every frame.
fn opens_as_notice(text: &[u8]) -> bool {
    let mut rest = text;
    for token in [&b"{"[..], b"\"type\"", b":", b"\"simNotice\""] {
        rest = skip_space(rest);
        let Some(after) = rest.strip_prefix(token) else {
            return false;
        };
        rest = after;
    }
    matches!(skip_space(rest).first(), Some(b',' | b'}'))
}

fn skip_space(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(text.len());
    &text[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_servers_notice_is_recognised_with_what_it_dropped() {
        assert_eq!(
            announced(br#"{"type":"simNotice","dropped":12,"reason":"slow consumer"}"#),
            Some(12)
        );
        assert_eq!(
            announced(b" {\n \"type\" : \"simNotice\" , \"dropped\" : 3 }"),
            Some(3),
            "JSON whitespace changes nothing"
        );
        assert_eq!(
            announced(br#"{"type":"simNotice","reason":"slow consumer"}"#),
            Some(0),
            "a notice without a count is still a notice, announcing nothing"
        );
        assert_eq!(announced(br#"{"type":"simNotice"}"#), Some(0));
    }

    #[test]
    fn events_are_not_notices_even_when_they_carry_the_word() {
        let cases: [&[u8]; 8] = [
            br#"{"type":"userLogin","time":1,"name":"simNotice","simSeq":3}"#,
            br#"{"type":"userLogin","note":"{\"type\":\"simNotice\",\"dropped\":9}"}"#,
            br#"{"type":"simNoticed","dropped":5}"#,
            br#"{"type":"simNotice2","dropped":5}"#,
            br#"{"type":"simNotice""#,
            br#"{"type":"simNotice",dropped:5}"#,
            br#"["type","simNotice"]"#,
            b"",
        ];
        for frame in cases {
            assert_eq!(announced(frame), None, "{}", String::from_utf8_lossy(frame));
        }
    }

    #[test]
    fn only_a_frame_that_opens_with_its_type_is_looked_at() {
        // Our server writes `type` first; the byte test skips everything else.
        assert_eq!(
            announced(br#"{"time":1,"type":"simNotice","dropped":5}"#),
            None
        );
    }

    #[test]
    fn a_duplicate_type_decides_by_what_a_parser_keeps() {
        // serde_json keeps the last of duplicate members, as most parsers do: the
        // frame's `type` is then not `simNotice`, so it is no notice.
        assert_eq!(
            announced(br#"{"type":"simNotice","type":"userLogin","dropped":4}"#),
            None
        );
    }
}
