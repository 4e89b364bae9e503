//! Issue #17's soak: hostile clients (idle TCP sockets, slowloris heads, filter
//! vocabulary churn, a fragment kept open with pings, an over-size frame) run
//! beside well-behaved clients while a scenario plays fast. The well-behaved
//! clients lose no event (their `simSeq` has no gap), and the counters of
//! `/sim/status` account for every hostile connection refused or closed.
//!
//! Bounded: each hostile actor has a fixed count of connections and messages,
//! every wait is on a counter or a frame under `harness::PATIENCE`. Latency is
//! not asserted here; BENCHMARKS.md has the p99 with and without hostile clients.

use std::sync::Arc;
use std::time::Duration;

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, shipped};
use isymphony_sim::server::{Limits, ServerConfig, TransportLimits};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use crate::framing::{FIN, PING, RawSocket, TEXT, read_close, write_frame};
use crate::harness::{TestServer, within};
use crate::pre_auth::{connect_from, until_stats};

const WELL_BEHAVED: usize = 8;
const IDLE: u64 = 40;
const PER_ADDRESS: u64 = 8;
const SLOWLORIS: u64 = 3;
const CHURN_MESSAGES: usize = 20;
const SOAK: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_clients_beside_well_behaved_ones_cost_them_no_event() {
    let scenario = shipped::find("callcentre-peak")
        .expect("shipped")
        .scenario()
        .expect("valid");
    let player =
        Player::new(scenario, 3, 1_700_000_000_000, Profile::Standard, true).expect("model");
    let config = ServerConfig::default()
        .with_speed(2000.0)
        .with_send_stamp(true)
        // Readers here read as fast as they can; a slow-consumer cut would only
        // mean a loaded machine.
        .with_client_queue(1 << 16)
        .with_limits(Limits {
            message_timeout: Duration::from_millis(500),
            ..Limits::default()
        })
        .with_transport_limits(TransportLimits {
            header_timeout: Duration::from_millis(500),
            max_pending_per_address: PER_ADDRESS as usize,
            ..TransportLimits::default()
        });
    let server = Arc::new(TestServer::start_with_feed(config, player).await);

    // Well-behaved: unfiltered, reading every event until the soak ends.
    let until = Instant::now() + SOAK;
    let mut readers = Vec::new();
    for _ in 0..WELL_BEHAVED {
        let mut client = server.connect().await;
        client.set_filters("[]").await;
        readers.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            while Instant::now() < until {
                let frame = client.recv_json().await;
                if let Some(seq) = frame["simSeq"].as_u64() {
                    seqs.push(seq);
                }
            }
            (client, seqs)
        }));
    }

    // Idle TCP from one address: PER_ADDRESS wait, the rest are closed at once.
    let mut idle = Vec::new();
    for _ in 0..IDLE {
        idle.push(connect_from([127, 0, 0, 2], server.addr).await);
    }
    // Slowloris from another: a byte at a time, never a whole head.
    let mut slow = Vec::new();
    for _ in 0..SLOWLORIS {
        let mut socket = connect_from([127, 0, 0, 3], server.addr).await;
        slow.push(tokio::spawn(async move {
            for byte in b"GET /sim/status HTTP/1.1\r\nX-Slow: "
                .iter()
                .chain(&[b'a'; 200])
            {
                if socket.write_all(&[*byte]).await.is_err() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            false
        }));
    }
    // Filter-vocabulary churn: fresh made-up names, message after message.
    let churner = {
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            let mut client = server.connect().await;
            for round in 0..CHURN_MESSAGES {
                let entries: Vec<String> = (0..1000)
                    .map(|i| format!(r#"{{"property":"c{round}-{i}","value":"*"}}"#))
                    .collect();
                let (_, reply) = client
                    .set_filters(&format!("[{}]", entries.join(",")))
                    .await;
                assert_eq!(reply["success"], true, "{reply}");
            }
            client.close(1000, "churned").await;
            let _ = client.expect_close().await;
        })
    };
    // A first fragment kept open with pings, and an over-size frame.
    let fragment = RawSocket::open_from([127, 0, 0, 4], &server).await;
    let RawSocket {
        read: mut fragment_read,
        write: mut fragment_write,
    } = fragment;
    write_frame(&mut fragment_write, TEXT, &[b'a'; 1000], true).await;
    let pinging = async {
        for _ in 0..100 {
            write_frame(&mut fragment_write, FIN | PING, b"alive", true).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let fragment_close = tokio::select! {
        closed = read_close(&mut fragment_read) => closed,
        () = pinging => panic!("the open fragment outlived 100 pings"),
    };
    let mut oversize = RawSocket::open_from([127, 0, 0, 5], &server).await;
    let mut header = vec![FIN | TEXT, 0x80 | 127];
    header.extend_from_slice(&(2_u64 << 20).to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]);
    let _ = oversize.write.write_all(&header).await;
    let oversize_close = oversize.close_frame().await;

    let mut cut_off = 0;
    for task in slow {
        cut_off += u64::from(within("a slowloris", task).await.expect("task"));
    }
    within("the churner", churner).await.expect("churner");
    let mut well = Vec::new();
    let mut received = 0;
    for task in readers {
        let (client, seqs) = within("a reader", task).await.expect("reader");
        for pair in seqs.windows(2) {
            assert_eq!(pair[1], pair[0] + 1, "a well-behaved client lost an event");
        }
        received += seqs.len();
        well.push(client);
    }
    until_stats(&server, "every hostile connection accounted for", |s| {
        s.header_timeouts == PER_ADDRESS + SLOWLORIS
            && s.pending_connections == 0
            && s.connections_current == WELL_BEHAVED as u64
    })
    .await;
    drop(idle);

    let stats = server.stats.snapshot();
    assert!(received > 0, "events were played");
    assert_eq!(cut_off, SLOWLORIS, "every slow head was cut off");
    assert_eq!(fragment_close.0, 1008, "{fragment_close:?}");
    assert_eq!(oversize_close.0, 1009, "{oversize_close:?}");
    assert_eq!(
        stats.refused_pending_per_address,
        IDLE - PER_ADDRESS,
        "{stats:?}"
    );
    assert_eq!(stats.header_timeouts, PER_ADDRESS + SLOWLORIS, "{stats:?}");
    assert_eq!(stats.slow_messages, 1, "{stats:?}");
    assert_eq!(stats.oversize_messages, 1, "{stats:?}");
    assert_eq!(stats.slow_consumer_disconnects, 0, "{stats:?}");
    assert!(stats.filter_words <= 2 * 4096 + 2000, "{stats:?}");
    let Ok(server) = Arc::try_unwrap(server) else {
        panic!("every task has let go of the server");
    };
    server.shut_down(well).await;
}
