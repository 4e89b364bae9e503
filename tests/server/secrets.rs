//! Credentials never reach the logs: every log line of a server that refused
//! and admitted clients on every route is captured at TRACE level and searched
//! for the passwords that were tried, plain and Base64-encoded.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use isymphony_sim::server::{Credentials, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{TestServer, within};

const SERVER_PASSWORD: &str = "S3rver-Pa55-phrase";
const WRONG_PASSWORD: &str = "Wr0ng-Gue55-phrase";

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
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).to_string()
    }
}

/// One HTTP request with `authorization` (if any); returns the status code.
async fn request(server: &TestServer, path: &str, authorization: Option<&str>) -> u16 {
    let mut socket = TcpStream::connect(server.addr).await.expect("connect");
    let auth = authorization.map_or_else(String::new, |a| format!("Authorization: {a}\r\n"));
    let text = format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n");
    socket.write_all(text.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    within("an answer", socket.read_to_end(&mut answer))
        .await
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

// One thread: every task of the server runs where the subscriber is the default.
#[tokio::test(flavor = "current_thread")]
async fn no_password_reaches_the_logs_whether_refused_or_admitted() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let right = Credentials::new("ops", SERVER_PASSWORD);
    let wrong = Credentials::new("ops", WRONG_PASSWORD);
    let server = TestServer::start(ServerConfig::default().with_credentials(right.clone())).await;

    let ws_wrong = server.try_connect(Some(&wrong)).await.is_err();
    let ws_none = server.try_connect(None).await.is_err();
    let mut admitted = server.try_connect(Some(&right)).await.expect("admitted");
    admitted.ready().await;
    let mut statuses = Vec::new();
    for path in [
        "/communication_manager/rest/live/coreServers",
        "/sim/status",
        "/communication_manager/api/resource/server/brand",
        "/communication_manager/rest/config/server/brand",
    ] {
        statuses.push(request(&server, path, Some(&wrong.basic_header())).await);
        statuses.push(request(&server, path, Some("Basic !!not-base64!!")).await);
        statuses.push(request(&server, path, None).await);
        statuses.push(request(&server, path, Some(&right.basic_header())).await);
    }
    server.shut_down([admitted]).await;
    let logs = captured.text();

    assert!(ws_wrong && ws_none, "both upgrades were refused");
    assert_eq!(
        statuses,
        [
            403, 403, 401, 503, 403, 403, 401, 200, 403, 403, 401, 503, 403, 403, 401, 503
        ],
        "the Configuration API is behind the same admission (503: no model plays)"
    );
    assert!(
        // Each 401 here is followed by a success on the same path: a challenge.
        logs.matches("refused").count() >= 5
            && logs.matches("401 challenge").count() >= 6
            && logs.contains("client connected"),
        "the capture sees the server's logs:\n{logs}"
    );
    for secret in [SERVER_PASSWORD, WRONG_PASSWORD] {
        let encoded = BASE64.encode(format!("ops:{secret}"));
        assert!(!logs.contains(secret), "{secret} is in the logs:\n{logs}");
        assert!(
            !logs.contains(&encoded),
            "{secret} (Base64) is in the logs:\n{logs}"
        );
    }
}

/// A password sent in a Configuration API body is in no log line, at TRACE.
#[tokio::test(flavor = "current_thread")]
async fn a_provisioned_password_reaches_no_log() {
    use isymphony_sim::model::Directory;
    use isymphony_sim::protocol::Profile;
    use isymphony_sim::scenario::{Player, Scenario};

    const USER_PASSWORD: &str = "Us3r-Pa55-phrase";
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    let player = Player::with_directory(
        Scenario::idle(),
        Directory::default(),
        1,
        0,
        Profile::Standard,
        true,
    )
    .expect("the default core server");
    let server = TestServer::start_with_feed(ServerConfig::default(), player).await;
    let base = "/communication_manager/api/resource";
    let cs = crate::http_client::send(
        server.addr,
        "GET",
        &format!("{base}/server/coreServers/getBySlug/default"),
        "",
    )
    .await
    .json()["id"]
        .as_str()
        .expect("an id")
        .to_string();

    let body = format!(r#"{{"username":"sam","password":"{USER_PASSWORD}"}}"#);
    let created = crate::http_client::send(
        server.addr,
        "POST",
        &format!("{base}/core/{cs}/users/noHash"),
        &body,
    )
    .await;
    let listed =
        crate::http_client::send(server.addr, "GET", &format!("{base}/core/{cs}/users"), "").await;
    server.shut_down([]).await;

    assert_eq!(created.status, 201, "{}", created.body);
    for answer in [&created.body, &listed.body] {
        assert!(
            !answer.contains(USER_PASSWORD),
            "the clear password is answered: {answer}"
        );
        assert!(answer.contains("pbkdf2-sha256$4096$"), "{answer}");
    }
    let logs = captured.text();
    assert!(
        logs.contains("Configuration API"),
        "the capture sees the requests:\n{logs}"
    );
    assert!(
        !logs.contains(USER_PASSWORD),
        "the password is in the logs:\n{logs}"
    );
}
