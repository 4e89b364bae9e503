//! A session's write side: the items it took from its queue, written in order with
//! one flush per batch, plus its pings and the holds and closes faults put in.
//!
//! [`Writer::write`] may be cancelled at any await (the session's `select!` drops
//! it when something else happens first) without losing or repeating a frame: an
//! item leaves `pending` only in the same synchronous step that hands it to the
//! sink, and whatever is still pending is taken up by the next call.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::future::poll_fn;
use futures_util::{Sink, SinkExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Bytes;

use crate::server::fanout::message::{Message, Outbound};
use crate::server::stats::Stats;

/// What the server's pings carry (`--ping-interval`), so a client's log can tell
/// them apart from its own.
pub const PING_PAYLOAD: &[u8] = b"isymphony-sim";

/// Room an emptied buffer keeps; one grown past four times this is shrunk back.
/// A batch at 2M deliveries/s to 100 clients is about 20 items, so the buffer
/// is not reallocated per batch at the rates it is measured at (BENCHMARKS.md §5).
const KEEP_ITEMS: usize = 16;

/// The write side of one session.
pub(crate) struct Writer {
    /// Items not yet written, last first (so the next one is popped).
    pending: Vec<Outbound>,
    /// A ping is to be sent before the next frame.
    ping_due: bool,
    /// Frames were handed to the sink since the last flush.
    needs_flush: bool,
    /// A `delay` fault holds the items after it until then.
    held_until: Option<Instant>,
    /// Frames handed to the sink, in all.
    written: u64,
    /// Of those, not yet added to `frames_written` (one add per batch, not per frame).
    unreported: u64,
    stats: Arc<Stats>,
}

impl Writer {
    /// An idle writer counting into `stats`.
    pub(crate) fn new(stats: Arc<Stats>) -> Self {
        Writer {
            pending: Vec::new(),
            ping_due: false,
            needs_flush: false,
            held_until: None,
            written: 0,
            unreported: 0,
            stats,
        }
    }

    /// Where the next batch from the queue goes, in queue order; call
    /// [`Writer::taken`] once it is there. Only while [`Writer::is_empty`].
    /// One buffer, not a second one to take into: every connection keeps the
    /// room its largest batch needed (BENCHMARKS.md §5).
    pub(crate) fn batch(&mut self) -> &mut Vec<Outbound> {
        &mut self.pending
    }

    /// The batch put in [`Writer::batch`] is to be written.
    pub(crate) fn taken(&mut self) {
        self.pending.reverse();
    }

    /// Whether every taken item is written; only then is more taken from the queue,
    /// so a held or blocked writer leaves the rest in the bounded queue.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether [`Writer::write`] has something to do now.
    pub(crate) fn has_work(&self) -> bool {
        self.ping_due || self.needs_flush || (self.held_until.is_none() && !self.pending.is_empty())
    }

    /// When a `delay` fault's hold ends, if one holds.
    pub(crate) fn held_until(&self) -> Option<Instant> {
        self.held_until
    }

    /// Ends the hold.
    pub(crate) fn release(&mut self) {
        self.held_until = None;
    }

    /// Asks for a ping before the next frame.
    pub(crate) fn ping_due(&mut self) {
        self.ping_due = true;
    }

    /// Frames handed to the sink so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Drops what is still pending and returns how many frames that was.
    pub(crate) fn discard(&mut self) -> u64 {
        self.report();
        let frames = self
            .pending
            .iter()
            .filter(|item| matches!(item, Outbound::Frame(_)))
            .count();
        self.pending.clear();
        frames as u64
    }

    /// Writes the ping if due, then pending frames up to a hold or a close, then
    /// flushes once. `Some((code, reason))` when a close fault came up: the frames
    /// before it are written and flushed, and the session should close.
    ///
    /// # Errors
    /// The sink's error; the connection is then lost.
    pub(crate) async fn write<Si>(
        &mut self,
        sink: &mut Pin<&mut Si>,
    ) -> Result<Option<(u16, String)>, Si::Error>
    where
        Si: Sink<Message>,
    {
        if self.ping_due {
            poll_fn(|cx| sink.as_mut().poll_ready(cx)).await?;
            self.ping_due = false;
            sink.as_mut()
                .start_send(Message::Ping(Bytes::from_static(PING_PAYLOAD)))?;
            self.needs_flush = true;
        }
        while self.held_until.is_none() {
            match self.pending.last() {
                None => break,
                Some(Outbound::Frame(_)) => {
                    poll_fn(|cx| sink.as_mut().poll_ready(cx)).await?;
                    if let Some(Outbound::Frame(frame)) = self.pending.pop() {
                        sink.as_mut().start_send(frame)?;
                        self.written += 1;
                        self.unreported += 1;
                        self.needs_flush = true;
                    }
                }
                Some(Outbound::Hold(duration)) => {
                    self.held_until = Some(Instant::now() + *duration);
                    self.pending.pop();
                }
                Some(Outbound::Close { .. }) => {
                    self.report();
                    if self.needs_flush {
                        sink.flush().await?;
                        self.needs_flush = false;
                    }
                    // Popped only now, so a cancelled flush cannot lose the close.
                    if let Some(Outbound::Close { code, reason }) = self.pending.pop() {
                        return Ok(Some((code, reason)));
                    }
                }
            }
        }
        self.report();
        if self.needs_flush {
            sink.flush().await?;
            self.needs_flush = false;
        }
        if self.pending.is_empty() && self.pending.capacity() > KEEP_ITEMS * 4 {
            // A backlog's batch grew the buffer; a client that caught up need
            // not keep the room.
            self.pending.shrink_to(KEEP_ITEMS);
        }
        Ok(None)
    }

    fn report(&mut self) {
        self.stats
            .frames_written
            .fetch_add(self.unreported, Ordering::Relaxed);
        self.unreported = 0;
    }
}
