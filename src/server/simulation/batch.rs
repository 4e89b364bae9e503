//! One batch of what plays: the model's events, the faults its steps asked for,
//! and the frames a replayed capture gives as text; and how it goes on the bus.

use crate::protocol::{Event, RawEvent};
use crate::scenario::PlacedFault;
use crate::server::fanout::publisher::PublishSlot;

/// What one batch of the feed gave.
pub(super) struct Batch {
    /// Events built by the model.
    pub(super) events: Vec<Event>,
    /// Faults its steps asked for, among those events.
    pub(super) faults: Vec<PlacedFault>,
    /// Frames to send as given after them (a replayed capture).
    pub(super) frames: Vec<RawEvent>,
}

impl Batch {
    /// Whether it gave nothing to publish (a loop start, suppressed steps).
    pub(super) fn is_silent(&self) -> bool {
        self.events.is_empty() && self.faults.is_empty() && self.frames.is_empty()
    }

    /// Publishes it through `slot`. A feed gives either typed events or frames;
    /// frames of a batch that also has events would need a second slot, so the
    /// frames then wait for none: they are logged and dropped, never silently.
    pub(super) fn publish(self, slot: PublishSlot<'_>) {
        if self.frames.is_empty() {
            slot.publish_scripted(self.events, self.faults);
        } else if self.events.is_empty() && self.faults.is_empty() {
            slot.publish_frames(self.frames);
        } else {
            tracing::error!(
                frames = self.frames.len(),
                "a feed gave typed events and frames in one batch; its frames are dropped"
            );
            slot.publish_scripted(self.events, self.faults);
        }
    }
}
