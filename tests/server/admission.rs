//! Who gets in (docs/protocol.md §1.2): decided before the upgrade, answered in plain text,
//! counted. In-process through `warp::test` where no socket is needed.

use std::net::SocketAddr;

use isymphony_sim::server::{
    CHALLENGE_WINDOW, Cidr, Credentials, EVENT_PATH, Server, ServerConfig,
};
use tokio_tungstenite::tungstenite::Error as WsError;
use warp::http::StatusCode;
use warp::http::header::WWW_AUTHENTICATE;

use crate::harness::TestServer;

const LOOPBACK: ([u8; 4], u16) = ([127, 0, 0, 1], 40000);

/// An upgrade request from `from`, with `credentials` if any.
fn upgrade_request(
    from: SocketAddr,
    credentials: Option<&Credentials>,
) -> warp::test::RequestBuilder {
    let request = warp::test::request()
        .path(EVENT_PATH)
        .remote_addr(from)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    match credentials {
        Some(c) => request.header("authorization", c.basic_header()),
        None => request,
    }
}

fn body_line(body: &[u8]) -> String {
    let text = String::from_utf8(body.to_vec()).expect("plain text body");
    assert!(
        text.ends_with('\n') && text.matches('\n').count() == 1,
        "body is one line: {text:?}"
    );
    text
}

#[tokio::test]
async fn right_credentials_from_loopback_upgrade() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let response = upgrade_request(LOOPBACK.into(), Some(&Credentials::default()))
        .reply(&server.routes())
        .await;

    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(server.stats().snapshot().refused_no_credentials, 0);
}

#[tokio::test(start_paused = true)]
async fn missing_credentials_get_401_with_a_basic_challenge() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let response = upgrade_request(LOOPBACK.into(), None)
        .reply(&server.routes())
        .await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response
            .headers()
            .get(WWW_AUTHENTICATE)
            .map(|v| v.as_bytes()),
        Some(&b"Basic realm=\"iSymphony\""[..])
    );
    assert!(body_line(response.body()).contains("HTTP Basic"));
    let held = server.stats().snapshot();
    assert_eq!((held.challenges_held, held.refused_no_credentials), (1, 0));

    // No authenticated retry within the window: the next admission settles it.
    tokio::time::advance(CHALLENGE_WINDOW).await;
    let later = upgrade_request(LOOPBACK.into(), Some(&Credentials::default()))
        .reply(&server.routes())
        .await;
    let settled = server.stats().snapshot();
    assert_eq!(later.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(
        (
            settled.challenges_held,
            settled.refused_no_credentials,
            settled.challenges
        ),
        (0, 1, 0)
    );
}

#[tokio::test]
async fn wrong_credentials_get_403() {
    let server = Server::new(ServerConfig::default()).expect("config");
    let wrong = Credentials::new("manager", "password");

    let response = upgrade_request(LOOPBACK.into(), Some(&wrong))
        .reply(&server.routes())
        .await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
    assert!(body_line(response.body()).contains("wrong username or password"));
    assert_eq!(server.stats().snapshot().refused_wrong_credentials, 1);
}

#[tokio::test]
async fn configured_credentials_replace_the_defaults() {
    let mine = Credentials::new("ops", "s3cret");
    let server =
        Server::new(ServerConfig::default().with_credentials(mine.clone())).expect("config");

    let defaults = upgrade_request(LOOPBACK.into(), Some(&Credentials::default()))
        .reply(&server.routes())
        .await;
    let configured = upgrade_request(LOOPBACK.into(), Some(&mine))
        .reply(&server.routes())
        .await;

    assert_eq!(defaults.status(), StatusCode::FORBIDDEN);
    assert_eq!(configured.status(), StatusCode::SWITCHING_PROTOCOLS);
}

#[tokio::test]
async fn address_outside_the_allow_list_gets_403_even_with_right_credentials() {
    let only_lan: Cidr = "10.0.0.0/8".parse().expect("cidr");
    let server = Server::new(ServerConfig::default().with_allow(vec![only_lan])).expect("config");

    let loopback = upgrade_request(LOOPBACK.into(), Some(&Credentials::default()))
        .reply(&server.routes())
        .await;
    let lan = upgrade_request(([10, 1, 2, 3], 40000).into(), Some(&Credentials::default()))
        .reply(&server.routes())
        .await;

    assert_eq!(loopback.status(), StatusCode::FORBIDDEN);
    assert!(body_line(loopback.body()).contains("127.0.0.1 is not in the allow-list"));
    assert_eq!(lan.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(server.stats().snapshot().refused_address, 1);
}

#[tokio::test]
async fn default_allow_list_refuses_other_hosts() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let response = upgrade_request(
        ([192, 0, 2, 7], 40000).into(),
        Some(&Credentials::default()),
    )
    .reply(&server.routes())
    .await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.stats().snapshot().refused_address, 1);
}

#[tokio::test]
async fn other_paths_get_404_text() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let response = warp::test::request()
        .path("/communication_manager/ws/events")
        .remote_addr(LOOPBACK.into())
        .reply(&server.routes())
        .await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(body_line(response.body()).contains(EVENT_PATH));
}

#[tokio::test]
async fn plain_get_on_the_event_path_says_it_needs_a_websocket() {
    let server = Server::new(ServerConfig::default()).expect("config");

    let response = warp::test::request()
        .path(EVENT_PATH)
        .remote_addr(LOOPBACK.into())
        .header("authorization", Credentials::default().basic_header())
        .reply(&server.routes())
        .await;

    assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
    assert!(body_line(response.body()).contains("websocket"));
    assert_eq!(server.stats().snapshot().refused_not_websocket, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_client_sees_401_before_any_upgrade() {
    let server = TestServer::start(ServerConfig::default()).await;

    let refused = server.try_connect(None).await;
    let wrong = server
        .try_connect(Some(&Credentials::new("manager", "nope")))
        .await;
    let accepted = server.try_connect(Some(&Credentials::default())).await;

    match refused {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert!(response.headers().contains_key(WWW_AUTHENTICATE));
        }
        Err(other) => panic!("expected an HTTP 401, got {other}"),
        Ok(_) => panic!("expected an HTTP 401, the upgrade was accepted"),
    }
    match wrong {
        Err(WsError::Http(response)) => assert_eq!(response.status(), StatusCode::FORBIDDEN),
        Err(other) => panic!("expected an HTTP 403, got {other}"),
        Ok(_) => panic!("expected an HTTP 403, the upgrade was accepted"),
    }
    let Ok(accepted) = accepted else {
        panic!("right credentials are accepted");
    };
    server.shut_down([accepted]).await;
}

#[tokio::test(start_paused = true)]
async fn every_route_refuses_the_same_way_before_doing_anything() {
    let server = Server::new(ServerConfig::default()).expect("config");
    let right = Credentials::default().basic_header();
    let wrong = Credentials::new("manager", "guess").basic_header();
    let refusals: [(&str, Option<&str>, [u8; 4], StatusCode); 6] = [
        (
            "no credentials",
            None,
            [127, 0, 0, 1],
            StatusCode::UNAUTHORIZED,
        ),
        (
            "another scheme",
            Some("Bearer abc"),
            [127, 0, 0, 1],
            StatusCode::UNAUTHORIZED,
        ),
        (
            "wrong password",
            Some(&wrong),
            [127, 0, 0, 1],
            StatusCode::FORBIDDEN,
        ),
        (
            "not Base64",
            Some("Basic !!!"),
            [127, 0, 0, 1],
            StatusCode::FORBIDDEN,
        ),
        (
            "no colon",
            Some("Basic bWFuYWdlcg=="),
            [127, 0, 0, 1],
            StatusCode::FORBIDDEN,
        ),
        (
            "other host",
            Some(&right),
            [192, 0, 2, 9],
            StatusCode::FORBIDDEN,
        ),
    ];

    for path in [
        EVENT_PATH,
        "/communication_manager/rest/live/coreServers",
        "/sim/status",
        "/sim/pause",
    ] {
        for (what, authorization, from, expected) in &refusals {
            let method = if path == "/sim/pause" { "POST" } else { "GET" };
            let request = warp::test::request()
                .method(method)
                .path(path)
                .remote_addr((*from, 40000).into());
            let request = match authorization {
                Some(value) => request.header("authorization", *value),
                None => request,
            };
            let response = request.reply(&server.routes()).await;
            assert_eq!(response.status(), *expected, "{method} {path}, {what}");
            body_line(response.body());
        }
    }

    // The 401s count as refusals once their window passes without a retry.
    tokio::time::advance(CHALLENGE_WINDOW).await;
    let status = server.routes();
    let paused = warp::test::request()
        .path("/sim/status")
        .remote_addr(LOOPBACK.into())
        .header("authorization", &right)
        .reply(&status)
        .await;
    let stats = server.stats().snapshot();
    assert_eq!(stats.refused_no_credentials, 8);
    assert_eq!(stats.refused_wrong_credentials, 12);
    assert_eq!(stats.refused_address, 4);
    assert!(
        String::from_utf8_lossy(paused.body()).contains("\"paused\":false"),
        "nothing was paused by a refused request"
    );
}
