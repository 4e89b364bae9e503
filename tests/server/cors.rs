//! What a browser needs (issue #13): CORS preflights answered before
//! authentication under `--cors-origin`, CORS headers on every answer of the Live
//! API and `/sim/`, and the 401-then-retry auth flow counted as a challenge, apart
//! from real refusals. In-process (`warp::test`), with tokio's paused clock for
//! the challenge window.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use isymphony_sim::server::{
    CHALLENGE_WINDOW, CorsOrigin, CorsPolicy, Credentials, EVENT_PATH, Server, ServerConfig,
};
use warp::http::Response;
use warp::hyper::body::Bytes;

use crate::desk::{self, CS};

const PAGE: &str = "http://localhost:3000";

fn cors(origins: &[&str]) -> ServerConfig {
    let origins = origins
        .iter()
        .map(|o| o.parse::<CorsOrigin>().expect("an origin"))
        .collect();
    ServerConfig::default().with_cors(CorsPolicy::new(origins))
}

/// A browser's preflight: no credentials, the method and headers to come.
async fn preflight(server: &Server, path: &str, origin: &str) -> Response<Bytes> {
    warp::test::request()
        .method("OPTIONS")
        .path(path)
        .remote_addr(desk::loopback())
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .reply(&server.routes())
        .await
}

fn header<'a>(response: &'a Response<Bytes>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_preflight_from_a_listed_origin_is_answered_without_credentials() {
    let server = desk::server(cors(&[PAGE]));

    for path in [format!("{CS}/users"), "/sim/step".to_string()] {
        let answer = preflight(&server, &path, PAGE).await;

        assert_eq!(answer.status(), 204, "{path}: {}", desk::text(&answer));
        assert_eq!(header(&answer, "access-control-allow-origin"), Some(PAGE));
        assert_eq!(
            header(&answer, "access-control-allow-credentials"),
            Some("true")
        );
        assert_eq!(
            header(&answer, "access-control-allow-methods"),
            Some("GET, POST, OPTIONS")
        );
        assert_eq!(
            header(&answer, "access-control-allow-headers"),
            Some("Authorization, Content-Type")
        );
        assert_eq!(header(&answer, "vary"), Some("Origin"));
    }
    let counted = server.stats().snapshot();
    assert_eq!(counted.cors_preflights, 2);
    assert_eq!(
        (
            counted.challenges_held,
            counted.refused_no_credentials,
            counted.refused_cors_preflights
        ),
        (0, 0, 0),
        "a preflight is neither a challenge nor a refusal"
    );
}

#[tokio::test]
async fn answers_to_a_listed_origin_carry_cors_headers_errors_included() {
    let server = desk::server(cors(&[PAGE]));

    let read = desk::request("GET", &format!("{CS}/users"))
        .header("origin", PAGE)
        .reply(&server.routes())
        .await;
    let anonymous = warp::test::request()
        .path("/sim/status")
        .remote_addr(desk::loopback())
        .header("origin", PAGE)
        .reply(&server.routes())
        .await;
    let other = desk::request("GET", "/sim/status")
        .header("origin", "http://localhost:4000")
        .reply(&server.routes())
        .await;

    assert_eq!(read.status(), 200);
    assert_eq!(header(&read, "access-control-allow-origin"), Some(PAGE));
    assert_eq!(
        header(&read, "access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        header(&anonymous, "access-control-allow-origin"),
        Some(PAGE),
        "the page can read the 401"
    );
    assert_eq!(other.status(), 200, "CORS is the browser's to enforce");
    assert_eq!(header(&other, "access-control-allow-origin"), None);
    assert_eq!(header(&other, "vary"), Some("Origin"));
}

#[tokio::test]
async fn star_echoes_any_origin_because_browsers_refuse_star_with_credentials() {
    let server = desk::server(cors(&["*"]));

    for origin in ["http://wallboard.example:8080", "null"] {
        let answer = preflight(&server, "/sim/status", origin).await;
        let read = desk::request("GET", "/sim/status")
            .header("origin", origin)
            .reply(&server.routes())
            .await;

        assert_eq!(answer.status(), 204);
        assert_eq!(header(&answer, "access-control-allow-origin"), Some(origin));
        assert_eq!(header(&read, "access-control-allow-origin"), Some(origin));
        assert_eq!(
            header(&read, "access-control-allow-credentials"),
            Some("true")
        );
    }
}

#[tokio::test]
async fn preflights_are_refused_with_the_fix_when_cors_is_off_or_the_origin_unlisted() {
    let off = desk::server(ServerConfig::default());
    let listed = desk::server(cors(&[PAGE]));

    let when_off = preflight(&off, "/sim/status", PAGE).await;
    let unlisted = preflight(&listed, "/sim/status", "http://localhost:4000").await;
    let read_when_off = desk::request("GET", "/sim/status")
        .header("origin", PAGE)
        .reply(&off.routes())
        .await;

    desk::assert_error(&when_off, 403, "--cors-origin http://localhost:3000");
    desk::assert_error(
        &unlisted,
        403,
        "origin `http://localhost:4000` is not allowed",
    );
    for refused in [&when_off, &unlisted] {
        assert_eq!(header(refused, "access-control-allow-origin"), None);
    }
    assert_eq!(read_when_off.status(), 200);
    assert_eq!(header(&read_when_off, "access-control-allow-origin"), None);
    assert_eq!(
        header(&read_when_off, "vary"),
        None,
        "CORS off adds nothing"
    );
    assert_eq!(off.stats().snapshot().refused_cors_preflights, 1);
    assert_eq!(listed.stats().snapshot().refused_cors_preflights, 1);
}

#[tokio::test]
async fn a_preflight_still_meets_the_allow_list_and_the_event_api_is_not_covered() {
    let server = desk::server(cors(&["*"]));

    let stranger = warp::test::request()
        .method("OPTIONS")
        .path("/sim/status")
        .remote_addr(([192, 0, 2, 1], 40000).into())
        .header("origin", PAGE)
        .header("access-control-request-method", "GET")
        .reply(&server.routes())
        .await;
    let event_path = preflight(&server, EVENT_PATH, PAGE).await;

    desk::assert_error(&stranger, 403, "192.0.2.1 is not in the allow-list");
    assert_eq!(server.stats().snapshot().refused_address, 1);
    assert_eq!(header(&event_path, "access-control-allow-origin"), None);
    assert_ne!(event_path.status(), 204);
}

/// Log output, shared with the subscriber's writer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner))
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// A websocket upgrade request from `origin` on `port`, as a browser sends it:
/// first without credentials, then, after the 401, with them.
async fn browser_upgrade(
    server: &Server,
    origin: &str,
    port: u16,
    credentials: bool,
) -> Response<Bytes> {
    let request = warp::test::request()
        .path(EVENT_PATH)
        .remote_addr(([127, 0, 0, 1], port).into())
        .header("origin", origin)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    let request = if credentials {
        request.header("authorization", Credentials::default().basic_header())
    } else {
        request
    };
    request.reply(&server.routes()).await
}

// One thread and tokio's paused clock: the window passes without waiting.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_challenge_answered_in_time_is_debug_and_one_never_answered_a_warning() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let server = Server::new(ServerConfig::default()).expect("config");

    // The browser's flow: 401, then the retry with the URL's credentials.
    let challenge = browser_upgrade(&server, PAGE, 50000, false).await;
    tokio::time::advance(CHALLENGE_WINDOW / 2).await;
    let retry = browser_upgrade(&server, PAGE, 50001, true).await;
    let after_flow = server.stats().snapshot();
    let warnings_after_flow = captured
        .lines()
        .iter()
        .filter(|l| l.contains("WARN"))
        .count();

    // A page on another origin that never retries: held, then a refusal.
    let lone = browser_upgrade(&server, "http://localhost:4000", 50002, false).await;
    let admitted_elsewhere = browser_upgrade(&server, PAGE, 50003, true).await;
    let still_held = server.stats().snapshot();
    tokio::time::advance(CHALLENGE_WINDOW + Duration::from_millis(1)).await;
    let _settles = browser_upgrade(&server, PAGE, 50004, true).await;
    let settled = server.stats().snapshot();
    let lines = captured.lines();

    assert_eq!(
        (challenge.status().as_u16(), retry.status().as_u16()),
        (401, 101)
    );
    assert_eq!(
        (
            after_flow.challenges,
            after_flow.refused_no_credentials,
            after_flow.challenges_held
        ),
        (1, 0, 0)
    );
    assert_eq!(
        warnings_after_flow, 0,
        "the browser's flow warns nowhere:\n{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("DEBUG") && l.contains("followed by an authenticated retry")),
        "{lines:#?}"
    );
    assert_eq!(
        (lone.status().as_u16(), admitted_elsewhere.status().as_u16()),
        (401, 101)
    );
    assert_eq!(
        (
            still_held.challenges_held,
            still_held.refused_no_credentials
        ),
        (1, 0)
    );
    assert_eq!(
        (
            settled.challenges,
            settled.refused_no_credentials,
            settled.challenges_held
        ),
        (1, 1, 0)
    );
    let warnings: Vec<&String> = lines.iter().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{lines:#?}");
    assert!(
        warnings[0].contains("no_credentials") && warnings[0].contains("http://localhost:4000"),
        "{warnings:?}"
    );
}
