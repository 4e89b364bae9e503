//! The control API under `/sim/`: ours, not iSymphony's. It lets tests and
//! people steer the simulation; same allow-list as the Event API, and its
//! credentials unless `--control-username`/`--control-password` give it its
//! own. JSON in and out; errors are plain text.
//!
//! | route | does | answers |
//! |---|---|---|
//! | `GET /sim/status` | where the run stands, plus the server's counters | 200 status |
//! | `POST /sim/pause` | stops the virtual clock (REST actions still apply) | 200 status |
//! | `POST /sim/resume` | lets it run on from where it stood | 200 status |
//! | `POST /sim/step[?to=batch]` | advances to the next event: applies scheduled batches until one causes an event; `?to=batch` applies exactly one | 200 `{virtualMs, events, batches}`; 409 when the run is over |
//! | `POST /sim/speed` `{"speed": 10}` | virtual ms per wall ms from now on, 0.001 to 1000000 | 200 status; 400 bad body or speed |
//! | `POST /sim/scenario[?seed=N&epoch=MS&profile=P&loop=B]` TOML | plays that scenario from zero, clients stay connected; what the query leaves out carries over | 200 status; 400 bad query; 422 with `line:column` diagnostics |
//! | `POST /sim/reset` | the same scenario and seed from the start | 200 status; 409 without a scenario |
//! | `POST /sim/inject` `{"type": ...}` | sends one raw event to clients, through their filters | 204; 412 not an event object; 413 over 64 KiB |
//! | `POST /sim/fault` `{"kind": ..., "client": id?}` | injects a fault (see `fanout/faults.rs`) on one connection or all | 200 `{kind, clients}`; 404 no such client; 412 bad body |
//! | `GET /sim/requests` | the Live API request journal (see `journal.rs`) | 200 `{requests, total, dropped}` |
//! | `DELETE /sim/requests` | empties the journal | 200 `{cleared}` |
//!
//! Unknown routes answer 404, other methods 405, bodies over 1 MiB 413.

use std::net::SocketAddr;
use std::sync::Arc;

use serde::Serialize;
use warp::http::{Method, StatusCode};
use warp::path::Tail;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::protocol::{RawEvent, RawEventError};
use crate::scenario::{Fault, FaultRequest};

use crate::server::fanout::message::ClientSummary;
use crate::server::simulation::RunStatus;
use crate::server::state::ServerState;
use crate::server::stats::StatsSnapshot;

use crate::server::http::admission::{Audience, admitted};
use crate::server::http::reply::{
    BodyError, capped_body, json, method_not_allowed, no_content, plain, sim_error,
};

mod input;
mod route;

use input::{scenario_options_of, speed_of, step_of};
use route::ControlRoute;

pub use route::CONTROL_PATH;

/// What `GET /sim/status` answers: the run and the server's counters, flat.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimStatus {
    /// Scenario, seed, clock, pause, speed, loop, step failures.
    #[serde(flatten)]
    pub run: RunStatus,
    /// Connections, events by type, drops, refusals.
    #[serde(flatten)]
    pub server: StatsSnapshot,
    /// The connected clients, by id: what `POST /sim/fault` can target.
    pub clients: Vec<ClientSummary>,
}

/// Whether a dispatcher answers questions on the bus. [`Server::run_on`] builds
/// its routes after starting one; [`Server::routes`] builds them for in-process
/// tests, where none runs: there `/sim/status` lists no clients and `/sim/fault`
/// answers 503, rather than wait for an answer that never comes.
///
/// [`Server::run_on`]: crate::server::Server::run_on
/// [`Server::routes`]: crate::server::Server::routes
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dispatcher {
    /// The dispatcher runs: it lists the clients and carries out faults.
    Running,
    /// Nothing reads the bus, so no client can be attached.
    Absent,
}

/// Every request under `/sim/`.
pub(crate) fn routes(
    state: Arc<ServerState>,
    dispatcher: Dispatcher,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let body = capped_body(
        state.transport_limits.body_timeout,
        Arc::clone(&state.stats),
    );
    warp::path!("sim" / ..)
        .and(admitted(state, Audience::Control, "control request"))
        .and(warp::method())
        .and(warp::path::tail())
        .and(raw_query())
        .and(body)
        .then(move |admitted, method, tail, query, body| {
            answer(admitted, dispatcher, method, tail, query, body)
        })
}

/// The query string, empty when there is none.
fn raw_query() -> impl Filter<Extract = (String,), Error = std::convert::Infallible> + Clone {
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

async fn answer(
    admitted: (Arc<ServerState>, Option<SocketAddr>),
    dispatcher: Dispatcher,
    method: Method,
    tail: Tail,
    query: String,
    body: Result<Vec<u8>, BodyError>,
) -> Response {
    let (state, _) = admitted;
    let route = match ControlRoute::from_path(tail.as_str()) {
        Ok(route) => route,
        Err(unknown) => return plain(StatusCode::NOT_FOUND, &unknown.to_string()),
    };
    if !route.methods().contains(&method) {
        return method_not_allowed(&method, route.methods());
    }
    let body = match body {
        Ok(body) => body,
        Err(err) => return err.reply(),
    };
    let sim = &state.simulation;
    let done = match route {
        ControlRoute::Status => Ok(()),
        ControlRoute::Pause => {
            sim.pause();
            Ok(())
        }
        ControlRoute::Resume => {
            sim.resume();
            Ok(())
        }
        ControlRoute::Speed => match speed_of(&body) {
            Ok(speed) => sim.set_speed(speed),
            Err(bad) => return bad.reply(),
        },
        ControlRoute::Scenario => {
            let options = match scenario_options_of(&query) {
                Ok(options) => options,
                Err(bad) => return bad.reply(),
            };
            let Ok(text) = String::from_utf8(body) else {
                return plain(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the scenario must be UTF-8 TOML text",
                );
            };
            // Reading a large file and building its model takes a while: off the
            // async workers, so events keep flowing meanwhile.
            let sim = Arc::clone(sim);
            let played =
                tokio::task::spawn_blocking(move || sim.play_scenario(&text, options)).await;
            match played {
                Ok(played) => played.map(|_| ()),
                Err(err) => {
                    tracing::error!(error = %err, "loading a posted scenario failed");
                    return plain(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "loading the scenario failed; see the server log",
                    );
                }
            }
        }
        ControlRoute::Reset => sim.reset(),
        ControlRoute::Step => {
            let to = match step_of(&query) {
                Ok(to) => to,
                Err(bad) => return bad.reply(),
            };
            return match sim.step(&state.publisher(), to).await {
                Ok(stepped) => json(StatusCode::OK, &stepped),
                Err(err) => sim_error(&err),
            };
        }
        ControlRoute::Fault => return fault(&state, dispatcher, &body).await,
        ControlRoute::Inject => return inject_event(&state, &body).await,
        ControlRoute::Requests if method == Method::DELETE => {
            let cleared = state.requests.clear();
            return json(StatusCode::OK, &serde_json::json!({ "cleared": cleared }));
        }
        ControlRoute::Requests => return json(StatusCode::OK, &state.requests.page()),
    };
    match done {
        Ok(()) => json(StatusCode::OK, &status(&state, dispatcher).await),
        Err(err) => sim_error(&err),
    }
}

/// The status `GET /sim/status` answers.
async fn status(state: &ServerState, dispatcher: Dispatcher) -> SimStatus {
    // Asked of the dispatcher; without one (routes tested in-process) or once it
    // has shut down, there are no clients to list.
    let clients = match dispatcher {
        Dispatcher::Running => state.publisher().clients().await.unwrap_or_default(),
        Dispatcher::Absent => Vec::new(),
    };
    SimStatus {
        run: state.simulation.status(),
        server: state.stats.snapshot(),
        clients,
    }
}

/// What `POST /sim/fault` answers.
#[derive(Debug, Serialize)]
struct FaultDone {
    /// The fault's kind.
    kind: &'static str,
    /// The ids of the connections it hit.
    clients: Vec<u64>,
}

async fn fault(state: &ServerState, dispatcher: Dispatcher, body: &[u8]) -> Response {
    let request = match FaultRequest::from_json(body) {
        Ok(request) => request,
        Err(err) => return plain(StatusCode::PRECONDITION_FAILED, &err.to_string()),
    };
    if dispatcher == Dispatcher::Absent {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is not running, so there are no connections to fault",
        );
    }
    let kind = request.fault.kind();
    let target = request.client;
    let hit = if request.fault == Fault::Restart {
        state.simulation.restart(&state.publisher()).await
    } else {
        let injected = state.publisher().carry_out_fault(request).await;
        injected.map_err(Into::into)
    };
    let hit = match hit {
        Ok(hit) => hit,
        Err(err) => return sim_error(&err),
    };
    // A restart hits everyone, so only another kind can miss its target.
    if let (Some(id), true, false) = (target, hit.is_empty(), kind == "restart") {
        return plain(
            StatusCode::NOT_FOUND,
            &format!(
                "no client {id} is connected; GET {CONTROL_PATH}status lists the connected clients"
            ),
        );
    }
    let clients = hit.into_iter().map(|id| id.0).collect();
    json(StatusCode::OK, &FaultDone { kind, clients })
}

async fn inject_event(state: &ServerState, body: &[u8]) -> Response {
    let Ok(text) = std::str::from_utf8(body) else {
        return plain(
            StatusCode::PRECONDITION_FAILED,
            "the event must be UTF-8 JSON",
        );
    };
    let event = match RawEvent::from_json(text) {
        Ok(event) => event,
        Err(err @ RawEventError::TooLarge(_)) => {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, &err.to_string());
        }
        Err(err) => return plain(StatusCode::PRECONDITION_FAILED, &err.to_string()),
    };
    match state
        .simulation
        .inject_event(event, &state.publisher())
        .await
    {
        Ok(()) => no_content(),
        Err(err) => sim_error(&err),
    }
}
