//! The scenario the REST and control tests run, and in-process requests to a
//! server playing it (`warp::test`, no socket).

use std::net::SocketAddr;

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, Scenario};
use isymphony_sim::server::{Credentials, Server, ServerConfig};
use serde_json::Value;
use warp::http::Response;
use warp::hyper::body::Bytes;

/// Two users, a support queue, one outside caller (see the file's comment).
pub const DESK: &str = include_str!("desk.toml");

/// The seed every desk run uses: the same seed gives the same ids, so a
/// reference player built here knows the ids the server's model has.
pub const SEED: u64 = 7;

/// Virtual time zero: `time` of an event at virtual `t` ms is `EPOCH + t`.
pub const EPOCH: i64 = 1_700_000_000_000;

/// The Live API root of the desk's core server; its slug has a space.
pub const CS: &str = "/communication_manager/rest/live/coreServers/getByName/front%20desk";

/// The desk's batches as (virtual ms, events): loop start, Alice logs in, the
/// caller dials the queue, Alice answers, both hang up. Dial and answer are
/// silent in the standard profile.
pub const BATCHES: [(u64, u64); 5] = [(0, 0), (5000, 1), (10_000, 0), (15_000, 0), (60_000, 3)];

/// A desk player that does not loop, so its run ends after the hangup.
pub fn player() -> Player {
    let scenario = Scenario::from_toml(DESK, "desk.toml").expect("desk.toml is valid");
    Player::new(scenario, SEED, EPOCH, Profile::Standard, false).expect("the model takes the desk")
}

/// A server playing the desk, not yet running: for `warp::test` requests.
pub fn server(config: ServerConfig) -> Server {
    let server = Server::new(config).expect("valid config");
    server.play(player());
    server
}

/// Where in-process requests come from, unless a test says otherwise.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 40000))
}

/// A request from loopback with the default credentials.
pub fn request(method: &str, path: &str) -> warp::test::RequestBuilder {
    warp::test::request()
        .method(method)
        .path(path)
        .remote_addr(loopback())
        .header("authorization", Credentials::default().basic_header())
}

/// Sends `method path` with `body` to `server` and returns the response.
pub async fn send(server: &Server, method: &str, path: &str, body: &str) -> Response<Bytes> {
    request(method, path)
        .body(body)
        .reply(&server.routes())
        .await
}

/// `GET path`, which must answer 200 with JSON; returns the JSON.
pub async fn get_json(server: &Server, path: &str) -> Value {
    let response = send(server, "GET", path, "").await;
    assert_eq!(response.status(), 200, "GET {path}: {}", text(&response));
    assert_eq!(
        response.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..]),
        "GET {path}"
    );
    serde_json::from_slice(response.body()).expect("a JSON body")
}

/// `POST path` with a JSON `body`, which must answer 204.
pub async fn act(server: &Server, path: &str, body: &str) {
    let response = send(server, "POST", path, body).await;
    assert_eq!(response.status(), 204, "POST {path}: {}", text(&response));
    assert!(response.body().is_empty(), "204 has no body");
}

/// The body as text.
pub fn text(response: &Response<Bytes>) -> String {
    String::from_utf8_lossy(response.body()).into_owned()
}

/// Asserts an error answer: `status`, plain text, exactly one line containing `needle`.
pub fn assert_error(response: &Response<Bytes>, status: u16, needle: &str) {
    let body = text(response);
    assert_eq!(response.status(), status, "body: {body}");
    assert!(
        response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"text/plain")),
        "plain text, got {:?}",
        response.headers().get("content-type")
    );
    assert!(
        body.ends_with('\n') && body.matches('\n').count() == 1,
        "one line: {body:?}"
    );
    assert!(body.contains(needle), "{body:?} should mention {needle:?}");
}
