//! The Configuration API's way into the simulation: reads answered from the model,
//! changes applied at the virtual time with their events published in order.

use tokio::time::Instant;

use crate::model::Directory;
use crate::provisioning::{self, Reply, Request, Resolution};
use crate::server::fanout::publisher::Publisher;

use super::{Inner, SimError, Simulation};

impl Simulation {
    /// Answers a Configuration API request from the model: a read at once, a
    /// change applied at the current virtual time, the events of what it ended
    /// published before the answer is returned.
    ///
    /// # Errors
    /// [`SimError::NoModel`]; [`SimError::ShuttingDown`].
    pub async fn provision(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        publisher: &Publisher,
    ) -> Result<Reply, SimError> {
        let request = Request { method, path, body };
        // Reads need no room on the bus; a GET never changes anything.
        let slot = if method == "GET" {
            None
        } else {
            Some(publisher.reserve().await?)
        };
        let mut inner = self.lock();
        let Inner { feed, clock, .. } = &mut *inner;
        let now = clock.virtual_now(Instant::now());
        let player = feed.player_mut().ok_or(SimError::NoModel)?;
        let pending = match provisioning::resolve(player.pbx(), &request) {
            Resolution::Answer(reply) => return Ok(reply),
            Resolution::Change(pending) => pending,
        };
        let outcome = player.configure_outside_at(now, &pending.change);
        let reply = provisioning::finish(
            player.pbx(),
            &pending,
            &outcome,
            provisioning::base_of(path),
        );
        if let (Ok(configured), Some(slot)) = (outcome, slot) {
            slot.publish(configured.events);
        }
        Ok(reply)
    }

    /// The directory as it stands, if a model plays (what `--state` saves).
    pub fn directory(&self) -> Option<Directory> {
        self.lock().feed.player().map(|p| p.pbx().directory())
    }
}
