//! A case's server: our own [`Server`], in this process, on a free port of
//! 127.0.0.1, paused at virtual time zero with the suite's scenario. The case
//! steers it the way any test would, through its control API (`/sim/`) and its
//! publisher; the client reaches it through the tap.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::protocol::{Profile, RawEvent};
use crate::scenario::Player;
use crate::server::{
    Credentials, EVENT_PATH, JournalPage, Limits, Publisher, REQUESTS_PATH, Server, ServerConfig,
    SlowConsumer, Stats, StatsSnapshot,
};

use super::super::connection::{Connector, TlsSettings};
use super::super::sim_api::SimApi;

/// One Live API request as the server journaled it (`GET /sim/requests`).
pub use crate::server::JournalEntry as LiveRequest;

/// What a case's server plays and how it is limited.
pub struct BackendPlan {
    /// The credentials it accepts.
    pub credentials: Credentials,
    /// The scenario's player, at its start.
    pub player: Player,
    /// Its per-connection limits.
    pub limits: Limits,
    /// How long a control API request may take.
    pub patience: Duration,
}

/// A running case server.
#[derive(Debug)]
pub struct Backend {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its control API.
    pub sim: SimApi,
    publisher: Publisher,
    stats: Arc<Stats>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Backend {
    /// Starts a server for `plan`.
    ///
    /// # Errors
    /// A readable reason when it cannot listen or is misconfigured.
    pub async fn start(plan: BackendPlan) -> Result<Backend, String> {
        let profile = plan.player.pbx().profile();
        let config = ServerConfig::default()
            .with_credentials(plan.credentials.clone())
            .with_paused(true)
            .with_profile(profile)
            .with_close_timeout(Duration::from_secs(1))
            // The "keeps up" check judges a client by the 1008 close, so the
            // case's server keeps that policy whatever `serve` defaults to.
            .with_slow_consumer(SlowConsumer::Disconnect)
            .with_limits(plan.limits);
        let server = Server::new(config).map_err(|err| format!("the case's server: {err}"))?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|err| format!("cannot listen on 127.0.0.1: {err}"))?;
        let addr = listener
            .local_addr()
            .map_err(|err| format!("no local address: {err}"))?;
        let publisher = server.publisher();
        let stats = server.stats();
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(listener, plan.player, async move {
            let _ = stop.await;
        }));
        let url = format!("ws://{addr}{EVENT_PATH}");
        let connector = Connector::new(&url, &plan.credentials, &TlsSettings::default())?;
        let sim = SimApi::for_event_url(&url, &plan.credentials, &connector, plan.patience)?;
        Ok(Backend {
            addr,
            sim,
            publisher,
            stats,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The server's counters now.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Frames the server has queued to its clients so far (events, duplicates,
    /// malformed frames, replies) and how many of them were discarded because
    /// their connection ended first. Asked after the dispatcher has handled
    /// everything published before, so nothing is on its way into the counts.
    pub async fn queued_frames(&self) -> (u64, u64) {
        let _ = self.publisher.clients().await;
        let s = self.stats.snapshot();
        let queued = s.frames_delivered + s.frames_duplicated + s.malformed_sent + s.replies_sent;
        (queued, s.frames_discarded)
    }

    /// Where the run stands: its virtual ms and the next batch's, if any.
    ///
    /// # Errors
    /// The control API did not answer.
    pub async fn clock(&self) -> Result<(u64, Option<u64>), String> {
        let status = self.sim.status().await?;
        let now = status.get("virtualMs").and_then(Value::as_u64).unwrap_or(0);
        let next = status.get("nextDueMs").and_then(Value::as_u64);
        Ok((now, next))
    }

    /// Applies exactly one batch; `false` when the run is over.
    ///
    /// # Errors
    /// The control API did not answer as expected.
    pub async fn step(&self) -> Result<bool, String> {
        Ok(self.sim.step_batch().await?.is_some())
    }

    /// Injects a fault (`POST /sim/fault` with this JSON body).
    ///
    /// # Errors
    /// The control API refused it.
    pub async fn fault(&self, body: &str) -> Result<(), String> {
        self.sim.post("fault", body.as_bytes()).await.map(|_| ())
    }

    /// Publishes events given as JSON text, in order, sent as given.
    ///
    /// # Errors
    /// The server has shut down.
    pub async fn publish_raw(
        &self,
        events: impl IntoIterator<Item = RawEvent>,
    ) -> Result<(), String> {
        for event in events {
            let slot = self
                .publisher
                .reserve()
                .await
                .map_err(|err| err.to_string())?;
            slot.publish_raw(event);
        }
        Ok(())
    }

    /// Every Live API request the server has journaled (`GET /sim/requests`), in order.
    ///
    /// # Errors
    /// The control API did not answer with the journal.
    pub async fn live_requests(&self) -> Result<Vec<LiveRequest>, String> {
        let journal = self.sim.get(REQUESTS_PATH).await?;
        serde_json::from_value::<JournalPage>(journal.clone())
            .map(|page| page.requests)
            .map_err(|err| format!("GET {REQUESTS_PATH} answered {journal}, not a journal: {err}"))
    }

    /// Shuts the server down and waits for it (bounded by its close timeout).
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The profile a player emits.
pub fn profile_of(player: &Player) -> Profile {
    player.pbx().profile()
}
