//! A case's transcript, the text its snapshot holds: what the client did and was
//! given, in order, on the virtual clock. One line each for a connection attempt
//! and its answer, a client message (re-encoded, keys sorted), a reply, a runner
//! action, a close, a drop and a Live API request; events by type, a run of equal
//! ones folded into one line (`event #1 userStatus ×10000`).
//!
//! Left out, because their number depends on wall time: websocket pings and
//! pongs, and hang-ups after a close handshake (the close frames show the end).
//! Everything after the case is over is left out too, so a client started per
//! case and one started once give the same transcript.
//!
//! ```text
//!         0s connect   #1 /communication_manager/ws/event Basic "manager" -> 101
//!         0s client    #1 {"filters":[{"property":"type","value":"hangup"}],"type":"filter"}
//!         0s reply     #1 {"type":"filterResponse","success":true}
//!         2m event     #1 hangup
//!         2m runner    the server closes the connection with 1001 going away
//!         2m server    #1 close 1001 "going away"
//! ```

use std::fmt::Write as _;

use serde_json::Value;

use crate::scenario::duration::format_duration;

use super::backend::LiveRequest;
use super::frames::Message;
use super::journal::{Auth, Conn, Record, Seen, Side};

/// The mark that ends what a transcript shows.
pub const CASE_OVER: &str = "case over";

/// The transcript of `records`, with the server's Live API journal `live` placed
/// among them by wall time. `epoch_ms` turns event times into virtual ms.
pub fn render(
    records: &[Record],
    live: &[LiveRequest],
    started_unix_us: u64,
    epoch_ms: i64,
) -> String {
    let end = records
        .iter()
        .position(|r| matches!(&r.seen, Seen::Mark(text) if text == CASE_OVER))
        .unwrap_or(records.len());
    let records = &records[..end];
    let mut lines: Vec<Line> = Vec::new();
    let mut live = live.iter().peekable();
    let mut last_ms = 0;
    let mut dropped: Vec<Conn> = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let record_us = started_unix_us
            .saturating_add(u64::try_from(record.wall.as_micros()).unwrap_or(u64::MAX));
        while let Some(request) = live.next_if(|r| r.unix_us <= record_us) {
            lines.push(live_line(last_ms, request).into());
        }
        last_ms = record.at_ms;
        if let Some(line) = line(records, i, record, epoch_ms, &mut dropped) {
            lines.push(line);
        }
    }
    for request in live {
        lines.push(live_line(last_ms, request).into());
    }
    let mut out = String::new();
    for line in fold(lines) {
        let _ = writeln!(out, "{line}");
    }
    if out.is_empty() {
        out.push_str("(the client did nothing)\n");
    }
    out
}

/// Most events of one moment shown one per line; more are counted by type.
const MAX_EVENT_LINES: usize = 20;

/// One rendered line, with what folding needs to know.
struct Line {
    text: String,
    /// For an event: its moment, connection and type.
    event: Option<(u64, Conn, String)>,
}

impl From<String> for Line {
    fn from(text: String) -> Self {
        Line { text, event: None }
    }
}

/// Folds the lines: a run of more than [`MAX_EVENT_LINES`] events of one moment
/// on one connection becomes one line counting them by type; otherwise equal
/// neighbours become one line with `×N`.
fn fold(lines: Vec<Line>) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some((ms, conn, _)) = &lines[i].event {
            let run = lines[i..]
                .iter()
                .take_while(|l| matches!(&l.event, Some((m, c, _)) if m == ms && c == conn))
                .count();
            if run > MAX_EVENT_LINES {
                let mut by_type: std::collections::BTreeMap<&str, usize> = Default::default();
                for line in &lines[i..i + run] {
                    if let Some((_, _, kind)) = &line.event {
                        *by_type.entry(kind.as_str()).or_default() += 1;
                    }
                }
                let counts: Vec<String> = by_type
                    .iter()
                    .map(|(kind, n)| format!("{kind} {n}"))
                    .collect();
                out.push(at(
                    *ms,
                    "event",
                    &format!("#{conn} {run} events: {}", counts.join(", ")),
                ));
                i += run;
                continue;
            }
        }
        let same = lines[i..]
            .iter()
            .take_while(|l| l.text == lines[i].text)
            .count();
        if same > 1 {
            out.push(format!("{} ×{same}", lines[i].text));
        } else {
            out.push(lines[i].text.clone());
        }
        i += same;
    }
    out
}

fn at(ms: u64, word: &str, text: &str) -> String {
    let mut line = format!("{:>10} {word:<9} {text}", format_duration(ms));
    line.truncate(line.trim_end().len());
    line
}

fn live_line(at_ms: u64, request: &LiveRequest) -> String {
    at(
        at_ms,
        "live",
        &format!(
            "{} {} -> {} ({} bytes)",
            request.method, request.path, request.status, request.response_bytes
        ),
    )
}

/// The line for one record, if it has one.
fn line(
    records: &[Record],
    index: usize,
    record: &Record,
    epoch_ms: i64,
    dropped: &mut Vec<Conn>,
) -> Option<Line> {
    if let Seen::Frame {
        conn,
        from,
        message,
    } = &record.seen
    {
        return frame(record.at_ms, *conn, *from, message, epoch_ms);
    }
    text_line(records, index, record, dropped).map(Line::from)
}

fn text_line(
    records: &[Record],
    index: usize,
    record: &Record,
    dropped: &mut Vec<Conn>,
) -> Option<String> {
    let ms = record.at_ms;
    let text = match &record.seen {
        Seen::Attempt { conn, path, auth } => {
            let answer = records.iter().skip(index).find_map(|r| match r.seen {
                Seen::Refused { conn: c, status } if c == *conn => {
                    Some(format!("refused {status} by the runner"))
                }
                Seen::Answered { conn: c, status } if c == *conn => Some(status.to_string()),
                _ => None,
            });
            let auth = match auth {
                Auth::Missing => "no credentials".to_string(),
                Auth::Basic(user) => format!("Basic {user:?}"),
                Auth::Other(scheme) => scheme.clone(),
            };
            let answer = answer.unwrap_or_else(|| "no answer".to_string());
            return Some(at(
                ms,
                "connect",
                &format!("#{conn} {path} {auth} -> {answer}"),
            ));
        }
        Seen::Refused { .. } | Seen::Answered { .. } | Seen::ProbeAnswered { .. } => return None,
        Seen::Frame { .. } => return None,
        Seen::ProbeSent { conn, probe } => {
            let answered = records
                .iter()
                .skip(index)
                .any(|r| matches!(r.seen, Seen::ProbeAnswered { probe: p, .. } if p == *probe));
            let how = if answered { "answered" } else { "not answered" };
            return Some(at(
                ms,
                "probe",
                &format!("#{conn} ping from the runner, {how}"),
            ));
        }
        Seen::Unframed { conn, from, reason } => format!(
            "#{conn} the {} stream is not websocket framing ({reason}); the rest passed unread",
            side(*from)
        ),
        Seen::Hangup {
            conn,
            by,
            after_close,
        } => {
            if *after_close || dropped.contains(conn) {
                return None;
            }
            dropped.push(*conn);
            return Some(at(
                ms,
                "dropped",
                &format!("#{conn} by the {}, without a close frame", side(*by)),
            ));
        }
        Seen::Mark(text) => return Some(at(ms, "runner", text)),
        Seen::ClientExited(how) => {
            return Some(at(ms, "exited", &format!("the client process {how}")));
        }
    };
    Some(at(ms, "tap", &text))
}

fn side(side: Side) -> &'static str {
    match side {
        Side::Client => "client",
        Side::Server => "server",
    }
}

fn frame(ms: u64, conn: Conn, from: Side, message: &Message, epoch_ms: i64) -> Option<Line> {
    let close = |code: &Option<u16>, reason: &str| match code {
        Some(code) => format!("#{conn} close {code} {reason:?}"),
        None => format!("#{conn} close (no code)"),
    };
    let text = match (from, message) {
        (_, Message::Ping(_) | Message::Pong(_)) => return None,
        (Side::Client, Message::Text(text)) => {
            at(ms, "client", &format!("#{conn} {}", canonical(text)))
        }
        (Side::Client, Message::Binary(size)) => at(
            ms,
            "client",
            &format!("#{conn} (a binary frame of {size} bytes)"),
        ),
        (Side::Client, Message::Close(code, reason)) => at(ms, "client", &close(code, reason)),
        (Side::Server, Message::Close(code, reason)) => at(ms, "server", &close(code, reason)),
        (Side::Server, Message::Binary(size)) => at(
            ms,
            "server",
            &format!("#{conn} (a binary frame of {size} bytes)"),
        ),
        (Side::Server, Message::Text(text)) => match serde_json::from_str::<Value>(text) {
            Ok(value) if value.get("type").and_then(Value::as_str) == Some("filterResponse") => {
                at(ms, "reply", &format!("#{conn} {text}"))
            }
            Ok(value) => {
                let kind = value
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("(no type)");
                // An event's own time places it, even if the tap saw it a batch late.
                let event_ms = value
                    .get("time")
                    .and_then(Value::as_i64)
                    .and_then(|time| u64::try_from(time.saturating_sub(epoch_ms)).ok())
                    .unwrap_or(ms);
                return Some(Line {
                    text: at(event_ms, "event", &format!("#{conn} {kind}")),
                    event: Some((event_ms, conn, kind.to_string())),
                });
            }
            Err(_) => at(
                ms,
                "server",
                &format!("#{conn} (not JSON) {}", escape(text)),
            ),
        },
    };
    Some(text.into())
}

/// A client message as shown: JSON re-encoded compactly with sorted keys, other
/// text as sent with line breaks escaped.
pub fn canonical(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => value.to_string(),
        Err(_) => escape(text),
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn record(at_ms: u64, wall_ms: u64, seen: Seen) -> Record {
        Record {
            at_ms,
            wall: Duration::from_millis(wall_ms),
            seen,
        }
    }

    #[test]
    fn a_transcript_shows_attempts_messages_events_and_live_requests_in_order() {
        let records = vec![
            record(
                0,
                0,
                Seen::Attempt {
                    conn: 1,
                    path: "/p".into(),
                    auth: Auth::Basic("manager".into()),
                },
            ),
            record(
                0,
                1,
                Seen::Answered {
                    conn: 1,
                    status: 101,
                },
            ),
            record(
                0,
                3,
                Seen::Frame {
                    conn: 1,
                    from: Side::Client,
                    message: Message::Text("{ \"type\": \"filter\", \"filters\": [] }".into()),
                },
            ),
            record(
                0,
                4,
                Seen::Frame {
                    conn: 1,
                    from: Side::Server,
                    message: Message::Text(r#"{"type":"filterResponse","success":true}"#.into()),
                },
            ),
            record(
                5_000,
                5,
                Seen::Frame {
                    conn: 1,
                    from: Side::Server,
                    message: Message::Text(r#"{"type":"userLogin","time":1000005000}"#.into()),
                },
            ),
            record(
                5_000,
                6,
                Seen::Frame {
                    conn: 1,
                    from: Side::Server,
                    message: Message::Text(r#"{"type":"userLogin","time":1000005000}"#.into()),
                },
            ),
            record(
                5_000,
                7,
                Seen::Frame {
                    conn: 1,
                    from: Side::Server,
                    message: Message::Ping(vec![]),
                },
            ),
            record(
                5_000,
                8,
                Seen::Hangup {
                    conn: 1,
                    by: Side::Server,
                    after_close: false,
                },
            ),
            record(5_000, 9, Seen::Mark(CASE_OVER.into())),
            record(5_000, 10, Seen::Mark("after the end".into())),
        ];
        let live = vec![LiveRequest {
            seq: 1,
            virtual_ms: 0,
            unix_us: 2_000,
            method: "GET".into(),
            path: "/live/x".into(),
            status: 200,
            request_bytes: 0,
            response_bytes: 12,
        }];
        let text = render(&records, &live, 0, 1_000_000_000);
        assert_eq!(
            text,
            concat!(
                "        0s connect   #1 /p Basic \"manager\" -> 101\n",
                "        0s live      GET /live/x -> 200 (12 bytes)\n",
                "        0s client    #1 {\"filters\":[],\"type\":\"filter\"}\n",
                "        0s reply     #1 {\"type\":\"filterResponse\",\"success\":true}\n",
                "        5s event     #1 userLogin ×2\n",
                "        5s dropped   #1 by the server, without a close frame\n",
            )
        );
    }
}
