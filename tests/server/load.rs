//! The load generator against our own server: every client is set up, events are
//! delivered and timed from the server's stamp, idle rejecting clients receive
//! nothing, and no event is dropped.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use isymphony_sim::load::merge::Run;
use isymphony_sim::load::synthetic::SyntheticFeed;
use isymphony_sim::load::{
    self, FilterMix, LatencySource, LoadConfig, LoadReport, Measured, ServerPid, Shard, Thresholds,
};
use isymphony_sim::server::{Credentials, ServerConfig};

use crate::harness::{TestServer, within};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub fn config(server: &TestServer, filters: FilterMix, clients: usize, idle: usize) -> LoadConfig {
    let credentials = Credentials::default();
    LoadConfig {
        target: server.url(),
        clients,
        idle,
        filters,
        // A measurement window, not a synchronisation: nothing waits on it.
        duration: Duration::from_millis(400),
        credentials: Some((credentials.username().into(), credentials.password().into())),
        latency: LatencySource::Auto,
        handshakes: 16,
        setup_limit: Duration::from_secs(10),
        warmup: Duration::ZERO,
        shard: Shard::WHOLE,
        run_id: None,
        server_pid: ServerPid::Find,
    }
}

fn report_of(measured: Measured) -> LoadReport {
    load::verdict(&Run::single(measured), &Thresholds::default()).expect("one shard adds up")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfiltered_clients_receive_every_stamped_event_without_drops() {
    let feed = SyntheticFeed::new(3, 2000.0, now_ms(), 60_000);
    let server =
        TestServer::start_with_feed(ServerConfig::default().with_send_stamp(true), feed).await;

    let report = within(
        "the load run",
        load::run(&config(&server, FilterMix::All, 4, 3), |_| {}),
    )
    .await
    .map(report_of)
    .expect("clients connect");

    assert_eq!((report.ready, report.setup_failures), (7, 0), "{report}");
    assert!(report.delivered > 0, "{report}");
    assert_eq!(report.untimed, 0, "every frame carried simSentUs: {report}");
    assert!(report.latency_us.is_some(), "{report}");
    assert_eq!(report.server.drops, Some(0), "{report}");
    assert!(report.server.disconnects.is_empty(), "{report}");
    assert!(report.failures.is_empty(), "{report}");
    server.shut_down([]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejecting_clients_receive_nothing_and_drops_are_not_claimed() {
    let feed = SyntheticFeed::new(4, 2000.0, now_ms(), 60_000);
    let server =
        TestServer::start_with_feed(ServerConfig::default().with_send_stamp(true), feed).await;

    let report = within(
        "the load run",
        load::run(&config(&server, FilterMix::Reject, 5, 0), |_| {}),
    )
    .await
    .map(report_of)
    .expect("clients connect");

    assert_eq!(report.ready, 5, "{report}");
    assert_eq!(report.delivered, 0, "{report}");
    assert_eq!(
        report.server.drops, None,
        "gaps mean nothing to filtered clients"
    );
    assert!(
        report.failures.is_empty(),
        "zero events is expected when nothing can match: {report}"
    );
    assert!(server.stats.snapshot().events_published > 0);
    server.shut_down([]).await;
}

#[tokio::test]
async fn a_server_that_is_not_there_is_an_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let config = LoadConfig {
        target: format!("ws://{addr}/communication_manager/ws/event"),
        clients: 2,
        idle: 0,
        filters: FilterMix::All,
        duration: Duration::from_millis(10),
        credentials: None,
        latency: LatencySource::Auto,
        handshakes: 2,
        setup_limit: Duration::from_secs(10),
        warmup: Duration::ZERO,
        shard: Shard::WHOLE,
        run_id: None,
        server_pid: ServerPid::Find,
    };

    let result = within("the load run", load::run(&config, |_| {})).await;

    let Err(load::LoadError::NoClients { reasons, .. }) = &result else {
        panic!("expected NoClients, got {result:?}");
    };
    assert_eq!(reasons, &[(load::SetupFailure::ConnectionRefused, 2)]);
    let message = result.expect_err("no clients").to_string();
    assert!(message.contains("is the server running?"), "{message}");
}
