//! CORS for the Live API and `/sim/` (`--cors-origin`), so a page served from
//! another origin (`http://localhost:3000`, a file) can call them with `fetch()`.
//!
//! Ours: whether a real iSymphony sends CORS headers is undocumented. Our default
//! is off, as a server that says nothing about CORS behaves: browsers then refuse
//! every cross-origin `fetch()`, and tools other than browsers are unaffected.
//!
//! With origins listed, a preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) under those paths is answered before any
//! credentials are asked for, since browsers never send credentials on a
//! preflight; the source-address allow-list still applies. Every answer on those
//! paths to a listed origin, errors and 401s included, carries
//! `Access-Control-Allow-Origin` with that origin and
//! `Access-Control-Allow-Credentials: true`, so the page can read the status.
//!
//! `*` allows any origin. Browsers refuse `Access-Control-Allow-Origin: *` on a
//! request with credentials, and every request here carries them, so `*` is
//! served by echoing the request's `Origin` instead (with `Vary: Origin`).
//!
//! The websocket Event API is not covered: browsers apply no CORS to websockets.
//! See docs/protocol.md §10.9.

pub(crate) mod policy;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use warp::http::StatusCode;
use warp::http::header::{self, HeaderValue};
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::server::session::peer_label;
use crate::server::state::ServerState;
use crate::server::stats::Stats;
use crate::server::transport::accept::remote_addr;

use super::admission::{refusal_reply, refused};
use super::reply::plain;
use policy::{Preflight, covers, vary};

pub use policy::{CorsOrigin, CorsOriginError, CorsPolicy};

/// Answers CORS preflights on the covered paths, before any credentials are
/// asked for (the allow-list still applies); every other request is rejected as
/// not found, for the routes behind to answer.
pub(crate) fn preflights(
    state: Arc<ServerState>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::options()
        .and(warp::path::full())
        .and(warp::header::value(header::ORIGIN.as_str()))
        .and(warp::header::value(
            header::ACCESS_CONTROL_REQUEST_METHOD.as_str(),
        ))
        .and(remote_addr())
        .and_then(
            move |path: FullPath, origin: HeaderValue, _method: HeaderValue, remote| {
                let state = Arc::clone(&state);
                async move {
                    if !covers(path.as_str()) {
                        return Err(warp::reject::not_found());
                    }
                    Ok(answer_preflight(&state, &origin, remote))
                }
            },
        )
}

fn answer_preflight(
    state: &ServerState,
    origin: &HeaderValue,
    remote: Option<SocketAddr>,
) -> Response {
    if let Err(refusal) = state.gate.check_address(remote) {
        refused(state, remote, &refusal, "CORS preflight");
        return refusal_reply(&refusal);
    }
    let text = origin.to_str().unwrap_or("(not text)");
    match state.cors.preflight(origin) {
        Preflight::Allowed(response) => {
            Stats::bump(&state.stats.cors_preflights);
            tracing::debug!(peer = %peer_label(remote), origin = text, "answered a CORS preflight");
            response
        }
        Preflight::Refused(reason) => {
            let mut response = plain(StatusCode::FORBIDDEN, &reason);
            vary(&mut response);
            Stats::bump(&state.stats.refused_cors_preflights);
            tracing::warn!(
                peer = %peer_label(remote),
                origin = text,
                "refused a CORS preflight: the origin is not allowed (--cors-origin)"
            );
            response
        }
    }
}

/// `routes`, with the CORS headers added to their answers on covered paths.
pub(crate) fn decorated<F>(
    state: Arc<ServerState>,
    routes: F,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone
where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    let origin = warp::header::value(header::ORIGIN.as_str())
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    warp::path::full().and(origin).and(routes).map(
        move |path: FullPath, origin: Option<HeaderValue>, mut response: Response| {
            state
                .cors
                .decorate(path.as_str(), origin.as_ref(), &mut response);
            response
        },
    )
}
