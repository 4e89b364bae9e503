//! The HTTP side: the event endpoint as a warp filter next to the REST and
//! control routes, one admission filter in front of all of them (before any
//! upgrade), and one place that turns rejections into plain-text answers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::provisioning;
use crate::server::fanout::message::ClientId;
use crate::server::session::{SessionContext, peer_label, run_session};
use crate::server::state::ServerState;
use crate::server::stats::Stats;
use crate::server::transport::upgrade::{self, Asked, handshake};

use super::admission::{Audience, Refused, admitted, refusal_reply};
use super::config;
use super::control::{self, CONTROL_PATH, Dispatcher};
use super::cors;
use super::live::{self, LIVE_PATH};
use super::reply::plain;
use super::ui;

/// The Event API path (docs/protocol.md §1.1).
pub const EVENT_PATH: &str = "/communication_manager/ws/event";

/// Largest client message accepted by default; see [`Limits`](crate::server::Limits).
pub const MAX_CLIENT_MESSAGE: usize = crate::server::config::DEFAULT_MAX_MESSAGE_BYTES;

/// Every route the server answers, with rejections already turned into replies.
pub(crate) fn routes(
    state: Arc<ServerState>,
    dispatcher: Dispatcher,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static {
    let events = warp::path!("communication_manager" / "ws" / "event")
        .and(admitted(
            Arc::clone(&state),
            Audience::Clients,
            "websocket upgrade",
        ))
        .and(handshake())
        .map(upgrade);
    let answered = events
        .or(live::routes(Arc::clone(&state)))
        .unify()
        .or(config::routes(Arc::clone(&state)))
        .unify()
        .or(ui::routes(Arc::clone(&state), dispatcher))
        .unify()
        .or(control::routes(Arc::clone(&state), dispatcher))
        .unify()
        .recover(answer_rejection)
        .unify();
    // Preflights come before admission: browsers send them without credentials.
    cors::preflights(Arc::clone(&state))
        .or(cors::decorated(state, answered))
        .unify()
}

fn upgrade(admitted: (Arc<ServerState>, Option<SocketAddr>), asked: Asked) -> Response {
    let (state, peer) = admitted;
    let ws = match asked {
        Asked::Upgrade(ws) => ws,
        Asked::Plain => {
            Stats::bump(&state.stats.refused_not_websocket);
            tracing::info!(peer = %peer_label(peer), "refused a request that is not a websocket upgrade");
            return plain(
                StatusCode::UPGRADE_REQUIRED,
                &format!(
                    "this is the websocket Event API; connect with a websocket client to ws://<host>{EVENT_PATH}"
                ),
            );
        }
        Asked::BadUpgrade(status, reason) => {
            Stats::bump(&state.stats.refused_not_websocket);
            tracing::info!(peer = %peer_label(peer), reason, "refused a broken websocket upgrade");
            let mut response = plain(status, reason);
            if status == StatusCode::UPGRADE_REQUIRED {
                response.headers_mut().insert(
                    header::SEC_WEBSOCKET_VERSION,
                    HeaderValue::from_static("13"),
                );
            }
            return response;
        }
    };
    let Some(permit) = state.connections.try_acquire() else {
        Stats::bump(&state.stats.refused_connection_limit);
        let max = state.connections.max().unwrap_or_default();
        tracing::warn!(peer = %peer_label(peer), max, "refused a websocket upgrade: connection limit reached");
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!(
                "too many connections: this server accepts at most {max} at once (--max-connections); try again later"
            ),
        );
    };
    // Small buffers, and the size limit as both the message and the frame limit.
    let config = upgrade::config(state.limits.max_message_bytes);
    ws.accept(config, move |socket| {
        let ctx = SessionContext {
            id: ClientId(state.next_client.fetch_add(1, Ordering::Relaxed)),
            peer,
            bus: state.bus.clone(),
            stats: Arc::clone(&state.stats),
            parse: state.parse,
            emitted: state.simulation.emitted(),
            client_queue: state.client_queue,
            slow_consumer: state.slow_consumer,
            close_timeout: state.close_timeout,
            limits: state.limits,
            permit: Some(Arc::new(permit)),
            message_clock: Some(socket.clock()),
            shutdown: state.shutdown.clone(),
        };
        let (close_timeout, shutdown) = (state.close_timeout, state.shutdown.clone());
        let hard_stop = state.hard_stop.clone();
        state.sessions.track_future(async move {
            let session = async {
                let (mut sink, mut stream) = socket.split();
                let unread = run_session(&mut sink, &mut stream, ctx).await;
                if let (true, Ok(socket)) = (unread, sink.reunite(stream)) {
                    socket.linger(close_timeout, &shutdown).await;
                }
            };
            // At the shutdown deadline the session is dropped, socket and all.
            tokio::select! {
                () = session => {}
                () = hard_stop.cancelled() => {}
            }
        })
    })
}

/// Turns every rejection into a one-line plain-text answer.
async fn answer_rejection(rejection: Rejection) -> Result<Response, Infallible> {
    if let Some(Refused(refusal)) = rejection.find::<Refused>() {
        return Ok(refusal_reply(refusal));
    }
    if rejection.is_not_found() {
        return Ok(plain(
            StatusCode::NOT_FOUND,
            &format!(
                "not found: this server serves the Event API at {EVENT_PATH}, the Live API under {LIVE_PATH}, the Configuration API under {} and {}, and its control API under {CONTROL_PATH}",
                provisioning::path::CLIENT_BASE,
                provisioning::path::DOCUMENTED_BASE
            ),
        ));
    }
    if let Some(invalid) = rejection.find::<warp::reject::InvalidHeader>() {
        return Ok(plain(StatusCode::BAD_REQUEST, &invalid.to_string()));
    }
    Ok(plain(
        StatusCode::BAD_REQUEST,
        &format!("bad request: {rejection:?}"),
    ))
}
