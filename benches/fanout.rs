//! End-to-end fan-out: our server on 127.0.0.1 and N tokio-tungstenite clients in
//! the same process (the same 2 cores), each with a filter of the office mix.
//! One iteration publishes 1,000 synthetic events and waits until every client has
//! received every event its filter admits. Throughput is in deliveries (frames
//! received by clients) per second. Client i takes mix filter i + 3, so the
//! single-client case is the catch-all `type=*` rather than one user's logins.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures_util::{SinkExt, StreamExt};
use isymphony_sim::load::FilterMix;
use isymphony_sim::load::synthetic::EventMaker;
use isymphony_sim::protocol::{ClientMessage, Event, ParseOptions, parse_client_message};
use isymphony_sim::server::{Credentials, EVENT_PATH, EmptyFeed, Publisher, Server, ServerConfig};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_util::sync::CancellationToken;

const BATCH: usize = 1000;

/// Frames received by all clients, and a wake-up for whoever waits on the count.
#[derive(Default)]
struct Received {
    frames: AtomicU64,
    target: AtomicU64,
    reached: Notify,
}

impl Received {
    async fn wait_for(&self, target: u64) {
        self.target.store(target, Ordering::SeqCst);
        loop {
            let notified = self.reached.notified();
            if self.frames.load(Ordering::SeqCst) >= target {
                return;
            }
            if tokio::time::timeout(Duration::from_secs(30), notified)
                .await
                .is_err()
            {
                panic!(
                    "fan-out stalled at {} of {target} frames",
                    self.frames.load(Ordering::SeqCst)
                );
            }
        }
    }
}

struct Rig {
    publisher: Publisher,
    received: Arc<Received>,
    per_batch: u64,
    events: Vec<Event>,
    shutdown: CancellationToken,
}

async fn rig(clients: usize) -> Rig {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    // Queues deep enough that a whole batch never makes a client a slow consumer.
    let server = Server::new(ServerConfig::default().with_client_queue(4 * BATCH)).expect("config");
    let publisher = server.publisher();
    let shutdown = CancellationToken::new();
    tokio::spawn(server.run(listener, EmptyFeed, shutdown.clone().cancelled_owned()));

    let mut maker = EventMaker::new(7);
    let events: Vec<Event> = (0..BATCH).map(|i| maker.next_event(i as i64)).collect();
    let received = Arc::new(Received::default());
    let mut per_batch = 0;
    for i in 0..clients {
        let filters = FilterMix::Office.filters_for(i + 3);
        let message = format!(r#"{{"type":"filter","filters":{filters}}}"#);
        let Ok(ClientMessage::Filter(set)) =
            parse_client_message(&message, ParseOptions::default())
        else {
            panic!("the office mix is valid");
        };
        per_batch += events.iter().filter(|e| set.admits(e)).count() as u64;
        let mut request = format!("ws://{addr}{EVENT_PATH}")
            .into_client_request()
            .expect("URL");
        let header = Credentials::default()
            .basic_header()
            .parse()
            .expect("header");
        request.headers_mut().insert(AUTHORIZATION, header);
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
            .await
            .expect("connect");
        ws.send(Message::text(message)).await.expect("send filter");
        // The reply proves the filter is in force before anything is published.
        match ws.next().await {
            Some(Ok(Message::Text(reply))) if reply.contains("filterResponse") => {}
            other => panic!("expected the filter reply, got {other:?}"),
        }
        let received = Arc::clone(&received);
        let (mut sink, mut stream) = ws.split();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                if frame.is_text() {
                    let now = received.frames.fetch_add(1, Ordering::SeqCst) + 1;
                    if now >= received.target.load(Ordering::SeqCst) {
                        received.reached.notify_one();
                    }
                }
            }
            let _ = sink.close().await;
        });
    }
    Rig {
        publisher,
        received,
        per_batch,
        events,
        shutdown,
    }
}

fn fanout(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("fanout_office_mix");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for clients in [1usize, 100, 1000] {
        let rig = runtime.block_on(rig(clients));
        group.throughput(Throughput::Elements(rig.per_batch));
        group.bench_with_input(BenchmarkId::from_parameter(clients), &rig, |b, rig| {
            b.iter_custom(|iterations| {
                let batches: Vec<Vec<Event>> =
                    (0..iterations).map(|_| rig.events.clone()).collect();
                runtime.block_on(async {
                    let start = Instant::now();
                    for batch in batches {
                        let target = rig.received.frames.load(Ordering::SeqCst) + rig.per_batch;
                        rig.publisher.publish(batch).await.expect("server running");
                        rig.received.wait_for(target).await;
                    }
                    start.elapsed()
                })
            });
        });
        rig.shutdown.cancel();
    }
    group.finish();
}

criterion_group!(benches, fanout);
criterion_main!(benches);
