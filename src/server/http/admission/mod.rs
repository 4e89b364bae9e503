//! Who may use the server: the source-address allow-list and the HTTP Basic
//! credentials, checked by one filter in front of every route, before any upgrade;
//! `challenge` tells the browser's 401-then-retry flow apart from refusals.

pub(crate) mod challenge;
pub(crate) mod cidr;
pub(crate) mod gate;

use std::net::SocketAddr;
use std::sync::Arc;

use warp::http::{HeaderValue, StatusCode, header};
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::server::session::peer_label;
use crate::server::state::ServerState;
use crate::server::transport::accept::{Pending, remote_addr};

use super::reply::plain;
use challenge::Asker;
use gate::{REALM, Refusal};

/// A refused upgrade, carried as a warp rejection to the routes' rejection handler.
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) Refusal);

impl warp::reject::Reject for Refused {}

/// An admitted request: the server and where the request came from.
pub(crate) type Admitted = (Arc<ServerState>, Option<SocketAddr>);

/// Whose credentials a route takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// The Event API, the Live and Configuration APIs: the server's credentials,
    /// as iSymphony's.
    Clients,
    /// The `/sim/` control API and its dashboard: their own credentials when
    /// `--control-username` and `--control-password` are given, else the
    /// clients' ones.
    Control,
}

/// Applies the allow-list and credentials, for every route alike; refusals are
/// logged (as a refused `what`) and counted here, before any upgrade or handler.
/// A 401 for missing credentials is held as a possible challenge (see
/// [`challenge`]) and logged when it turns out to be a refusal.
pub(crate) fn admitted(
    state: Arc<ServerState>,
    audience: Audience,
    what: &'static str,
) -> impl Filter<Extract = (Admitted,), Error = Rejection> + Clone {
    checked(state, audience, what).and_then(|checked: Result<Admitted, Refusal>| async move {
        checked.map_err(|refusal| warp::reject::custom(Refused(refusal)))
    })
}

/// As [`admitted`], with the refusal as a value, for routes that answer it
/// themselves instead of rejecting (so no route behind them checks again).
pub(crate) fn checked(
    state: Arc<ServerState>,
    audience: Audience,
    what: &'static str,
) -> impl Filter<Extract = (Result<Admitted, Refusal>,), Error = std::convert::Infallible> + Clone {
    let origin = warp::header::value(header::ORIGIN.as_str())
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    warp::any()
        .map(move || Arc::clone(&state))
        .and(remote_addr())
        .and(
            warp::header::optional::<String>("authorization")
                .or(warp::any().map(|| None))
                .unify(),
        )
        .and(origin)
        .and(warp::path::full())
        .and(warp::ext::optional::<Pending>())
        .map(
            move |state: Arc<ServerState>,
                  remote: Option<SocketAddr>,
                  authorization: Option<String>,
                  origin: Option<HeaderValue>,
                  path: FullPath,
                  pending: Option<Pending>| {
                let asker = || {
                    let origin = origin.as_ref().and_then(|o| o.to_str().ok());
                    Asker::new(remote, origin, path.as_str())
                };
                let gate = match audience {
                    Audience::Clients => &state.gate,
                    Audience::Control => &state.control_gate,
                };
                match gate.admit(remote, authorization.as_deref()) {
                    Ok(()) => {
                        state.challenges.admitted(&asker(), &state.stats);
                        // The connection has authenticated: it is no longer pending.
                        if let Some(Pending(slot)) = pending {
                            slot.release();
                        }
                        Ok((state, remote))
                    }
                    Err(Refusal::NoCredentials) => {
                        state
                            .challenges
                            .challenged(asker(), remote, what, &state.stats);
                        Err(Refusal::NoCredentials)
                    }
                    Err(refusal) => {
                        refused(&state, remote, &refusal, what);
                        Err(refusal)
                    }
                }
            },
        )
}

/// Counts and logs a refusal that is one at once (not a 401 challenge).
pub(crate) fn refused(
    state: &ServerState,
    remote: Option<SocketAddr>,
    refusal: &Refusal,
    what: &'static str,
) {
    state.stats.count_refusal(refusal);
    // The reason only: the credentials that were tried are never logged.
    tracing::warn!(peer = %peer_label(remote), reason = refusal.kind(), "refused {what}");
}

/// The plain-text answer to a refusal; a 401 carries the Basic challenge, and
/// a 403 closes the connection after the answer: nobody refused holds one open
/// (a 401's connection stays for the browser's retry, under the header timeout).
pub(crate) fn refusal_reply(refusal: &Refusal) -> Response {
    let mut response = plain(refusal.status(), &refusal.to_string());
    if refusal.status() == StatusCode::FORBIDDEN {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if refusal.status() == StatusCode::UNAUTHORIZED
        && let Ok(value) = format!("Basic realm=\"{REALM}\"").parse()
    {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
