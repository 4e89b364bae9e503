//! A small Event API server for differential tests: it broadcasts the smoke
//! scenario's events over and over and filters each connection with a given
//! (possibly broken) filter implementation. No credentials are checked.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use isymphony_sim::conformance::FilterImpl;
use isymphony_sim::protocol::{
    ClientMessage, Event, ParseOptions, Profile, ServerReply, parse_client_message,
};
use isymphony_sim::scenario::{Player, Scenario};
use isymphony_sim::server::EVENT_PATH;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// Makes the filter of a new connection.
pub type MakeFilter = fn() -> Box<dyn FilterImpl + Send>;

/// Pause between two broadcast events: the traffic's pace, not a synchronisation.
const EVENT_GAP: Duration = Duration::from_millis(2);

/// A running test server; stops when dropped.
pub struct BrokenServer {
    pub url: String,
    stop: CancellationToken,
}

impl Drop for BrokenServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl BrokenServer {
    pub async fn start(make_filter: MakeFilter) -> BrokenServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let url = format!(
            "ws://{}{EVENT_PATH}",
            listener.local_addr().expect("address")
        );
        let stop = CancellationToken::new();
        // Large enough that no connection lags behind during a test window.
        let (events, _) = broadcast::channel(1 << 16);
        tokio::spawn(broadcast_forever(events.clone(), stop.clone()));
        let accepting = stop.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = accepting.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((stream, _)) = accepted else { return };
                let feed = events.subscribe();
                tokio::spawn(serve_connection(
                    stream,
                    feed,
                    make_filter(),
                    accepting.clone(),
                ));
            }
        });
        BrokenServer { url, stop }
    }
}

/// The smoke scenario's events (extended profile), each round with later times so
/// that no two broadcast events are identical.
async fn broadcast_forever(events: broadcast::Sender<Arc<Event>>, stop: CancellationToken) {
    let scenario = Scenario::open("smoke").expect("shipped scenario");
    let mut player = Player::new(scenario, 7, 1_700_000_000_000, Profile::Extended, false)
        .expect("valid directory");
    let mut round = Vec::new();
    player.run_until(u64::MAX, |batch| {
        round.extend_from_slice(batch);
        std::ops::ControlFlow::Continue(())
    });
    let mut pace = tokio::time::interval(EVENT_GAP);
    for shift in 0i64.. {
        for event in &round {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = pace.tick() => {}
            }
            let mut event = event.clone();
            event.time += shift * 10_000_000;
            let _ = events.send(Arc::new(event));
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    mut feed: broadcast::Receiver<Arc<Event>>,
    mut filter: Box<dyn FilterImpl + Send>,
    stop: CancellationToken,
) {
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            event = feed.recv() => {
                let Ok(event) = event else { return };
                if filter.admits(&event) && socket.send(Message::text(event.to_json())).await.is_err() {
                    return;
                }
            }
            message = socket.next() => {
                let Some(Ok(message)) = message else { return };
                let Message::Text(text) = message else { continue };
                let reply = match parse_client_message(text.as_str(), ParseOptions::default()) {
                    Ok(ClientMessage::Filter(set)) => {
                        filter.set_filters(set);
                        ServerReply::FilterAccepted { warnings: vec![] }
                    }
                    Err(err) => ServerReply::from(&err),
                };
                if socket.send(Message::text(reply.to_json())).await.is_err() {
                    return;
                }
            }
        }
    }
}
