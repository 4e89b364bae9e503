//! Keeping up with a burst, and robustness to a duplicated event, a malformed
//! frame and an unknown event. Both send the client events its own filter admits,
//! since the server sends nothing else.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::protocol::RawEvent;

use super::super::check::{Check, CheckId};
use super::super::frames::Message;
use super::super::journal::{Conn, Record, Seen, Side};
use super::super::judge::last_accepted_filter;
use super::super::lint::filter_entries;
use super::super::stage::Stage;
use super::events::{
    UNKNOWN_PROPERTY, UNKNOWN_TYPE, admits, admitted_templates, filter_set, variant,
};
use super::setting::EPOCH_MS;

/// How often the burst publishes what is due.
const BURST_TICK: Duration = Duration::from_millis(10);

/// The events the client's last accepted filter on `conn` admits.
fn templates_for(stage: &Stage<'_>, conn: Conn) -> (Vec<String>, Option<String>) {
    let filter = stage
        .journal
        .with(|records| last_accepted_filter(records, conn, records.len()));
    let entries = filter.as_deref().and_then(filter_entries);
    (
        admitted_templates(entries.as_deref(), stage.profile),
        filter,
    )
}

fn raw(text: &str) -> Result<RawEvent, String> {
    RawEvent::from_json(text).map_err(|err| format!("an event the runner made is not valid: {err}"))
}

/// Event frames (not replies) the server sent on `conn` after journal index `from`.
fn events_after(records: &[Record], conn: Conn, from: usize) -> usize {
    records
        .iter()
        .skip(from)
        .filter(|r| is_event(&r.seen, conn))
        .count()
}

/// Whether `seen` is an event frame (not a reply) from the server on `conn`.
fn is_event(seen: &Seen, conn: Conn) -> bool {
    matches!(seen, Seen::Frame { conn: c, from: Side::Server, message: Message::Text(text) }
        if *c == conn && !text.contains("\"filterResponse\""))
}

/// A burst at the burst rate; the client must read it all and answer a ping behind it.
pub async fn keeping_up(stage: &mut Stage<'_>) -> Result<(), String> {
    let Some(opened) = stage.open().await else {
        return Ok(());
    };
    let conn = opened.conn;
    let (templates, _) = templates_for(stage, conn);
    if templates.is_empty() {
        stage.check(Check::inconclusive(
            CheckId::KeepsUp,
            "the client's filter admits no event at all, so no burst could reach it",
        ));
        return Ok(());
    }
    let t = stage.thresholds;
    let total = t.burst_events();
    let time = EPOCH_MS + i64::try_from(stage.journal.virtual_ms()).unwrap_or(0);
    let frames: Vec<String> = templates
        .iter()
        .map(|t| variant(t, time, None, None))
        .collect();
    stage
        .mark(format!(
            "a burst of {total} events at {} events/s",
            t.burst_rate
        ))
        .await;
    let from = stage.journal.with(<[_]>::len);
    let started = Instant::now();
    let mut sent = 0u64;
    let mut ticks = tokio::time::interval(BURST_TICK);
    while sent < total {
        ticks.tick().await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let due = (u64::from(t.burst_rate).saturating_mul(elapsed_ms) / 1000 + 1).min(total);
        let batch: Result<Vec<RawEvent>, String> = (sent..due)
            .map(|i| raw(&frames[usize::try_from(i).unwrap_or(0) % frames.len()]))
            .collect();
        stage.backend.publish_raw(batch?).await?;
        sent = due;
    }
    let total_usize = usize::try_from(total).unwrap_or(usize::MAX);
    // Counted as records come (a rescan on every wake would grow with the square
    // of the burst, in the process that forwards it).
    let (mut scanned, mut read, mut ended) = (from, 0usize, false);
    let count = |records: &[Record]| {
        for record in &records[scanned..] {
            match &record.seen {
                Seen::Hangup { conn: c, .. } if *c == conn => ended = true,
                seen if is_event(seen, conn) => read += 1,
                _ => {}
            }
        }
        scanned = records.len();
        (read >= total_usize || ended).then_some(read)
    };
    let _ = stage
        .wait("the burst to reach the client", Some(t.patience), count)
        .await;
    let read = stage
        .journal
        .with(|records| events_after(records, conn, from));
    let answered = read >= total_usize && stage.probe(conn).await;
    let stats = stage.backend.stats();
    let check = if stats.slow_consumer_disconnects > 0 {
        Check::fail(
            CheckId::KeepsUp,
            format!(
                "the server closed it as a slow consumer (1008) after {read} of {total} events reached the client"
            ),
        )
    } else if read < total_usize {
        Check::fail(
            CheckId::KeepsUp,
            format!(
                "{read} of {total} events reached the client {:?} after the burst ended: it does not keep up (or stopped reading)",
                t.patience
            ),
        )
    } else if !answered {
        Check::fail(
            CheckId::KeepsUp,
            format!(
                "all {total} events reached it, but it did not answer a ping sent behind them within {:?}: it stopped reading",
                t.patience
            ),
        )
    } else {
        Check::pass(
            CheckId::KeepsUp,
            format!(
                "read all {total} events ({} events/s for {:?}) and answered a ping sent behind them",
                t.burst_rate, t.burst_duration
            ),
        )
    };
    stage.check(check);
    Ok(())
}

/// A duplicated event, a malformed frame and an unknown event, then one more
/// event and a ping: the client must still be connected and reading.
pub async fn robustness(stage: &mut Stage<'_>) -> Result<(), String> {
    let Some(opened) = stage.open().await else {
        return Ok(());
    };
    let conn = opened.conn;
    stage.step_to(60_000).await?;
    let (templates, filter) = templates_for(stage, conn);
    let Some(template) = templates.first() else {
        for id in [CheckId::StaysConnected, CheckId::KeepsReading] {
            stage.check(Check::inconclusive(
                id,
                "the client's filter admits no event at all, so nothing could reach it",
            ));
        }
        return Ok(());
    };
    let time = EPOCH_MS + i64::try_from(stage.journal.virtual_ms()).unwrap_or(0);
    let unknown = variant(template, time, Some(UNKNOWN_TYPE), None);
    let admitted = filter
        .as_deref()
        .and_then(filter_entries)
        .is_none_or(|entries| admits(&filter_set(&entries), &unknown));
    let (unknown_words, unknown_event) = if admitted {
        (
            format!("an event of a type the catalogue does not know ({UNKNOWN_TYPE})"),
            unknown,
        )
    } else {
        (
            format!(
                "an event with a property the catalogue does not know ({UNKNOWN_PROPERTY}); the client's filter admits no unknown type"
            ),
            variant(
                template,
                time,
                None,
                Some((UNKNOWN_PROPERTY, Value::from(3))),
            ),
        )
    };
    let ordinary = variant(template, time, None, None);
    let disturbances = [
        (
            "the next event twice (a duplicate fault)".to_string(),
            Disturbance::Duplicate,
        ),
        (
            "a text frame that is not JSON (a malformed fault)".to_string(),
            Disturbance::Malformed,
        ),
        (unknown_words, Disturbance::Event(unknown_event)),
    ];
    // A ping behind each one: the first the client does not answer names the
    // disturbance it did not survive, whatever the timing.
    let mut failure = None;
    for (words, disturbance) in disturbances {
        let from = stage.journal.with(<[_]>::len);
        stage.mark(words.clone()).await;
        match disturbance {
            Disturbance::Duplicate => {
                stage
                    .backend
                    .fault(r#"{"kind":"duplicate","count":1}"#)
                    .await?;
                stage.backend.publish_raw([raw(&ordinary)?]).await?;
            }
            Disturbance::Malformed => stage.backend.fault(r#"{"kind":"malformed"}"#).await?,
            Disturbance::Event(event) => stage.backend.publish_raw([raw(&event)?]).await?,
        }
        let answered = stage.probe(conn).await;
        let left = stage
            .journal
            .with(|records| left_after(records, conn, from));
        if answered && left.is_none() {
            continue;
        }
        failure = Some((words, left));
        break;
    }
    if failure.is_none() {
        stage.step_all().await?;
        stage
            .watch(
                "the connection to stay up",
                conn,
                Duration::from_millis(200),
            )
            .await;
    }
    let patience = stage.thresholds.patience;
    let (stays, reads) = match failure {
        None => (
            Check::pass(
                CheckId::StaysConnected,
                "still connected after a duplicated event, a malformed frame and an unknown event (or property)",
            ),
            Check::pass(
                CheckId::KeepsReading,
                "answered a ping sent behind each of them",
            ),
        ),
        Some((words, Some(how))) => (
            Check::fail(CheckId::StaysConnected, format!("{how} after {words}")),
            Check::fail(CheckId::KeepsReading, format!("it left after {words}")),
        ),
        Some((words, None)) => (
            Check::pass(
                CheckId::StaysConnected,
                format!("still connected after {words}"),
            ),
            Check::fail(
                CheckId::KeepsReading,
                format!(
                    "did not answer a ping sent behind {words} within {patience:?}: it stopped reading"
                ),
            ),
        ),
    };
    stage.check(stays);
    stage.check(reads);
    Ok(())
}

/// What the robustness case sends, each followed by a ping.
enum Disturbance {
    /// The next event twice.
    Duplicate,
    /// A text frame that is not JSON.
    Malformed,
    /// An event (of an unknown type, or with an unknown property).
    Event(String),
}

/// How the client left `conn` after journal index `from`: `None` while it stayed.
fn left_after(records: &[Record], conn: Conn, from: usize) -> Option<String> {
    records
        .iter()
        .skip(from)
        .find_map(|record| match &record.seen {
            Seen::Frame {
                conn: c,
                from: Side::Client,
                message: Message::Close(code, reason),
            } if *c == conn => Some(format!(
                "closed its connection (code {}, {reason:?})",
                code.map_or("none".to_string(), |c| c.to_string())
            )),
            Seen::Hangup {
                conn: c,
                by: Side::Client,
                ..
            } if *c == conn => Some("ended its TCP connection".to_string()),
            Seen::Attempt { conn: c, .. } if *c > conn => Some(format!(
                "connected again (#{c}) although its connection was open"
            )),
            _ => None,
        })
}
