//! The Configuration API (docs/protocol.md §9) over HTTP, under both of its bases,
//! `/communication_manager/api/resource/` (the FreePBX module's) and
//! `/communication_manager/rest/config/` (the documentation's), behind the same
//! admission as every route.
//!
//! Everything about resources, bodies and status codes is the pure
//! [`provisioning`](crate::provisioning) layer's; this file hands it the method,
//! the path and the capped body, applies the change it asks for through the
//! simulation (so the events of what a change ends are published in order before
//! the answer), and turns its reply into HTTP. Bodies are never logged: they
//! carry passwords.

use std::net::SocketAddr;
use std::sync::Arc;

use warp::http::header::{ALLOW, HeaderValue, LOCATION};
use warp::http::{Method, StatusCode};
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::provisioning::{Reply, ReplyBody};
use crate::server::state::ServerState;

use super::admission::{Audience, admitted};
use super::reply::{BodyError, capped_body, json, no_content, plain, sim_error};

/// Every request under either base of the Configuration API.
pub(crate) fn routes(
    state: Arc<ServerState>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let body = capped_body(
        state.transport_limits.body_timeout,
        Arc::clone(&state.stats),
    );
    let client = warp::path!("communication_manager" / "api" / "resource" / ..);
    let documented = warp::path!("communication_manager" / "rest" / "config" / ..);
    client
        .or(documented)
        .unify()
        .and(admitted(
            state,
            Audience::Clients,
            "Configuration API request",
        ))
        .and(warp::method())
        .and(warp::path::full())
        .and(body)
        .then(answer)
}

async fn answer(
    admitted: (Arc<ServerState>, Option<SocketAddr>),
    method: Method,
    path: FullPath,
    body: Result<Vec<u8>, BodyError>,
) -> Response {
    let (state, _) = admitted;
    let body = match body {
        Ok(body) => body,
        Err(err) => return err.reply(),
    };
    let publisher = state.publisher();
    let outcome = state
        .simulation
        .provision(method.as_str(), path.as_str(), &body, &publisher)
        .await;
    match outcome {
        Ok(reply) => {
            tracing::debug!(method = %method, path = path.as_str(), status = reply.status, "Configuration API");
            response(&reply)
        }
        Err(err) => sim_error(&err),
    }
}

/// A provisioning reply as HTTP.
fn response(reply: &Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match &reply.body {
        ReplyBody::Json(value) => json(status, value),
        ReplyBody::Text(line) => plain(status, line),
        ReplyBody::Empty => no_content(),
    };
    let headers = response.headers_mut();
    if !reply.allow.is_empty() {
        let names: Vec<&str> = reply.allow.iter().map(|m| m.as_str()).collect();
        if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
            headers.insert(ALLOW, value);
        }
    }
    if let Some(location) = reply
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(LOCATION, location);
    }
    response
}
