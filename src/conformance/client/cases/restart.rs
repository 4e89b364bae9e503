//! The server restarts with a new `coreServerId` and new UUIDs (the `restart`
//! fault): the client must reconnect, refilter (its ids renewed), and keep no id
//! from before, neither in its messages nor in its Live API requests.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::Pbx;

use super::super::check::{Check, CheckId};
use super::super::frames::Message;
use super::super::journal::{Seen, Side};
use super::super::stage::Stage;
use super::reconnect::{come_back, settle};
use super::setting::{CUT_AT_MS, suite_player};

/// Plays to the cut, restarts the server, watches the client come back.
pub async fn server_restart(stage: &mut Stage<'_>) -> Result<(), String> {
    let Some(opened) = stage.open().await else {
        return Ok(());
    };
    let (old_ids, renewed) = restart_ids(stage)?;
    stage.step_to(CUT_AT_MS).await?;
    let live_before = stage.backend.live_requests().await?;
    stage.mark(
        "the server restarts: every connection closed with 1001, then new coreServerId and UUIDs",
    ).await;
    let cut_at = stage.journal.with(<[_]>::len);
    stage.link.refuse(stage.thresholds.refused_attempts);
    stage.backend.fault(r#"{"kind":"restart"}"#).await?;
    // The server's clock starts over at the restart; the transcript's goes on.
    stage.base_ms = CUT_AT_MS;
    let back = come_back(stage, opened.conn, cut_at, &renewed).await;
    if back.is_some() {
        stage.step_to(CUT_AT_MS).await?;
    }
    settle(stage, opened.conn, cut_at, back).await;
    let live = stage.backend.live_requests().await?;
    let live_after: Vec<_> = live.iter().skip(live_before.len()).collect();

    let mut stale = Vec::new();
    let texts: Vec<(u32, String)> = stage.journal.with(|records| {
        records
            .iter()
            .skip(cut_at)
            .filter_map(|r| match &r.seen {
                Seen::Frame {
                    conn,
                    from: Side::Client,
                    message: Message::Text(text),
                } if *conn > opened.conn => Some((*conn, text.clone())),
                _ => None,
            })
            .collect()
    });
    for (conn, text) in &texts {
        if let Some(id) = old_ids.iter().find(|id| text.contains(id.as_str())) {
            stale.push(format!("its message on #{conn} carries the old id {id}"));
        }
    }
    for request in &live_after {
        if let Some(id) = old_ids.iter().find(|id| request.path.contains(id.as_str())) {
            stale.push(format!(
                "{} {} asks for the old id {id} ({})",
                request.method, request.path, request.status
            ));
        }
    }
    let seen_after = texts.len() + live_after.len();
    stage.check(if !stale.is_empty() {
        Check::fail(CheckId::NoStaleIds, stale.join("; "))
    } else if back.is_none() {
        Check::inconclusive(CheckId::NoStaleIds, "the client did not come back")
    } else {
        Check::pass(
            CheckId::NoStaleIds,
            format!("{seen_after} message(s) and Live API request(s) after the restart, none with an old id"),
        )
    });
    stage.check(if live_before.is_empty() {
        Check::pass(
            CheckId::RereadsLiveApi,
            "the client used no Live API before the restart, so it had no ids to re-read",
        )
    } else if live_after.is_empty() {
        Check::fail(
            CheckId::RereadsLiveApi,
            format!(
                "{} Live API request(s) before the restart, none after: the ids it holds are the old server's",
                live_before.len()
            ),
        )
    } else {
        Check::pass(
            CheckId::RereadsLiveApi,
            format!(
                "{} Live API request(s) before the restart, {} after",
                live_before.len(),
                live_after.len()
            ),
        )
    });
    Ok(())
}

/// The ids before the restart, and each one's successor after it.
fn restart_ids(stage: &Stage<'_>) -> Result<(BTreeSet<String>, BTreeMap<String, String>), String> {
    let before = suite_player(stage.profile)?;
    let after = before.restarted().map_err(|err| err.to_string())?;
    let (old, new) = (ids_of(before.pbx()), ids_of(after.pbx()));
    let renewed: BTreeMap<String, String> = old
        .iter()
        .filter_map(|(key, id)| Some((id.clone(), new.get(key)?.clone())))
        .collect();
    Ok((old.into_values().collect(), renewed))
}

/// Every long-lived id of the model, by what names it (core server, user name,
/// extension number, queue identifier, agent, room).
fn ids_of(pbx: &Pbx) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    if let Some(core) = pbx.core_server() {
        ids.insert("core server".to_string(), core.id.clone());
    }
    for (name, user) in pbx.users() {
        ids.insert(format!("user {name}"), user.id.clone());
    }
    for (name, extension) in pbx.extensions() {
        ids.insert(format!("extension {name}"), extension.id.clone());
    }
    for (name, queue) in pbx.queues() {
        ids.insert(format!("queue {name}"), queue.id.clone());
        for (agent, entry) in &queue.agents {
            ids.insert(format!("queue {name} agent {agent}"), entry.id.clone());
        }
    }
    for (name, room) in pbx.rooms() {
        ids.insert(format!("room {name}"), room.id.clone());
    }
    ids
}
