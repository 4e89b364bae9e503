//! Since when things have stood as they stand, for the dashboard: the model
//! keeps no times (events carry the only ones), so durations are recorded here,
//! in virtual epoch ms, each time the simulation has changed the model.
//!
//! Calls are keyed by their caller segment; waits, stays and holds by segment.
//! Observed after every batch, REST action and restart, so a time is exact to
//! the batch. Everything here is keyed by what exists in the model now, and
//! entries for what is gone are dropped at each observation: it is bounded by the
//! model's size. Agents that logged out are remembered (with when) as long as
//! their queue and extension exist, so the dashboard can show them logged out.

use std::collections::BTreeMap;

use crate::model::state::CallSegment;
use crate::model::{CallState, Pbx};

/// When one call started and since when it stands in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallTimes {
    /// When the call was first seen.
    pub(crate) started: i64,
    /// Its state when last observed.
    pub(crate) state: CallState,
    /// Since when it stands in that state.
    pub(crate) since: i64,
}

/// Times of the model's calls, queue waits, conference stays and agent logins.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    /// By the call's caller segment id (unique, unlike the call's label).
    calls: BTreeMap<String, CallTimes>,
    /// Segment id to (queue, since when it waits there).
    waits: BTreeMap<String, (String, i64)>,
    /// Segment id to (room, since when it is there).
    stays: BTreeMap<String, (String, i64)>,
    /// Segment id to since when it is on hold.
    holds: BTreeMap<String, (String, i64)>,
    /// (queue, extension) to `None` while logged in, or when it logged out.
    agents: BTreeMap<(String, String), Option<i64>>,
}

impl Timeline {
    /// Forgets everything: a new run starts.
    pub(crate) fn clear(&mut self) {
        *self = Timeline::default();
    }

    /// Records what changed in `pbx` since the last observation, at `pbx`'s now.
    pub(crate) fn observe(&mut self, pbx: &Pbx) {
        let now = pbx.now;
        self.calls
            .retain(|caller, _| pbx.calls.values().any(|c| &c.caller == caller));
        for call in pbx.calls.values() {
            let times = self.calls.entry(call.caller.clone()).or_insert(CallTimes {
                started: now,
                state: call.state,
                since: now,
            });
            if times.state != call.state {
                times.state = call.state;
                times.since = now;
            }
        }
        track(&mut self.waits, pbx, now, |s| s.queue.as_deref());
        track(&mut self.stays, pbx, now, |s| s.room.as_deref());
        track(&mut self.holds, pbx, now, |s| {
            s.on_hold.then_some("on hold")
        });

        self.agents.retain(|(queue, extension), _| {
            pbx.queues.contains_key(queue) && pbx.extensions.contains_key(extension)
        });
        for (key, out_since) in &mut self.agents {
            let logged_in = pbx
                .queues
                .get(&key.0)
                .is_some_and(|q| q.agents.contains_key(&key.1));
            match (logged_in, *out_since) {
                (false, None) => *out_since = Some(now),
                (true, Some(_)) => *out_since = None,
                _ => {}
            }
        }
        for queue in pbx.queues.values() {
            for extension in queue.agents.keys() {
                self.agents
                    .insert((queue.identifier.clone(), extension.clone()), None);
            }
        }
    }

    /// The times of the call whose caller segment is `caller`.
    pub(crate) fn call(&self, caller: &str) -> Option<CallTimes> {
        self.calls.get(caller).copied()
    }

    /// Since when segment `id` waits in its queue.
    pub(crate) fn waiting_since(&self, id: &str) -> Option<i64> {
        self.waits.get(id).map(|(_, since)| *since)
    }

    /// Since when segment `id` is in its conference room.
    pub(crate) fn in_room_since(&self, id: &str) -> Option<i64> {
        self.stays.get(id).map(|(_, since)| *since)
    }

    /// Since when segment `id` is on hold.
    pub(crate) fn held_since(&self, id: &str) -> Option<i64> {
        self.holds.get(id).map(|(_, since)| *since)
    }

    /// Agents of `queue` seen logged in before and logged out now, with when.
    pub(crate) fn logged_out(&self, queue: &str) -> impl Iterator<Item = (&str, i64)> {
        self.agents
            .iter()
            .filter(move |((q, _), _)| q == queue)
            .filter_map(|((_, extension), out)| out.map(|at| (extension.as_str(), at)))
    }
}

/// Keeps `since` for every segment `place` puts somewhere, restarting it when the
/// place changes.
fn track(
    times: &mut BTreeMap<String, (String, i64)>,
    pbx: &Pbx,
    now: i64,
    place: impl Fn(&CallSegment) -> Option<&str>,
) {
    times.retain(|id, (at, _)| {
        pbx.segments
            .get(id)
            .and_then(&place)
            .is_some_and(|p| p == at)
    });
    for (id, segment) in &pbx.segments {
        if let Some(at) = place(segment) {
            times
                .entry(id.clone())
                .or_insert_with(|| (at.to_string(), now));
        }
    }
}
