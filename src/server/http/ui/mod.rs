//! The dashboard, `GET /sim/ui`: one page served by the binary, its script and
//! style embedded at build time (no CDN, no network, no build step), behind the
//! same Basic credentials and allow-list as everything else. Ours, not
//! iSymphony's.
//!
//! | route | answers |
//! |---|---|
//! | `GET /sim/ui` | the page (`assets/index.html`) |
//! | `GET /sim/ui/app.js`, `GET /sim/ui/style.css` | its script and style |
//! | `GET /sim/ui/stream` (websocket) | the status-delta stream, see [`stream`] |
//!
//! The page's controls call the `/sim/` control API with `fetch()`; there is no
//! second way to steer the simulation. At most [`MAX_DASHBOARDS`] streams run at
//! once; more are refused with 503. See docs/protocol.md §10.9.

pub(crate) mod delta;
pub(crate) mod panel;
pub(crate) mod stream;

use std::sync::Arc;

use futures_util::StreamExt;
use warp::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use warp::http::{Method, StatusCode};
use warp::path::Tail;
use warp::reply::{Reply, Response};
use warp::{Filter, Rejection};

use crate::server::session::peer_label;
use crate::server::state::ServerState;
use crate::server::transport::upgrade::{self, Asked, handshake};

use super::admission::gate::Refusal;
use super::admission::{Admitted, Audience, checked, refusal_reply};
use super::control::Dispatcher;
use super::reply::{method_not_allowed, plain};
use stream::{StreamContext, run_stream};

/// Where the dashboard lives.
pub const UI_PATH: &str = "/sim/ui";

/// Dashboard streams at once; each samples the server five times a second.
pub const MAX_DASHBOARDS: usize = 16;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// What is under [`UI_PATH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asset {
    Page,
    Script,
    Style,
    Stream,
}

impl Asset {
    fn from_tail(tail: &str) -> Option<Asset> {
        match tail.trim_end_matches('/') {
            "" => Some(Asset::Page),
            "app.js" => Some(Asset::Script),
            "style.css" => Some(Asset::Style),
            "stream" => Some(Asset::Stream),
            _ => None,
        }
    }

    fn body(self) -> Option<(&'static str, &'static str)> {
        match self {
            Asset::Page => Some((INDEX_HTML, "text/html; charset=utf-8")),
            Asset::Script => Some((APP_JS, "text/javascript; charset=utf-8")),
            Asset::Style => Some((STYLE_CSS, "text/css; charset=utf-8")),
            Asset::Stream => None,
        }
    }
}

/// Every request under `/sim/ui`; other `/sim/` paths are left to the control API.
pub(crate) fn routes(
    state: Arc<ServerState>,
    dispatcher: Dispatcher,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::path("sim")
        .and(warp::path("ui"))
        .and(warp::path::tail())
        .and(checked(state, Audience::Control, "dashboard request"))
        .and(warp::method())
        .and(handshake())
        .map(move |tail: Tail, admitted, method, ws| answer(tail, admitted, method, ws, dispatcher))
}

fn answer(
    tail: Tail,
    admitted: Result<Admitted, Refusal>,
    method: Method,
    asked: Asked,
    dispatcher: Dispatcher,
) -> Response {
    let (state, peer) = match admitted {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal_reply(&refusal),
    };
    let Some(asset) = Asset::from_tail(tail.as_str()) else {
        return plain(
            StatusCode::NOT_FOUND,
            &format!("not found: the dashboard is at {UI_PATH}"),
        );
    };
    if method != Method::GET {
        return method_not_allowed(&method, &[Method::GET]);
    }
    if let Some((body, kind)) = asset.body() {
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
        // Always the binary's own copy: a new build must not meet an old page.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    let ws = match asked {
        Asked::Upgrade(ws) => ws,
        Asked::BadUpgrade(status, reason) => return plain(status, reason),
        Asked::Plain => {
            return plain(
                StatusCode::UPGRADE_REQUIRED,
                &format!(
                    "{UI_PATH}/stream is the dashboard's websocket; open {UI_PATH} in a browser"
                ),
            );
        }
    };
    let Some(permit) = state.dashboards.try_acquire() else {
        tracing::warn!(peer = %peer_label(peer), "refused a dashboard stream: {MAX_DASHBOARDS} are open");
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("too many dashboards: at most {MAX_DASHBOARDS} streams at once; close one"),
        );
    };
    let config = upgrade::config(state.limits.max_message_bytes);
    ws.accept(config, move |socket| {
        let sessions = state.sessions.clone();
        sessions.track_future(async move {
            let (sink, stream) = socket.split();
            let ctx = StreamContext {
                state,
                dispatcher,
                peer,
            };
            run_stream(sink, stream, ctx).await;
            drop(permit);
        })
    })
}
