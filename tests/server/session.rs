//! The session loop over in-memory channels: the test plays both the client (a
//! sink and a stream of messages) and the dispatcher (the bus receiver).

use std::sync::Arc;
use std::time::Duration;

use futures_util::{sink, stream};
use isymphony_sim::protocol::{EventKind, FilterSet, ParseOptions, Profile};
use isymphony_sim::server::fanout::queue::QueueSender;
use isymphony_sim::server::fanout::{BusCommand, ClientId, Kick, Outbound};
use isymphony_sim::server::session::{SessionContext, run_session};
use isymphony_sim::server::{Limits, SlowConsumer, Stats};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use crate::harness::within;

/// A session running over channels, and the ends the test holds.
struct Rig {
    /// What the session writes to its client.
    written: mpsc::UnboundedReceiver<Message>,
    /// What the client sends; dropping it ends the client's stream.
    client: Option<mpsc::UnboundedSender<Result<Message, String>>>,
    /// The dispatcher's side of the bus.
    bus: mpsc::Receiver<BusCommand>,
    stats: Arc<Stats>,
    shutdown: CancellationToken,
    session: JoinHandle<bool>,
}

/// What the session attached with.
struct Attached {
    queue: QueueSender<Outbound>,
    kick: oneshot::Sender<Kick>,
}

impl Rig {
    fn start() -> Rig {
        let (written_tx, written) = mpsc::unbounded_channel();
        let out = sink::unfold(written_tx, |tx, message: Message| async move {
            tx.send(message).map_err(|_| "client gone")?;
            Ok::<_, &str>(tx)
        });
        let (client, client_rx) = mpsc::unbounded_channel();
        let input = stream::unfold(client_rx, |mut rx| async move {
            rx.recv().await.map(|m| (m, rx))
        });
        let (bus_tx, bus) = mpsc::channel(16);
        let stats = Arc::new(Stats::default());
        let shutdown = CancellationToken::new();
        let ctx = SessionContext {
            id: ClientId(7),
            peer: None,
            bus: bus_tx,
            stats: Arc::clone(&stats),
            parse: ParseOptions::default(),
            emitted: Profile::Standard.kinds().into(),
            client_queue: 4,
            slow_consumer: SlowConsumer::Disconnect,
            close_timeout: Duration::from_secs(5),
            limits: Limits {
                // No timers unless a test asks: frames written are then exactly the queued ones.
                ping_interval: None,
                idle_timeout: None,
                ..Limits::default()
            },
            permit: None,
            message_clock: None,
            shutdown: shutdown.clone(),
        };
        let session = tokio::spawn(run_session(out, input, ctx));
        Rig {
            written,
            client: Some(client),
            bus,
            stats,
            shutdown,
            session,
        }
    }

    async fn command(&mut self) -> BusCommand {
        within("a bus command", self.bus.recv())
            .await
            .expect("session alive")
    }

    async fn attached(&mut self) -> Attached {
        match self.command().await {
            BusCommand::Attach {
                id, queue, kick, ..
            } => {
                assert_eq!(id, ClientId(7));
                Attached { queue, kick }
            }
            other => panic!("expected Attach first, got {other:?}"),
        }
    }

    fn send(&self, message: Message) {
        if let Some(client) = &self.client {
            client.send(Ok(message)).expect("session reading");
        }
    }

    async fn written(&mut self) -> Message {
        within("a frame from the session", self.written.recv())
            .await
            .expect("session alive")
    }

    async fn finished(mut self) -> Arc<Stats> {
        self.client = None;
        within("the session to end", self.session)
            .await
            .expect("session task");
        self.stats
    }
}

/// The code and reason of a close frame.
fn close_of(message: &Message) -> Option<(u16, &str)> {
    match message {
        Message::Close(Some(frame)) => Some((u16::from(frame.code), frame.reason.as_str())),
        _ => None,
    }
}

fn json(message: &Message) -> Value {
    serde_json::from_str(message.to_text().expect("a text frame")).expect("JSON")
}

#[tokio::test]
async fn queued_frames_are_written_in_order() {
    let mut rig = Rig::start();
    let attached = rig.attached().await;

    for n in 0..3 {
        attached
            .queue
            .send_kept(Outbound::Frame(Message::text(format!("{n}"))), false)
            .expect("queue open");
    }
    let frames = [
        rig.written().await,
        rig.written().await,
        rig.written().await,
    ];

    let texts: Vec<&str> = frames.iter().map(|f| f.to_text().unwrap_or("?")).collect();
    assert_eq!(texts, ["0", "1", "2"]);
    drop(attached);
    rig.finished().await;
}

#[tokio::test]
async fn a_filter_message_goes_to_the_dispatcher_with_its_reply() {
    let mut rig = Rig::start();
    let _attached = rig.attached().await;

    rig.send(Message::text(
        r#"{"type":"filter","filters":[{"property":"type","value":"dial"}]}"#,
    ));
    let command = rig.command().await;

    let BusCommand::SetFilter { id, filters, reply } = command else {
        panic!("expected SetFilter, got {command:?}");
    };
    assert_eq!(id, ClientId(7));
    assert!(filters != FilterSet::allow_all());
    let reply = json(&reply);
    assert_eq!(reply["success"], true);
    assert!(
        reply["warnings"][0]
            .as_str()
            .unwrap_or_default()
            .contains("dial"),
        "{reply}"
    );
    assert!(!Profile::Standard.kinds().contains(&EventKind::Dial));
    rig.finished().await;
}

#[tokio::test]
async fn bad_messages_become_failure_replies_through_the_bus() {
    let mut rig = Rig::start();
    let _attached = rig.attached().await;

    rig.send(Message::text("not json"));
    rig.send(Message::binary(b"{}".to_vec()));
    let first = rig.command().await;
    let second = rig.command().await;

    for (command, expected) in [(first, "malformed JSON"), (second, "binary frames")] {
        let BusCommand::Reply { frame, .. } = command else {
            panic!("expected a Reply, got {command:?}");
        };
        let reply = json(&frame);
        assert_eq!(reply["success"], false);
        assert!(
            reply["error"]
                .as_str()
                .unwrap_or_default()
                .contains(expected),
            "{reply}"
        );
    }
    let stats = rig.finished().await;
    assert_eq!(stats.snapshot().bad_client_messages, 2);
}

#[tokio::test]
async fn a_kick_closes_with_1008_and_the_reason() {
    let mut rig = Rig::start();
    let attached = rig.attached().await;

    attached
        .kick
        .send(Kick::SlowConsumer { pending: 4 })
        .expect("session waiting");
    let close = rig.written().await;
    rig.client = None;

    assert_eq!(
        close_of(&close),
        Some((1008, "slow consumer: 4 events pending"))
    );
    rig.finished().await;
}

#[tokio::test]
async fn shutdown_closes_with_1001_and_detaches() {
    let mut rig = Rig::start();
    let _attached = rig.attached().await;

    rig.shutdown.cancel();
    let close = rig.written().await;
    rig.client = None;
    let detach = rig.command().await;

    assert_eq!(close_of(&close), Some((1001, "server shutting down")));
    assert!(
        matches!(
            detach,
            BusCommand::Detach {
                id: ClientId(7),
                ..
            }
        ),
        "{detach:?}"
    );
    let stats = rig.finished().await;
    assert_eq!(stats.snapshot().connections_current, 0);
    assert_eq!(stats.snapshot().connections_total, 1);
}

#[tokio::test]
async fn a_client_close_ends_the_session_without_a_close_of_its_own() {
    let mut rig = Rig::start();
    let _attached = rig.attached().await;

    rig.send(Message::Close(None));
    let detach = rig.command().await;

    assert!(matches!(detach, BusCommand::Detach { .. }), "{detach:?}");
    rig.finished().await;
    // Over a real websocket the library answers the close; the session adds nothing.
}
