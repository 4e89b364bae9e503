//! The fan-out bus: publishers put event batches in, one dispatcher task encodes
//! each event once and hands the shared frame to every client whose filters admit it.
//!
//! The dispatcher drains every pending command, prepares each event's row once,
//! finds the admitting clients through the filter index (so rejecting clients cost
//! nothing) and then delivers client-major, so each client's writer wakes to a
//! whole batch and flushes it with one write.
//!
//! Everything that changes what a client receives (attach, filter change, reply,
//! injected fault, detach) travels through the same FIFO as the events, so it takes
//! effect at one well-defined point of the stream: events published before a filter
//! message's reply were judged by the old filters, events after it by the new ones.
//!
//! Slow consumers: each client has a bounded queue of `client_queue` items. When
//! the dispatcher finds it full, under `--slow-consumer drop-oldest` it evicts the
//! client's oldest queued events to make room (counted in `frames_dropped_oldest`
//! and per client; the session then sends a `simNotice`), and under `disconnect`
//! (or when only replies fill the queue) it drops the client from the fan-out and
//! tells the session to close with 1008 "slow consumer: N events pending". The dispatcher
//! never waits on a client, so one slow client cannot stall the others, and no
//! queue grows without bound. Nothing is dropped silently: the close frame says so,
//! a warning is logged, `slow_consumer_disconnects` is counted, and every event
//! that was due to the client but not queued is counted in `frames_dropped`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use crate::protocol::compiled::Symbol;
use crate::protocol::{Event, RawEvent};

use crate::server::stats::Stats;

use super::encoder::Encoder;
use super::faults::carry_out;
use super::message::{BusCommand, ClientId, Outbound};
use super::subscribers::Subscribers;

/// Commands the dispatcher may take in one wake-up; more wait for the next round.
const DRAIN_LIMIT: usize = 256;

/// One event of a run: built by the model, or injected as JSON text.
#[allow(
    clippy::large_enum_variant,
    reason = "typed events are the hot path: boxing them would cost an allocation per event"
)]
enum Outgoing {
    Typed(Event),
    Raw(RawEvent),
}

/// A run of encoded events waiting for fan-out, with their rows.
#[derive(Default)]
struct Run {
    events: Vec<Outgoing>,
    frames: Vec<Message>,
    /// The events' rows, back to back, prepared at fan-out time.
    rows: Vec<Symbol>,
    /// Where each event's row ends in `rows` (rows differ in length: a raw
    /// event's row reaches the made-up names it has).
    row_ends: Vec<usize>,
    /// Slots of the clients due at least one event of this run, in first-match order.
    touched: Vec<u32>,
}

/// The dispatcher task: runs until `shutdown` fires or every publisher is gone.
pub(crate) async fn dispatch(
    mut bus: mpsc::Receiver<BusCommand>,
    mut encoder: Encoder,
    shutdown: CancellationToken,
) {
    let stats = Arc::clone(encoder.stats());
    let mut subscribers = Subscribers::default();
    let mut commands = Vec::with_capacity(DRAIN_LIMIT);
    let mut run = Run::default();
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => break,
            n = bus.recv_many(&mut commands, DRAIN_LIMIT) => n,
        };
        if received == 0 {
            break;
        }
        for command in commands.drain(..) {
            match command {
                BusCommand::Publish(events) => {
                    for event in events {
                        run.frames.push(encoder.encode(&event));
                        run.events.push(Outgoing::Typed(event));
                    }
                }
                BusCommand::PublishRaw(events) => {
                    for event in events {
                        run.frames.push(encoder.encode_raw(&event));
                        run.events.push(Outgoing::Raw(event));
                    }
                }
                BusCommand::PublishScripted(events, faults) => {
                    let mut faults = faults.into_iter().peekable();
                    for (position, event) in events.into_iter().enumerate() {
                        while let Some(placed) = faults.next_if(|f| f.after_events <= position) {
                            fan_out(&mut subscribers, &mut run, &stats);
                            carry_out(&placed.request, &mut subscribers, &stats);
                        }
                        run.frames.push(encoder.encode(&event));
                        run.events.push(Outgoing::Typed(event));
                    }
                    for placed in faults {
                        fan_out(&mut subscribers, &mut run, &stats);
                        carry_out(&placed.request, &mut subscribers, &stats);
                    }
                }
                command => {
                    // A control command ends a run of events: deliver them first so
                    // the command takes effect exactly between them and what follows.
                    fan_out(&mut subscribers, &mut run, &stats);
                    apply(command, &mut subscribers, &stats);
                }
            }
        }
        fan_out(&mut subscribers, &mut run, &stats);
    }
    tracing::debug!("dispatcher stopped");
}

/// Delivers a run of encoded events client-major, so each woken writer finds a
/// whole batch rather than one frame. Finding who is due is event-major through
/// the index, so clients whose filters reject an event are never looked at.
fn fan_out(subscribers: &mut Subscribers, run: &mut Run, stats: &Stats) {
    if run.events.is_empty() {
        return;
    }
    let vocabulary = subscribers.vocabulary();
    for event in &run.events {
        match event {
            Outgoing::Typed(event) => vocabulary.prepare_into(event, &mut run.rows),
            Outgoing::Raw(event) => {
                vocabulary.prepare_raw(event.properties(), &mut run.rows);
            }
        }
        run.row_ends.push(run.rows.len());
    }
    for position in 0..run.events.len() {
        let start = position
            .checked_sub(1)
            .map_or(0, |before| run.row_ends[before]);
        let row = &run.rows[start..run.row_ends[position]];
        let touched = &mut run.touched;
        subscribers.for_each_admitting(row, |subscriber| {
            if subscriber.due.is_empty() {
                touched.push(subscriber.slot);
            }
            subscriber.due.push(position as u32);
        });
    }
    let (mut admitted, mut delivered, mut dropped, mut duplicated) = (0u64, 0u64, 0u64, 0u64);
    for &slot in &run.touched {
        let Some(subscriber) = subscribers.slot_mut(slot) else {
            continue;
        };
        let mut due = std::mem::take(&mut subscriber.due);
        admitted += due.len() as u64;
        let mut queued = 0u64;
        if subscriber.duplicates == 0 {
            // The common case: the whole run in one go, one wake-up per client.
            let frames = due
                .iter()
                .map(|&position| Outbound::Frame(run.frames[position as usize].clone()));
            queued = subscriber.offer_events(frames, stats);
        } else {
            for &position in &due {
                let frame = &run.frames[position as usize];
                if !subscriber.offer_event(Outbound::Frame(frame.clone()), stats) {
                    break;
                }
                queued += 1;
                if subscriber.duplicates > 0
                    && subscriber.offer_event(Outbound::Frame(frame.clone()), stats)
                {
                    subscriber.duplicates -= 1;
                    duplicated += 1;
                }
                if subscriber.gone {
                    break;
                }
            }
        }
        // Everything due but not queued is counted, never lost silently.
        let lost = due.len() as u64 - queued;
        subscriber.delivered += queued;
        subscriber.dropped += lost;
        delivered += queued;
        dropped += lost;
        due.clear();
        subscriber.due = due;
    }
    stats.events_admitted.fetch_add(admitted, Ordering::Relaxed);
    stats
        .frames_delivered
        .fetch_add(delivered, Ordering::Relaxed);
    stats.frames_dropped.fetch_add(dropped, Ordering::Relaxed);
    stats
        .frames_duplicated
        .fetch_add(duplicated, Ordering::Relaxed);
    subscribers.remove_gone(&run.touched);
    run.events.clear();
    run.frames.clear();
    run.rows.clear();
    run.row_ends.clear();
    run.touched.clear();
}

fn apply(command: BusCommand, subscribers: &mut Subscribers, stats: &Stats) {
    let answer = |subscribers: &mut Subscribers, id: ClientId, frame: Message| {
        if let Some(subscriber) = subscribers.get_mut(id) {
            if subscriber.offer(Outbound::Frame(frame), stats) {
                Stats::bump(&stats.replies_sent);
            } else {
                subscribers.detach(id);
            }
        }
    };
    match command {
        BusCommand::Publish(_) | BusCommand::PublishRaw(_) | BusCommand::PublishScripted(..) => {}
        BusCommand::Attach {
            id,
            peer,
            queue,
            policy,
            kick,
        } => subscribers.attach(id, peer, queue, policy, kick),
        BusCommand::SetFilter { id, filters, reply } => {
            if subscribers.set_filters(id, filters) {
                answer(subscribers, id, reply);
            }
            count_words(subscribers, stats);
        }
        BusCommand::Reply { id, frame } => answer(subscribers, id, frame),
        BusCommand::Fault { request, done } => {
            let hit = carry_out(&request, subscribers, stats);
            // The requester may have given up waiting; the fault stands anyway.
            let _ = done.send(hit);
        }
        BusCommand::Clients { reply } => {
            let _ = reply.send(subscribers.summaries());
        }
        BusCommand::Roster { reply } => {
            let _ = reply.send(subscribers.roster());
        }
        BusCommand::Detach { id, ending } => {
            subscribers.ended(id, ending);
            count_words(subscribers, stats);
        }
    }
}

/// Shows how much of the vocabulary clients' filters hold (`filterWords`).
fn count_words(subscribers: &Subscribers, stats: &Stats) {
    let words = subscribers.vocabulary().client_words() as u64;
    stats.filter_words.store(words, Ordering::Relaxed);
}
