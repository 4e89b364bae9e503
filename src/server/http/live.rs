//! The Live REST API (docs/protocol.md §6) over HTTP: `GET` reads and `POST` actions under
//! `/communication_manager/rest/live/`, answered from the same model that drives
//! the events.
//!
//! The path after `rest/live/` is split on `/`, each segment percent-decoded
//! (`getByName` names may contain spaces), and handed to the model's Live API
//! ([`Pbx::live_get`](crate::model::Pbx::live_get),
//! [`Pbx::live_action`](crate::model::Pbx::live_action)), which knows the
//! resources, the `{id}` / `getByName/{name}` selectors and the spelling variants.
//!
//! Answers (docs/protocol.md §6.1): 200 + JSON for reads, 204 for actions (their events are
//! on the bus before the 204 goes out), and a one-line plain-text reason for
//! errors: 404 unknown resource or parent, 412 invalid JSON body, 409 an action
//! the model refuses, 405 another method (also `POST` on a resource that only
//! reads, such as a collection), 413 a body over 1 MiB, 503 when no
//! scenario plays. Admission (401/403) is the websocket's. The action paths and
//! bodies are our guesses (FAKE-DEFAULT, docs/protocol.md §6.3). The Configuration
//! API under `rest/config/` is [`config`](super::config)'s.

use std::net::SocketAddr;
use std::sync::Arc;

use warp::http::{Method, StatusCode};
use warp::hyper::body::Body as _;
use warp::path::{FullPath, Tail};
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::model::LiveError;
use crate::server::simulation::SimError;
use crate::server::state::ServerState;

use super::admission::{Audience, Refused, admitted, refusal_reply};
use super::journal::{Arrival, unix_us_now};
use super::reply::{
    BodyError, capped_body, json, method_not_allowed, no_content, plain, sim_error,
};

/// Where the Live API lives (docs/protocol.md §1.1).
pub const LIVE_PATH: &str = "/communication_manager/rest/live/";

/// Every request under `/communication_manager/rest/live/`, each journaled with its
/// answer, refusals (401, 403) included.
pub(crate) fn routes(
    state: Arc<ServerState>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let journal = Arc::clone(&state);
    let body = capped_body(
        state.transport_limits.body_timeout,
        Arc::clone(&state.stats),
    );
    let answered = admitted(state, Audience::Clients, "REST request")
        .and(warp::method())
        .and(warp::path::tail())
        .and(body)
        .then(answer)
        .recover(answer_refusal)
        .unify();
    warp::path!("communication_manager" / "rest" / "live" / ..)
        .and(arrival(journal))
        .and(answered)
        .map(
            |(state, arrival): (Arc<ServerState>, Arrival), response: Response| {
                let status = response.status().as_u16();
                let bytes = response.body().size_hint().exact().unwrap_or(0);
                state.requests.record(arrival, status, bytes);
                response
            },
        )
}

/// What the journal needs of a request, taken as it arrives.
fn arrival(
    state: Arc<ServerState>,
) -> impl Filter<Extract = ((Arc<ServerState>, Arrival),), Error = std::convert::Infallible> + Clone
{
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    warp::method()
        .and(warp::path::full())
        .and(query)
        .and(
            warp::header::optional::<u64>("content-length")
                .or(warp::any().map(|| None))
                .unify(),
        )
        .map(
            move |method: Method, full: FullPath, query: String, length: Option<u64>| {
                let path = if query.is_empty() {
                    full.as_str().to_string()
                } else {
                    format!("{}?{query}", full.as_str())
                };
                let arrival = Arrival {
                    virtual_ms: state.simulation.virtual_ms(),
                    unix_us: unix_us_now(),
                    method: method.to_string(),
                    path,
                    request_bytes: length.unwrap_or(0),
                };
                (Arc::clone(&state), arrival)
            },
        )
}

/// Answers a refused REST request here, so that the journal sees it too; any
/// other rejection goes on to the routes' handler.
async fn answer_refusal(rejection: Rejection) -> Result<Response, Rejection> {
    match rejection.find::<Refused>() {
        Some(Refused(refusal)) => Ok(refusal_reply(refusal)),
        None => Err(rejection),
    }
}

async fn answer(
    admitted: (Arc<ServerState>, Option<SocketAddr>),
    method: Method,
    tail: Tail,
    body: Result<Vec<u8>, BodyError>,
) -> Response {
    let (state, _) = admitted;
    let segments = match decode_path(tail.as_str()) {
        Ok(segments) => segments,
        Err(reason) => return plain(StatusCode::BAD_REQUEST, &reason),
    };
    let path: Vec<&str> = segments.iter().map(String::as_str).collect();
    if method == Method::GET {
        return match state.simulation.live_get(&path) {
            Ok(value) => json(StatusCode::OK, &value),
            Err(err) => sim_error(&err),
        };
    }
    if method != Method::POST {
        return method_not_allowed(&method, &[Method::GET, Method::POST]);
    }
    let body = match body {
        Ok(body) => body,
        Err(err) => return err.reply(),
    };
    let publisher = state.publisher();
    match state.simulation.live_action(&path, &body, &publisher).await {
        Ok(()) => no_content(),
        // A resource that reads but has no such action, such as a collection: the
        // method is wrong, not the path (docs/protocol.md §6.1).
        Err(SimError::Live(LiveError::NotFound(_))) if state.simulation.live_get(&path).is_ok() => {
            method_not_allowed(&method, &[Method::GET])
        }
        Err(err) => sim_error(&err),
    }
}

/// Splits a path on `/` and percent-decodes each segment; one trailing slash is
/// ignored.
///
/// # Errors
/// A one-line reason for a bad escape or a segment that is not UTF-8.
pub fn decode_path(path: &str) -> Result<Vec<String>, String> {
    use crate::provisioning::path::percent_decode;
    let path = path.strip_suffix('/').unwrap_or(path);
    path.split('/').map(percent_decode).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_split_then_decoded() {
        assert_eq!(
            decode_path("live/coreServers/getByName/Main%20Office/users/"),
            Ok(vec![
                "live".to_string(),
                "coreServers".into(),
                "getByName".into(),
                "Main Office".into(),
                "users".into()
            ])
        );
        assert_eq!(decode_path("a%2Fb"), Ok(vec!["a/b".to_string()]));
        assert_eq!(decode_path("caf%C3%A9"), Ok(vec!["café".to_string()]));
    }

    #[test]
    fn bad_escapes_are_refused() {
        for path in ["a%2", "a%zz", "%+1", "%FF", "%", "x/%e9"] {
            assert!(decode_path(path).is_err(), "{path}");
        }
    }
}
