//! Playing one batch under the simulation's lock: what the feed applies, the
//! runs a limit stops, and a `restart` fault's new player put in place.

use tokio::time::Instant;

use crate::scenario::Fault;

use super::Inner;
use super::batch::Batch;

impl Inner {
    /// Applies the next batch; a `restart` fault among its steps swaps in the
    /// restarted player at once, so the batches after it are the new server's.
    pub(super) fn advance(&mut self) -> Batch {
        let is_stopped = |inner: &Inner| inner.feed.player().is_some_and(|p| p.stopped().is_some());
        let was_stopped = is_stopped(self);
        let events = self.feed.advance();
        if !was_stopped && is_stopped(self) {
            // The player has logged why; the count makes it visible in /sim/status.
            self.runs_stopped += 1;
        }
        let faults = self.feed.take_faults();
        let frames = self.feed.take_frames();
        if faults.iter().any(|f| f.request.fault == Fault::Restart) {
            self.restart_player();
        }
        self.observe();
        Batch {
            events,
            faults,
            frames,
        }
    }

    /// Puts the restarted player in place of the current one, from virtual time zero.
    pub(super) fn restart_player(&mut self) {
        let Some(player) = self.feed.player() else {
            return;
        };
        match player.restarted() {
            Ok(restarted) => {
                tracing::warn!(
                    restarts = restarted.restarts(),
                    core_server_id = %restarted.pbx().core_server().map_or("", |c| c.id.as_str()),
                    "simulated server restart: new coreServerId and UUIDs"
                );
                self.feed = Box::new(restarted);
                self.clock.restart(Instant::now());
                self.timeline.clear();
            }
            // The directory was accepted when the player was built; say so if not.
            Err(err) => tracing::error!(error = %err, "the restarted model refused its directory"),
        }
    }
}
