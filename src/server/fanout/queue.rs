//! One client's bounded outgoing queue: the dispatcher pushes, the session takes.
//! Generic over the item, so that it needs nothing from `message`, which names it.
//!
//! A tokio `mpsc` channel cannot serve `--slow-consumer drop-oldest`: its sender
//! cannot take back what it queued. This queue lets the dispatcher evict the
//! oldest queued *event* frames to make room for a new one (replies, holds and
//! closes are never evicted), so the newest events get through, and it keeps the
//! count of what it evicted for the session to report in a `simNotice`
//! (docs/protocol.md §10.6). The bound is the same in both policies: never more
//! than `capacity` items wait here.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// Room an emptied queue keeps; one that grew past four times this is shrunk
/// back, so a backlog's memory does not outlive it (BENCHMARKS.md §5).
const KEEP_ITEMS: usize = 16;

/// Why an item was not queued.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused<T> {
    /// The queue holds `capacity` items and none could be evicted.
    Full(T),
    /// The session has gone.
    Closed(T),
}

struct State<T> {
    /// Items in order, each marked whether it is an event (and so evictable).
    items: VecDeque<(bool, T)>,
    /// Events evicted since the session last took a batch.
    evicted_unreported: u64,
    /// The session closed its end.
    receiver_closed: bool,
    /// The dispatcher let go of this client.
    sender_gone: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Wakes the session when an item arrives or the sender goes.
    ready: Notify,
    capacity: usize,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // A panic while holding this lock leaves the deque consistent (every
        // operation is one push or pop), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A new queue of at most `capacity` items (at least 1).
#[must_use]
pub fn client_queue<T>(capacity: usize) -> (QueueSender<T>, QueueReceiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            evicted_unreported: 0,
            receiver_closed: false,
            sender_gone: false,
        }),
        ready: Notify::new(),
        capacity: capacity.max(1),
    });
    (
        QueueSender {
            shared: Arc::clone(&shared),
        },
        QueueReceiver { shared },
    )
}

/// The dispatcher's end.
pub struct QueueSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> std::fmt::Debug for QueueSender<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QueueSender(capacity {})", self.shared.capacity)
    }
}

impl<T> QueueSender<T> {
    /// The bound.
    #[must_use]
    pub fn max_capacity(&self) -> usize {
        self.shared.capacity
    }

    /// How many items wait in the queue now (the dashboard's queue depth).
    #[must_use]
    pub fn queued(&self) -> usize {
        self.shared.lock().items.len()
    }

    /// Queues an item that is never evicted itself. With `evict`, a full queue
    /// gives up its oldest queued events to make room; returns how many.
    ///
    /// # Errors
    /// The item back, when the queue is full (and nothing could be evicted) or
    /// the session gone.
    pub fn send_kept(&self, item: T, evict: bool) -> Result<u64, Refused<T>> {
        self.push(false, item, evict)
    }

    /// Queues an event frame. With `evict`, a full queue gives up its oldest
    /// queued events to make room; returns how many were evicted.
    ///
    /// # Errors
    /// The item back, when the queue is full (and nothing could be evicted) or
    /// the session gone.
    pub fn send_event(&self, item: T, evict: bool) -> Result<u64, Refused<T>> {
        self.push(true, item, evict)
    }

    /// Queues event frames in order, as [`QueueSender::send_event`] does one by
    /// one, but under one lock and with one wake-up of the session for all of
    /// them: the dispatcher hands each client a run of events at once. Stops at
    /// the first frame that cannot be queued.
    pub fn send_events(&self, items: impl IntoIterator<Item = T>, evict: bool) -> Batch {
        let mut batch = Batch::default();
        let mut state = self.shared.lock();
        if state.receiver_closed {
            batch.refused = Some(Refusal::Closed);
            return batch;
        }
        for item in items {
            match make_room(&mut state, self.shared.capacity, evict) {
                Some(evicted) => batch.evicted += evicted,
                None => {
                    batch.refused = Some(Refusal::Full);
                    break;
                }
            }
            state.items.push_back((true, item));
            batch.queued += 1;
        }
        state.evicted_unreported += batch.evicted;
        drop(state);
        if batch.queued > 0 {
            self.shared.ready.notify_one();
        }
        batch
    }

    fn push(&self, event: bool, item: T, evict: bool) -> Result<u64, Refused<T>> {
        let mut state = self.shared.lock();
        if state.receiver_closed {
            return Err(Refused::Closed(item));
        }
        let Some(evicted) = make_room(&mut state, self.shared.capacity, evict) else {
            return Err(Refused::Full(item));
        };
        state.evicted_unreported += evicted;
        state.items.push_back((event, item));
        drop(state);
        self.shared.ready.notify_one();
        Ok(evicted)
    }
}

/// What [`QueueSender::send_events`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// Frames queued, from the first on.
    pub queued: u64,
    /// Queued events evicted to make room for them.
    pub evicted: u64,
    /// Why the rest were not queued, if they were not.
    pub refused: Option<Refusal>,
}

/// Why [`QueueSender::send_events`] stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The queue holds `capacity` items and none could be evicted.
    Full,
    /// The session has gone.
    Closed,
}

/// Evicts the oldest queued events (with `evict`) until one more item fits;
/// how many, or `None` when it cannot fit.
fn make_room<T>(state: &mut State<T>, capacity: usize, evict: bool) -> Option<u64> {
    let mut evicted = 0;
    while state.items.len() >= capacity {
        if !evict {
            return None;
        }
        let at = state.items.iter().position(|(is_event, _)| *is_event)?;
        state.items.remove(at);
        evicted += 1;
    }
    Some(evicted)
}

impl<T> Drop for QueueSender<T> {
    fn drop(&mut self) {
        self.shared.lock().sender_gone = true;
        self.shared.ready.notify_one();
    }
}

/// The session's end.
pub struct QueueReceiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> QueueReceiver<T> {
    /// Resolves once [`QueueReceiver::take`] has something to say: items, evictions
    /// not yet reported, or the sender's end. Cancel-safe; takes nothing, so the
    /// session can wait without lending out the buffer the items go to.
    pub async fn ready(&self) {
        loop {
            {
                let state = self.shared.lock();
                if !state.items.is_empty() || state.sender_gone || state.evicted_unreported > 0 {
                    return;
                }
            }
            // `notify_one` keeps a permit when no one waits, so a push between
            // the check above and this await is not missed.
            self.shared.ready.notified().await;
        }
    }

    /// Moves up to `limit` queued items into `batch`, in order, at once; returns
    /// how many, and how many events were evicted before them since the last
    /// take. `(0, 0)` means nothing is queued: once the sender is gone, the end.
    pub fn take(&mut self, batch: &mut Vec<T>, limit: usize) -> (usize, u64) {
        let mut state = self.shared.lock();
        let n = state.items.len().min(limit);
        batch.extend(state.items.drain(..n).map(|(_, item)| item));
        if state.items.is_empty() && state.items.capacity() > KEEP_ITEMS * 4 {
            // A backlog grew the queue; an idle client need not keep the room.
            state.items.shrink_to(KEEP_ITEMS);
        }
        (n, std::mem::take(&mut state.evicted_unreported))
    }

    /// Refuses every later item; what is queued stays for [`QueueReceiver::try_recv`].
    pub fn close(&mut self) {
        self.shared.lock().receiver_closed = true;
    }

    /// Takes the next queued item, if any.
    pub fn try_recv(&mut self) -> Option<T> {
        self.shared.lock().items.pop_front().map(|(_, item)| item)
    }
}

impl<T> Drop for QueueReceiver<T> {
    fn drop(&mut self) {
        self.shared.lock().receiver_closed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::fanout::message::{Message, Outbound};

    fn event(n: u32) -> Outbound {
        Outbound::Frame(Message::text(n.to_string()))
    }

    /// What the session does: waits, then moves up to `limit` items into
    /// `batch`; how many, and how many events were evicted before them.
    async fn recv_many<T>(
        rx: &mut QueueReceiver<T>,
        batch: &mut Vec<T>,
        limit: usize,
    ) -> (usize, u64) {
        rx.ready().await;
        rx.take(batch, limit)
    }

    #[tokio::test]
    async fn a_full_queue_evicts_its_oldest_events_but_never_a_reply() {
        let (tx, mut rx) = client_queue(3);
        let reply = Outbound::Frame(Message::text("reply"));
        tx.send_kept(reply.clone(), false).expect("room");
        assert_eq!(tx.send_event(event(1), true), Ok(0));
        assert_eq!(tx.send_event(event(2), true), Ok(0));
        assert_eq!(tx.send_event(event(3), false), Err(Refused::Full(event(3))));
        assert_eq!(tx.send_event(event(3), true), Ok(1));
        assert_eq!(tx.send_event(event(4), true), Ok(1));
        let mut batch = Vec::new();
        assert_eq!(recv_many(&mut rx, &mut batch, 10).await, (3, 2));
        assert_eq!(batch, vec![reply, event(3), event(4)]);
        rx.close();
        assert_eq!(
            tx.send_kept(event(5), false),
            Err(Refused::Closed(event(5)))
        );
    }

    #[tokio::test]
    async fn a_reply_to_a_full_queue_evicts_an_event_and_is_kept() {
        let (tx, mut rx) = client_queue(2);
        let reply = Outbound::Frame(Message::text("reply"));
        tx.send_event(event(1), true).expect("room");
        tx.send_event(event(2), true).expect("room");
        assert_eq!(tx.send_kept(reply.clone(), true), Ok(1));
        assert_eq!(tx.send_event(event(3), true), Ok(1));
        let mut batch = Vec::new();
        assert_eq!(recv_many(&mut rx, &mut batch, 10).await, (2, 2));
        assert_eq!(batch, vec![reply, event(3)]);
    }

    #[tokio::test]
    async fn a_queue_of_replies_only_is_full_even_when_evicting() {
        let (tx, _rx) = client_queue(1);
        let reply = Outbound::Frame(Message::text("reply"));
        tx.send_kept(reply, false).expect("room");
        assert_eq!(tx.send_event(event(1), true), Err(Refused::Full(event(1))));
    }

    #[tokio::test]
    async fn a_run_of_events_is_queued_as_one_by_one_would_be() {
        let (tx, mut rx) = client_queue(3);
        let reply = Outbound::Frame(Message::text("reply"));
        tx.send_kept(reply.clone(), false).expect("room");
        let run = tx.send_events((1..=4).map(event), true);
        assert_eq!(
            run,
            Batch {
                queued: 4,
                evicted: 2,
                refused: None
            }
        );
        let mut batch = Vec::new();
        assert_eq!(recv_many(&mut rx, &mut batch, 10).await, (3, 2));
        assert_eq!(batch, vec![reply, event(3), event(4)]);

        let run = tx.send_events((5..=9).map(event), false);
        assert_eq!(
            (run.queued, run.evicted, run.refused),
            (3, 0, Some(Refusal::Full))
        );
        rx.close();
        let run = tx.send_events([event(10)], true);
        assert_eq!((run.queued, run.refused), (0, Some(Refusal::Closed)));
    }

    #[tokio::test]
    async fn a_backlog_does_not_keep_its_room_once_taken() {
        let (tx, mut rx) = client_queue(1024);
        tx.send_events((0..1000).map(event), true);
        let capacity = || tx.shared.lock().items.capacity();
        assert!(capacity() >= 1000);
        let mut batch = Vec::new();
        assert_eq!(rx.take(&mut batch, 600), (600, 0));
        assert!(capacity() >= 400, "items still wait: the room stays");
        assert_eq!(rx.take(&mut batch, 600), (400, 0));
        assert!(capacity() < KEEP_ITEMS * 4, "{}", capacity());
    }

    #[tokio::test]
    async fn the_end_of_the_sender_ends_the_receiver_after_what_is_queued() {
        let (tx, mut rx) = client_queue(2);
        tx.send_event(event(1), true).expect("room");
        drop(tx);
        let mut batch = Vec::new();
        assert_eq!(recv_many(&mut rx, &mut batch, 10).await, (1, 0));
        assert_eq!(recv_many(&mut rx, &mut batch, 10).await, (0, 0));
    }
}
