//! Staying alive: no events for two idle timeouts while the server pings every
//! third of one. A client that answers the pings stays connected.

use super::super::check::{Check, CheckId};
use super::super::frames::Message;
use super::super::journal::{Seen, Side};
use super::super::stage::Stage;

/// Waits two idle timeouts and counts pings, pongs and closes.
pub async fn staying_alive(stage: &mut Stage<'_>) -> Result<(), String> {
    let Some(opened) = stage.open().await else {
        return Ok(());
    };
    let conn = opened.conn;
    let t = stage.thresholds;
    let window = t.idle_timeout * 2;
    stage.mark(format!(
        "no events for {window:?}; the server pings every {:?} and closes a connection silent for {:?}",
        t.ping_interval(),
        t.idle_timeout
    )).await;
    let from = stage.journal.with(<[_]>::len);
    stage.watch("two idle timeouts to pass", conn, window).await;
    let (pings, pongs, closed, ended) = stage.journal.with(|records| {
        let mut pings = 0usize;
        let mut pongs = 0usize;
        let mut closed = None;
        let mut ended = false;
        for record in records.iter().skip(from) {
            match &record.seen {
                Seen::Frame {
                    conn: c,
                    from,
                    message,
                } if *c == conn => match (from, message) {
                    (Side::Server, Message::Ping(_)) => pings += 1,
                    (Side::Client, Message::Pong(_)) => pongs += 1,
                    (Side::Server, Message::Close(code, reason)) => {
                        closed = Some(format!("{} {reason:?}", code.unwrap_or(0)));
                    }
                    _ => {}
                },
                Seen::Hangup { conn: c, .. } if *c == conn => ended = true,
                _ => {}
            }
        }
        (pings, pongs, closed, ended)
    });
    stage.check(if pings == 0 {
        Check::inconclusive(
            CheckId::AnswersPings,
            "no ping reached the client in the window",
        )
    } else {
        // The last ping may still be on its way back when the window closes.
        Check::pass_if(
            CheckId::AnswersPings,
            pongs + 1 >= pings && pongs > 0,
            format!("{pongs} pong(s) for {pings} ping(s)"),
        )
    });
    stage.check(match (closed, ended) {
        (Some(close), _) => Check::fail(
            CheckId::SurvivesIdle,
            format!("the server closed the connection: {close}"),
        ),
        (None, true) => Check::fail(
            CheckId::SurvivesIdle,
            "the connection ended during the quiet window".to_string(),
        ),
        (None, false) => Check::pass(
            CheckId::SurvivesIdle,
            format!("still connected after {window:?} without events"),
        ),
    });
    Ok(())
}
