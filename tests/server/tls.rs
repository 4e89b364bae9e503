//! wss:// and https:// on the TLS listener (docs/protocol.md §1.3), next to the
//! plain one: a client that trusts the generated certificate gets events and Live
//! API answers; one that does not trust it gets no connection, and it is counted.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, shipped};
use isymphony_sim::server::{
    Credentials, EVENT_PATH, LIVE_PATH, Listeners, Server, ServerConfig, TlsIdentity,
};
use rustls::RootCertStore;
use rustls::crypto::ring::default_provider;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_util::sync::CancellationToken;

use crate::events::login;
use crate::harness::within;

/// A client config trusting exactly `identity`'s certificate.
fn trusting(identity: &TlsIdentity) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots
        .add(identity.certificate().clone())
        .expect("the certificate is a valid trust anchor");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(default_provider()))
        .with_safe_default_protocol_versions()
        .expect("default versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn tls_connect(
    connector: &TlsConnector,
    addr: std::net::SocketAddr,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").expect("a DNS name");
    connector.connect(name, tcp).await
}

async fn bind() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    (listener, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_and_https_serve_the_same_server_as_the_plain_listener() {
    let identity = TlsIdentity::self_signed(&["localhost".to_string()]).expect("certificate");
    let (plain_listener, plain) = bind().await;
    let (tls_listener, tls) = bind().await;
    let server = Server::new(ServerConfig::default()).expect("config");
    let shutdown = CancellationToken::new();
    let publisher = server.publisher();
    let stats = server.stats();
    let scenario = shipped::find("smoke")
        .expect("shipped")
        .scenario()
        .expect("valid");
    let feed =
        Player::new(scenario, 7, 1_700_000_000_000, Profile::Standard, true).expect("player");
    let listeners = Listeners::plain(plain_listener)
        .with_tls(tls_listener, identity.acceptor().expect("acceptor"));
    let task = tokio::spawn(server.run_on(listeners, feed, shutdown.clone().cancelled_owned()));
    let connector = trusting(&identity);

    // wss: the upgrade with Basic credentials, then a filter and an event.
    let stream = within("a TLS handshake", tls_connect(&connector, tls))
        .await
        .expect("the generated certificate is trusted");
    let mut request = format!("wss://localhost{EVENT_PATH}")
        .into_client_request()
        .expect("request");
    let auth = Credentials::default()
        .basic_header()
        .parse()
        .expect("header");
    request.headers_mut().insert(AUTHORIZATION, auth);
    let (mut ws, _) = within(
        "the wss handshake",
        tokio_tungstenite::client_async(request, stream),
    )
    .await
    .expect("upgrade over TLS");
    ws.send(Message::text(
        r#"{"type":"filter","filters":[{"property":"username","value":"wss-check"}]}"#,
    ))
    .await
    .expect("send filter");
    // Scenario events may come before the reply, while no filter is set yet.
    let reply = loop {
        let frame = next_text(&mut ws).await;
        if frame.contains("filterResponse") {
            break frame;
        }
    };
    within("the bus", publisher.publish(vec![login("wss-check", 1)]))
        .await
        .expect("running");
    let event = next_text(&mut ws).await;

    // https: a Live API read over its own TLS connection.
    let mut https = within("a TLS handshake", tls_connect(&connector, tls))
        .await
        .expect("trusted");
    let request = format!(
        "GET {LIVE_PATH}coreServers HTTP/1.1\r\nHost: localhost\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        Credentials::default().basic_header()
    );
    https.write_all(request.as_bytes()).await.expect("request");
    let mut response = Vec::new();
    within("the https answer", https.read_to_end(&mut response))
        .await
        .expect("read");
    let response = String::from_utf8_lossy(&response);

    // A client that trusts nothing: no connection, a counted handshake failure.
    let stranger = trusting(&TlsIdentity::self_signed(&["localhost".to_string()]).expect("other"));
    let refused = within("a refused handshake", tls_connect(&stranger, tls)).await;
    // Plain HTTP on the TLS port: the server ends it once the handshake fails.
    let mut confused = TcpStream::connect(tls).await.expect("connect");
    confused
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut ignored = Vec::new();
    let _ = within("the server to end it", confused.read_to_end(&mut ignored)).await;

    assert!(reply.contains(r#""success":true"#), "{reply}");
    assert!(event.contains(r#""username":"wss-check""#), "{event}");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"slug\""),
        "the Live API answered: {response}"
    );
    assert!(
        refused.is_err(),
        "an untrusted certificate is refused by the client"
    );
    let plain_still = TcpStream::connect(plain).await;
    assert!(plain_still.is_ok(), "the plain listener serves too");
    ws.close(None).await.expect("close");
    shutdown.cancel();
    within("the server to stop", task)
        .await
        .expect("server task");
    let stats = stats.snapshot();
    assert_eq!(stats.connections_total, 1);
    assert!(
        stats.tls_handshake_failures >= 1,
        "the plain-HTTP attempt: {stats:?}"
    );
    assert_eq!(stats.transport_connections_current, 0);
}

async fn next_text<S>(ws: &mut tokio_tungstenite::WebSocketStream<S>) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match within("a frame over wss", ws.next()).await {
            Some(Ok(Message::Text(text))) => return text.as_str().to_string(),
            Some(Ok(_)) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Issue #17 §4: over TLS only `http/1.1` is offered by ALPN, so a client that
/// asks for HTTP/2 alone gets no connection, and one without ALPN that sends the
/// HTTP/2 preface anyway is not answered in HTTP/2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_offers_http_1_1_only() {
    let identity = TlsIdentity::self_signed(&["localhost".to_string()]).expect("certificate");
    let (plain_listener, _) = bind().await;
    let (tls_listener, tls) = bind().await;
    let server = Server::new(ServerConfig::default()).expect("config");
    let shutdown = CancellationToken::new();
    let listeners = Listeners::plain(plain_listener)
        .with_tls(tls_listener, identity.acceptor().expect("acceptor"));
    let task = tokio::spawn(server.run_on(
        listeners,
        isymphony_sim::server::EmptyFeed,
        shutdown.clone().cancelled_owned(),
    ));
    let with_alpn = |protocols: Vec<Vec<u8>>| {
        let mut roots = RootCertStore::empty();
        roots.add(identity.certificate().clone()).expect("anchor");
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(default_provider()))
            .with_safe_default_protocol_versions()
            .expect("default versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = protocols;
        TlsConnector::from(Arc::new(config))
    };

    let h2_only = within(
        "a TLS handshake",
        tls_connect(&with_alpn(vec![b"h2".to_vec()]), tls),
    )
    .await;
    let both = within(
        "a TLS handshake",
        tls_connect(&with_alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]), tls),
    )
    .await
    .expect("http/1.1 is agreed");
    let mut no_alpn = within("a TLS handshake", tls_connect(&trusting(&identity), tls))
        .await
        .expect("no ALPN is fine");
    no_alpn
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .expect("send the HTTP/2 preface");
    let mut answer = Vec::new();
    let _ = within("the server to end it", no_alpn.read_to_end(&mut answer)).await;

    assert!(h2_only.is_err(), "no common protocol: no connection");
    assert_eq!(both.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
        "{answer:?}"
    );
    shutdown.cancel();
    within("the server to stop", task)
        .await
        .expect("server task");
}
