//! Who may use the server: the source-address allow-list and the HTTP Basic
//! credentials, checked by one filter in front of every route, before any upgrade.

pub(crate) mod cidr;
pub(crate) mod gate;

use std::net::SocketAddr;
use std::sync::Arc;

use warp::{Filter, Rejection};

use crate::server::session::peer_label;
use crate::server::state::ServerState;
use crate::server::transport::accept::remote_addr;

use gate::Refusal;

/// A refused upgrade, carried as a warp rejection to the routes' rejection handler.
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) Refusal);

impl warp::reject::Reject for Refused {}

/// Applies the allow-list and credentials, for every route alike; refusals are
/// logged (as a refused `what`) and counted here, before any upgrade or handler.
pub(crate) fn admitted(
    state: Arc<ServerState>,
    what: &'static str,
) -> impl Filter<Extract = ((Arc<ServerState>, Option<SocketAddr>),), Error = Rejection> + Clone {
    warp::any()
        .map(move || Arc::clone(&state))
        .and(remote_addr())
        .and(warp::header::optional::<String>("authorization"))
        .and_then(move |state, remote, authorization| admit(state, remote, authorization, what))
}

async fn admit(
    state: Arc<ServerState>,
    remote: Option<SocketAddr>,
    authorization: Option<String>,
    what: &'static str,
) -> Result<(Arc<ServerState>, Option<SocketAddr>), Rejection> {
    match state.gate.admit(remote, authorization.as_deref()) {
        Ok(()) => Ok((state, remote)),
        Err(refusal) => {
            state.stats.count_refusal(&refusal);
            // The reason only: the credentials that were tried are never logged.
            tracing::warn!(peer = %peer_label(remote), reason = refusal.kind(), "refused {what}");
            Err(warp::reject::custom(Refused(refusal)))
        }
    }
}
