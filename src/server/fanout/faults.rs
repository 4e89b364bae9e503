//! Carrying out injected faults in the dispatcher, at their place in the stream,
//! so integrators can test reconnect and resync logic. Ours, not iSymphony's.
//!
//! | fault | what the client sees |
//! |---|---|
//! | `drop` | the TCP connection ends at once, no close frame, queued frames unsent |
//! | `close` | everything queued before it, then a close frame with the code and reason |
//! | `delay` | nothing for `ms` from this point; later frames wait in its queue |
//! | `duplicate` | each of its next `count` events twice in a row |
//! | `malformed` | one text frame that is not JSON, in order with the events |
//! | `restart` | every client: what was queued, then close 1001 "server restarting" |
//!
//! Every fault is logged and counted by kind; `/sim/status` shows the counts.

use std::time::Duration;

use tokio_tungstenite::tungstenite::Message;

use crate::scenario::{Fault, FaultRequest};

use crate::server::stats::Stats;

use super::message::{CLOSE_GOING_AWAY, ClientId, Kick, Outbound};
use super::subscribers::Subscribers;

/// The frame a `malformed` fault sends: an event cut off in the middle, as a
/// broken proxy or a crashed writer would leave it.
pub const MALFORMED_FRAME: &str = r#"{"type":"userLogin","time":17000000"#;

/// The close reason a `restart` fault sends with 1001.
pub const RESTART_REASON: &str = "server restarting";

/// Carries out `request` on the clients it targets; returns the ids hit (empty
/// when a targeted client is not attached).
pub(crate) fn carry_out(
    request: &FaultRequest,
    subscribers: &mut Subscribers,
    stats: &Stats,
) -> Vec<ClientId> {
    let targets: Vec<ClientId> = match (&request.fault, request.client) {
        (Fault::Restart, _) | (_, None) => subscribers.ids(),
        (_, Some(id)) => subscribers
            .get_mut(ClientId(id))
            .map(|_| vec![ClientId(id)])
            .unwrap_or_default(),
    };
    if request.client.is_some() && targets.is_empty() {
        tracing::info!(fault = %request, "fault not carried out: no such client");
        return targets;
    }
    stats.count_fault(&request.fault);
    tracing::warn!(fault = %request, hit = targets.len(), "fault carried out");
    for &id in &targets {
        let Some(subscriber) = subscribers.get_mut(id) else {
            continue;
        };
        let leaves = match &request.fault {
            Fault::Drop => {
                subscriber.kick(Kick::Dropped);
                true
            }
            Fault::Close { code, reason } => {
                let close = Outbound::Close {
                    code: *code,
                    reason: reason.clone(),
                };
                subscriber.offer(close, stats);
                true
            }
            Fault::Restart => {
                let close = Outbound::Close {
                    code: CLOSE_GOING_AWAY,
                    reason: RESTART_REASON.to_string(),
                };
                subscriber.offer(close, stats);
                true
            }
            Fault::Delay { ms } => {
                subscriber.offer(Outbound::Hold(Duration::from_millis(*ms)), stats);
                subscriber.gone
            }
            Fault::Duplicate { count } => {
                subscriber.duplicates = subscriber.duplicates.saturating_add(*count);
                false
            }
            Fault::Malformed => {
                if subscriber.offer(Outbound::Frame(Message::text(MALFORMED_FRAME)), stats) {
                    Stats::bump(&stats.malformed_sent);
                }
                subscriber.gone
            }
        };
        // A client that is closing receives nothing after its close.
        if leaves {
            subscribers.detach(id);
        }
    }
    targets
}
