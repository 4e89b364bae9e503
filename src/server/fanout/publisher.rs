//! Handles that put events, faults and questions on the bus, in order: the
//! clock driver, the HTTP routes and tests each hold a [`Publisher`].

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::protocol::{Event, EventKind, RawEvent};
use crate::scenario::{FaultRequest, PlacedFault};

use crate::server::stats::Stats;

use super::message::{BusCommand, ClientId, ClientSummary};
use super::roster::Roster;

/// The bus is gone: the server has shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server has shut down; events can no longer be published")]
pub struct BusClosed;

/// Puts events on the bus. Cheap to clone; the clock driver and the HTTP routes
/// each hold one.
#[derive(Debug, Clone)]
pub struct Publisher {
    bus: mpsc::Sender<BusCommand>,
    stats: Arc<Stats>,
}

impl Publisher {
    pub(crate) fn new(bus: mpsc::Sender<BusCommand>, stats: Arc<Stats>) -> Self {
        Publisher { bus, stats }
    }

    /// Publishes a batch of events, in order. Waits while the bus is full, which
    /// slows the publisher down to the dispatcher's pace instead of buffering.
    ///
    /// # Errors
    /// [`BusClosed`] once the server has shut down.
    pub async fn publish(&self, events: Vec<Event>) -> Result<(), BusClosed> {
        if events.is_empty() {
            return Ok(());
        }
        for event in &events {
            self.stats.count_published(event.kind());
        }
        self.bus
            .send(BusCommand::Publish(events))
            .await
            .map_err(|_| BusClosed)
    }

    /// Waits for room on the bus and holds it. Whoever changes the model takes a
    /// slot first, then applies and publishes through it under its lock: the bus
    /// then carries events in the order the model produced them, however many
    /// tasks change the model, and nothing waits while the lock is held.
    ///
    /// # Errors
    /// [`BusClosed`] once the server has shut down.
    pub async fn reserve(&self) -> Result<PublishSlot<'_>, BusClosed> {
        let permit = self.bus.reserve().await.map_err(|_| BusClosed)?;
        Ok(PublishSlot {
            permit,
            stats: &self.stats,
        })
    }

    /// Sends a command that is not a publication (a fault, a status request).
    pub(crate) async fn command(&self, command: BusCommand) -> Result<(), BusClosed> {
        self.bus.send(command).await.map_err(|_| BusClosed)
    }
}

/// Room for one publication on the bus, taken by [`Publisher::reserve`]; sending
/// through it never waits. Dropping it unused gives the room back.
#[derive(Debug)]
pub struct PublishSlot<'a> {
    permit: mpsc::Permit<'a, BusCommand>,
    stats: &'a Stats,
}

impl PublishSlot<'_> {
    /// Publishes a batch of events, in order; an empty batch publishes nothing.
    pub fn publish(self, events: Vec<Event>) {
        self.publish_scripted(events, Vec::new());
    }

    /// Publishes a scripted batch: its events, and the faults its steps asked for
    /// at their places among them.
    pub fn publish_scripted(self, events: Vec<Event>, faults: Vec<PlacedFault>) {
        for event in &events {
            self.stats.count_published(event.kind());
        }
        match (events.is_empty(), faults.is_empty()) {
            (true, true) => {}
            (false, true) => self.permit.send(BusCommand::Publish(events)),
            _ => self
                .permit
                .send(BusCommand::PublishScripted(events, faults)),
        }
    }

    /// Carries out a fault at this point of the stream; `done` learns whom it hit.
    pub fn carry_out_fault(self, request: FaultRequest, done: oneshot::Sender<Vec<ClientId>>) {
        self.permit.send(BusCommand::Fault { request, done });
    }

    /// Publishes one injected event, sent as given.
    pub fn publish_raw(self, event: RawEvent) {
        Stats::bump(&self.stats.events_published);
        Stats::bump(&self.stats.events_injected);
        self.permit.send(BusCommand::PublishRaw(vec![event]));
    }

    /// Publishes the frames of a replayed capture, sent as given, in order; an
    /// empty batch publishes nothing.
    pub fn publish_frames(self, frames: Vec<RawEvent>) {
        if frames.is_empty() {
            return;
        }
        for frame in &frames {
            match EventKind::from_name(frame.kind()) {
                Some(kind) => self.stats.count_published(kind),
                None => Stats::bump(&self.stats.events_published),
            }
        }
        self.permit.send(BusCommand::PublishRaw(frames));
    }
}

impl Publisher {
    /// Every attached client, by id, as `GET /sim/status` lists them. Waits for
    /// the dispatcher, so the answer reflects everything published before.
    ///
    /// # Errors
    /// [`BusClosed`] once the server has shut down.
    pub async fn clients(&self) -> Result<Vec<ClientSummary>, BusClosed> {
        let (reply, answer) = oneshot::channel();
        self.command(BusCommand::Clients { reply }).await?;
        answer.await.map_err(|_| BusClosed)
    }

    /// Every attached client and the last ones that ended, as the dashboard
    /// shows them; waits for the dispatcher, like [`Publisher::clients`].
    ///
    /// # Errors
    /// [`BusClosed`] once the server has shut down.
    pub async fn roster(&self) -> Result<Roster, BusClosed> {
        let (reply, answer) = oneshot::channel();
        self.command(BusCommand::Roster { reply }).await?;
        answer.await.map_err(|_| BusClosed)
    }

    /// Carries out a fault on the connections it targets, in order with what was
    /// published before, and returns the ids hit. A `restart` also needs the
    /// simulation restarted: `POST /sim/fault` does both.
    ///
    /// # Errors
    /// [`BusClosed`] once the server has shut down.
    pub async fn carry_out_fault(&self, request: FaultRequest) -> Result<Vec<ClientId>, BusClosed> {
        let (done, answer) = oneshot::channel();
        self.command(BusCommand::Fault { request, done }).await?;
        answer.await.map_err(|_| BusClosed)
    }
}
