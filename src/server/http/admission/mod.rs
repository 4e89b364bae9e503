//! Who may use the server: the source-address allow-list and the HTTP Basic
//! credentials, checked by one filter in front of every route, before any upgrade.

pub(crate) mod cidr;
pub(crate) mod gate;

use std::net::SocketAddr;
use std::sync::Arc;

use warp::http::{StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::server::session::peer_label;
use crate::server::state::ServerState;
use crate::server::transport::accept::remote_addr;

use gate::{REALM, Refusal};

use super::reply::plain;

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

/// The answer to a refused request: 401 with a Basic challenge, or 403; one line.
pub(crate) fn refusal_reply(refusal: &Refusal) -> Response {
    let mut response = plain(refusal.status(), &refusal.to_string());
    if refusal.status() == StatusCode::UNAUTHORIZED {
        let challenge = format!("Basic realm=\"{REALM}\"");
        if let Ok(value) = challenge.parse() {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
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
