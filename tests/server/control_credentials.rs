//! Issue #17 §6: `/sim/` behind credentials of its own, which can load
//! scenarios, inject events and restart; by default the Event API's. And the
//! configuration's numeric bounds, checked before anything is served.

use std::time::Duration;

use isymphony_sim::server::{ConfigError, Credentials, Limits, Server, ServerConfig};
use warp::http::StatusCode;

use crate::desk::{self, CS, loopback};

async fn status_with(server: &Server, path: &str, credentials: &Credentials) -> StatusCode {
    warp::test::request()
        .method("GET")
        .path(path)
        .remote_addr(loopback())
        .header("authorization", credentials.basic_header())
        .reply(&server.routes())
        .await
        .status()
}

#[tokio::test]
async fn the_control_api_takes_its_own_credentials_when_given_and_only_them() {
    let control = Credentials::new("steer", "only-for-tests");
    let server = desk::server(ServerConfig::default().with_control_credentials(control.clone()));
    let clients = Credentials::default();

    let by_clients = status_with(&server, "/sim/status", &clients).await;
    let by_control = status_with(&server, "/sim/status", &control).await;
    let live_by_clients = status_with(&server, &format!("{CS}/users"), &clients).await;
    let live_by_control = status_with(&server, &format!("{CS}/users"), &control).await;

    assert_eq!(by_clients, StatusCode::FORBIDDEN);
    assert_eq!(by_control, StatusCode::OK);
    assert_eq!(live_by_clients, StatusCode::OK);
    assert_eq!(
        live_by_control,
        StatusCode::FORBIDDEN,
        "the Live API keeps its own"
    );
}

#[tokio::test]
async fn by_default_the_control_api_takes_the_event_api_credentials() {
    let server = desk::server(ServerConfig::default());

    let status = status_with(&server, "/sim/status", &Credentials::default()).await;

    assert_eq!(status, StatusCode::OK);
}

#[test]
fn numeric_settings_out_of_range_are_refused_before_serving() {
    let too_deep = ServerConfig::default().with_client_queue(1 << 61);
    let never = ServerConfig::default().with_limits(Limits {
        ping_interval: Some(Duration::from_secs(400 * 24 * 3600)),
        ..Limits::default()
    });
    let huge = ServerConfig::default().with_limits(Limits {
        max_message_bytes: 1 << 40,
        ..Limits::default()
    });

    assert_eq!(
        Server::new(too_deep).err(),
        Some(ConfigError::ClientQueue(1 << 61))
    );
    assert_eq!(Server::new(never).err(), Some(ConfigError::ZeroInterval));
    assert_eq!(
        Server::new(huge).err(),
        Some(ConfigError::MaxMessageBytes(1 << 40))
    );
}
