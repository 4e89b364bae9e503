//! The load generator against our server under `--slow-consumer drop-oldest` with a
//! tiny queue: the events the server evicts for its clients and announces in
//! `simNotice` frames (docs/protocol.md §10.6) are reported as announced
//! evictions, equal to the server's own count, and not as untimed events or
//! unexplained drops.
//!
//! The load clients are made slow for certain, not by chance: the load run has a
//! runtime of its own on one thread, and its progress callback (called on that
//! thread about a second into the window) blocks it until the server has evicted
//! events for every client. Nothing reads meanwhile, so the sockets fill and the
//! server's queues overflow.

use std::sync::mpsc;
use std::time::Duration;

use isymphony_sim::load::merge::Run;
use isymphony_sim::load::{self, FilterMix, LoadReport, Progress, Thresholds};
use isymphony_sim::server::{ServerConfig, SlowConsumer};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::events::login;
use crate::harness::TestServer;
use crate::http_client::send;
use crate::load::config;
use crate::pre_auth::until_stats;

const QUEUE: usize = 8;
const CLIENTS: usize = 2;
const BURST: i64 = 50;
/// Bursts at most before the test gives up on filling the clients' sockets.
const MAX_BURSTS: i64 = 400;

/// Each client's `droppedOldest` in `/sim/status`.
async fn evicted_per_client(server: &TestServer) -> Vec<u64> {
    let status = send(server.addr, "GET", "/sim/status", "").await.json();
    status["clients"]
        .as_array()
        .map(|clients| {
            clients
                .iter()
                .map(|c| c["droppedOldest"].as_u64().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evictions_announced_by_simnotice_are_reported_apart_and_match_the_servers_count() {
    let server = TestServer::start(
        ServerConfig::default()
            .with_send_stamp(true)
            .with_client_queue(QUEUE)
            .with_slow_consumer(SlowConsumer::DropOldest),
    )
    .await;
    let mut run_config = config(&server, FilterMix::All, CLIENTS, 0);
    // A window, not a synchronisation: the stall below starts at its first progress
    // call (1 s in) and the rest is slack for the clients to read what is left.
    run_config.duration = Duration::from_secs(5);

    let (stalled_tx, stalled_rx) = oneshot::channel::<()>();
    let (resume_tx, resume_rx) = mpsc::channel::<()>();
    let (report_tx, report_rx) = oneshot::channel::<LoadReport>();
    let load_thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the load run");
        let mut stalled = Some(stalled_tx);
        let progress = move |line: &Progress| {
            if !line.done
                && let Some(tell) = stalled.take()
            {
                let _ = tell.send(());
                // Blocks the load run's only thread: no client reads until resumed.
                let _ = resume_rx.recv();
            }
        };
        let measured = runtime
            .block_on(load::run(&run_config, progress))
            .expect("clients connect");
        let report = load::verdict(&Run::single(measured), &Thresholds::default())
            .expect("one shard adds up");
        let _ = report_tx.send(report);
    });

    tokio::time::timeout(Duration::from_secs(30), stalled_rx)
        .await
        .expect("the window opened and its first progress call came")
        .expect("the load run is alive");
    // One event first, written to both sockets before anything can be evicted, so
    // each client's first event in the window is the first published and every
    // later eviction leaves a gap it can see.
    let written = server.stats.snapshot().frames_written;
    let padding = "x".repeat(16 * 1024);
    server.publish(vec![login(&padding, 0)]).await;
    until_stats(&server, "the first event written to both clients", |s| {
        s.frames_written >= written + CLIENTS as u64
    })
    .await;
    let mut published = 1;
    loop {
        let evicted = evicted_per_client(&server).await;
        if evicted.len() == CLIENTS && !evicted.contains(&0) {
            break;
        }
        assert!(
            published < 1 + BURST * MAX_BURSTS,
            "{published} events did not overflow every stalled client's queue of {QUEUE}"
        );
        let burst = (published..published + BURST)
            .map(|n| login(&padding, n))
            .collect();
        server.publish(burst).await;
        published += BURST;
    }
    resume_tx.send(()).expect("the load run waits");
    let report = tokio::time::timeout(Duration::from_secs(60), report_rx)
        .await
        .expect("the load run ends")
        .expect("the load run reports");
    load_thread.join().expect("the load thread");

    let status: Value = send(server.addr, "GET", "/sim/status", "").await.json();
    let evicted = status["framesDroppedOldest"].as_u64().unwrap_or(0);
    assert!(evicted > 0, "{status}");
    assert_eq!(report.ready, CLIENTS as u64, "{report}");
    assert_eq!(
        report.server.evicted_announced, evicted,
        "the notices the clients read name every event the server evicted: {report}"
    );
    assert_eq!(
        Some(report.server.notices),
        status["noticesSent"].as_u64(),
        "{report}"
    );
    assert_eq!(
        report.delivered + evicted,
        CLIENTS as u64 * published as u64,
        "every event was delivered or evicted, and notices are not deliveries: {report}"
    );
    assert_eq!(
        report.untimed, 0,
        "a notice is not an untimed event: {report}"
    );
    assert_eq!(
        report.server.drops,
        Some(evicted),
        "evictions leave simSeq gaps"
    );
    assert_eq!(
        report.server.unexplained_drops,
        Some(0),
        "every gap was announced: {report}"
    );
    assert!(
        report.failures.is_empty(),
        "evictions alone fail nothing: {report}"
    );
    // The stall is the load tool's own lag; whether its wake-up monitor caught it
    // depends on how long the stall took, so the note is checked against what the
    // report says of the lag (both wordings are pinned in load::diagnosis).
    let who = if report.load_tool.behind {
        "most likely its own lag"
    } else {
        "the server could not write to these clients fast enough"
    };
    assert!(
        report.notes.iter().any(
            |n| n.starts_with(&format!("the server evicted {evicted} events")) && n.contains(who)
        ),
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains(&format!("dropped {evicted}: {evicted} announced")),
        "{text}"
    );
    assert!(text.contains(", 0 unexplained;"), "{text}");
    server.shut_down([]).await;
}
