//! Reconnect after the server closed (1001, 1008) or dropped the connection: the
//! client must come back with backoff, refuse no refused attempt, and send the
//! same filter again.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::server::DEFAULT_CLIENT_QUEUE;

use super::super::check::{Check, CheckId};
use super::super::journal::Conn;
use super::super::judge::{backoff, close_index, last_accepted_filter, refilters};
use super::super::stage::Stage;
use super::setting::CUT_AT_MS;

/// How the server cuts the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Close 1001 going away.
    GoingAway,
    /// Close 1008, as our server closes a slow consumer.
    SlowConsumer,
    /// The TCP connection ends without a close frame.
    Dropped,
}

impl Cut {
    fn fault(self) -> String {
        match self {
            Cut::GoingAway => r#"{"kind":"close","code":1001,"reason":"going away"}"#.to_string(),
            Cut::SlowConsumer => format!(
                r#"{{"kind":"close","code":1008,"reason":"slow consumer: {DEFAULT_CLIENT_QUEUE} events pending"}}"#
            ),
            Cut::Dropped => r#"{"kind":"drop"}"#.to_string(),
        }
    }

    fn words(self) -> &'static str {
        match self {
            Cut::GoingAway => "closes the connection with 1001 going away",
            Cut::SlowConsumer => "closes the connection with 1008 slow consumer",
            Cut::Dropped => "drops the TCP connection without a close frame",
        }
    }
}

/// Plays the scenario to the cut, cuts, and watches the client come back.
pub async fn after(stage: &mut Stage<'_>, cut: Cut) -> Result<(), String> {
    let Some(opened) = stage.open().await else {
        return Ok(());
    };
    stage.step_to(CUT_AT_MS).await?;
    stage.mark(format!("the server {}", cut.words())).await;
    let cut_at = stage.journal.with(<[_]>::len);
    stage.link.refuse(stage.thresholds.refused_attempts);
    stage.backend.fault(&cut.fault()).await?;
    let back = come_back(stage, opened.conn, cut_at, &BTreeMap::new()).await;
    if back.is_some() {
        stage.step_all().await?;
    }
    settle(stage, opened.conn, cut_at, back).await;
    Ok(())
}

/// After a cut at journal index `cut_at`: waits for the close to pass, for the
/// client to reconnect and to filter again; decides the reconnect and refilter
/// checks. The new connection, if any.
pub async fn come_back(
    stage: &mut Stage<'_>,
    old: Conn,
    cut_at: usize,
    ids: &BTreeMap<String, String>,
) -> Option<Conn> {
    let before = stage
        .journal
        .with(|records| last_accepted_filter(records, old, cut_at));
    let patience = Some(stage.thresholds.patience);
    let closed = stage
        .wait("the close to reach the client", patience, |records| {
            close_index(records, old, cut_at)
        })
        .await;
    let reconnected = stage.await_reconnect(old).await;
    let Some((conn, opened_at)) = reconnected else {
        stage.check(Check::fail(
            CheckId::Reconnects,
            format!(
                "did not connect again within {:?} of the cut",
                stage.thresholds.reconnect_deadline
            ),
        ));
        return None;
    };
    let took = stage.journal.with(|records| {
        let from = closed.map_or(cut_at, |i| i);
        records[opened_at].wall.saturating_sub(records[from].wall)
    });
    let refused = stage.thresholds.refused_attempts;
    stage.check(Check::pass(
        CheckId::Reconnects,
        format!(
            "connected again as #{conn} {} ms after the cut ({refused} attempt(s) refused on purpose first)",
            took.as_millis()
        ),
    ));
    let deadline = stage.thresholds.filter_deadline;
    let after = stage
        .await_message(
            conn,
            opened_at,
            "the client's filter on the new connection",
            deadline,
        )
        .await;
    if let Some((index, _, _)) = &after {
        stage.await_reply(conn, *index).await;
    }
    let check = refilters(
        before.as_deref(),
        after.as_ref().map(|(_, text, _)| text.as_str()),
        conn,
        ids,
    );
    stage.check(check);
    Some(conn)
}

/// Watches a little longer for needless reconnects, then decides the backoff check.
pub async fn settle(stage: &mut Stage<'_>, old: Conn, cut_at: usize, back: Option<Conn>) {
    let window = (stage.thresholds.min_reconnect_interval * 3).max(Duration::from_millis(200));
    if let Some(conn) = back {
        stage
            .watch("needless reconnects to show", conn, window)
            .await;
    }
    let closed_at = stage
        .journal
        .with(|records| close_index(records, old, cut_at))
        .unwrap_or(cut_at);
    let check = stage.journal.with(|records| {
        backoff(
            records,
            closed_at,
            back,
            stage.thresholds.min_reconnect_interval,
        )
    });
    stage.check(check);
}
