//! What the REST and control routes share: a capped request body, and the
//! plain-text and JSON answers.

use futures_util::{Stream, StreamExt};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

use warp::http::header::{ALLOW, CONNECTION, HeaderValue};
use warp::http::{Method, StatusCode};
use warp::reply::{Reply, Response};
use warp::{Buf, Filter, Rejection};

use crate::model::LiveError;
use crate::server::simulation::SimError;
use crate::server::stats::Stats;

/// Largest request body accepted. Scenario files and events are a few KiB; the
/// cap keeps one client from making the server buffer without bound.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Why a request body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Over [`MAX_REQUEST_BODY`].
    TooLarge,
    /// The connection failed while the body was read.
    Unreadable(String),
    /// The body had not arrived within the body timeout.
    TimedOut(Duration),
}

impl BodyError {
    /// The answer: 413 or 400, one line.
    pub(crate) fn reply(&self) -> Response {
        match self {
            BodyError::TooLarge => plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is over {MAX_REQUEST_BODY} bytes"),
            ),
            BodyError::Unreadable(reason) => plain(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the request body: {reason}"),
            ),
            BodyError::TimedOut(after) => {
                let mut response = plain(
                    StatusCode::REQUEST_TIMEOUT,
                    &format!(
                        "the request body did not arrive within {after:?} (--body-timeout); send it whole, at once"
                    ),
                );
                // The rest of the body may still be on its way: do not wait for it.
                response
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
                response
            }
        }
    }
}

/// The request body, read up to [`MAX_REQUEST_BODY`] bytes and no further, and
/// for no longer than `timeout` (counted in `stats` when it passes).
pub(crate) fn capped_body(
    timeout: Duration,
    stats: Arc<Stats>,
) -> impl Filter<Extract = (Result<Vec<u8>, BodyError>,), Error = Rejection> + Clone {
    warp::body::stream().then(move |stream| {
        let stats = Arc::clone(&stats);
        async move {
            match tokio::time::timeout(timeout, read_capped(stream)).await {
                Ok(read) => read,
                Err(_) => {
                    Stats::bump(&stats.body_timeouts);
                    Err(BodyError::TimedOut(timeout))
                }
            }
        }
    })
}

async fn read_capped<S, B>(stream: S) -> Result<Vec<u8>, BodyError>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut stream = std::pin::pin!(stream);
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let mut chunk = chunk.map_err(|e| BodyError::Unreadable(e.to_string()))?;
        if body.len().saturating_add(chunk.remaining()) > MAX_REQUEST_BODY {
            return Err(BodyError::TooLarge);
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let taken = part.len();
            body.extend_from_slice(part);
            chunk.advance(taken);
        }
    }
    Ok(body)
}

/// Longest plain-text answer: an error that quotes what it was sent must not
/// answer a big request with an even bigger reply.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Problems of a posted scenario shown in a 422, and the longest line of one.
const MAX_SHOWN_PROBLEMS: usize = 100;
const MAX_SHOWN_LINE_CHARS: usize = 500;

/// A plain-text answer: `line` and a newline, cut at [`MAX_REPLY_BYTES`].
pub(crate) fn plain(status: StatusCode, line: &str) -> Response {
    let text = match line.char_indices().find(|(at, _)| *at >= MAX_REPLY_BYTES) {
        Some((cut, _)) => format!("{} [... cut at {MAX_REPLY_BYTES} bytes]\n", &line[..cut]),
        None => format!("{line}\n"),
    };
    warp::reply::with_status(text, status).into_response()
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Response {
    warp::reply::with_status(warp::reply::json(value), status).into_response()
}

/// 204, for an action that was carried out.
pub(crate) fn no_content() -> Response {
    warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response()
}

/// 405, naming the methods the resource answers.
pub(crate) fn method_not_allowed(method: &Method, allowed: &[Method]) -> Response {
    let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    let mut response = plain(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "method {method} is not allowed here; use {}",
            names.join(" or ")
        ),
    );
    if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// A simulation error as plain text: one line, or one line per problem of a
/// scenario file (`request body:LINE:COLUMN: message`).
pub(crate) fn sim_error(err: &SimError) -> Response {
    let text = match err {
        SimError::InvalidScenario(problems) => {
            problems.bounded(MAX_SHOWN_PROBLEMS, MAX_SHOWN_LINE_CHARS)
        }
        _ => err.to_string().replace('\n', " "),
    };
    plain(status_of(err), &text)
}

/// The HTTP status a simulation error is answered with.
fn status_of(err: &SimError) -> StatusCode {
    match err {
        SimError::Live(LiveError::NotFound(_)) => StatusCode::NOT_FOUND,
        SimError::Live(LiveError::InvalidBody(_)) => StatusCode::PRECONDITION_FAILED,
        SimError::BadSpeed(_) => StatusCode::BAD_REQUEST,
        SimError::Live(LiveError::Refused(_)) | SimError::RunOver | SimError::NotRestartable => {
            StatusCode::CONFLICT
        }
        SimError::InvalidScenario(_) | SimError::RefusedDirectory(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        SimError::NoModel | SimError::ShuttingDown(_) => StatusCode::SERVICE_UNAVAILABLE,
        SimError::NoSeed(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
