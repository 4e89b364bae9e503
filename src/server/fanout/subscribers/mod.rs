//! The dispatcher's table of clients: each client's compiled filter, and an index
//! from (property, value) to the clients whose narrowest clause names that value,
//! so that a client whose filter cannot admit an event costs nothing for it.
//!
//! Only clients whose filters name no concrete value (no filter, or only `"*"`)
//! are checked for every event; every other client is found through the index
//! and then checked in full.
//!
//! What clients add to the vocabulary (values, made-up property names) is freed
//! by rebuilding it from the live filters: when it has doubled since the last
//! rebuild, and when a client leaves that held much of it. So it stays within a
//! small factor of what live filters name, whatever clients sent before.

use std::collections::HashMap;
use std::net::SocketAddr;

use tokio::sync::oneshot;

use crate::protocol::FilterSet;
use crate::protocol::compiled::{CompiledFilter, PropId, Symbol, Vocabulary};
use crate::server::config::SlowConsumer;
use crate::server::stats::Stats;

use super::message::{ClientId, ClientSummary, Kick, Outbound};
use super::queue::{QueueSender, Refusal, Refused};
use super::roster::{ClientView, Departures, Roster, grouped, wall_clock_ms};

/// Client words (values and made-up names) below which the vocabulary is never
/// rebuilt.
const MIN_REBUILD_WORDS: usize = 4096;

/// One client as the dispatcher sees it.
pub(crate) struct Subscriber {
    pub(crate) id: ClientId,
    /// Where it sits in the table.
    pub(crate) slot: u32,
    /// The filters as the client sent them: the source the compiled form is
    /// rebuilt from when the vocabulary is renewed.
    filters: FilterSet,
    compiled: CompiledFilter,
    /// Where it connected from, for `GET /sim/status`.
    peer: Option<SocketAddr>,
    pub(crate) queue: QueueSender<Outbound>,
    /// What a full queue does.
    policy: SlowConsumer,
    pub(crate) kick: Option<oneshot::Sender<Kick>>,
    /// Set when the client must leave the fan-out after this round.
    pub(crate) gone: bool,
    /// Positions, in the current run, of the events this client is due.
    pub(crate) due: Vec<u32>,
    /// Events still to be sent twice (`duplicate` faults).
    pub(crate) duplicates: u64,
    /// Events queued to it so far: its share of `frames_delivered`.
    pub(crate) delivered: u64,
    /// Events due to it but not queued: its share of `frames_dropped`.
    pub(crate) dropped: u64,
    /// When it attached, wall-clock epoch ms, for the dashboard.
    connected_at_ms: i64,
    /// Of its queued events, those evicted for newer ones (`drop-oldest`): its
    /// share of `frames_dropped_oldest`.
    pub(crate) dropped_oldest: u64,
}

impl Subscriber {
    /// Queues one item that is not an event (a reply, a fault's hold, close or
    /// frame): never evicted itself, but under `drop-oldest` it evicts the oldest
    /// events to make room, so a client behind still gets its replies; a full
    /// queue otherwise marks it slow, a closed one gone.
    pub(crate) fn offer(&mut self, item: Outbound, stats: &Stats) -> bool {
        let evict = self.policy == SlowConsumer::DropOldest;
        let queued = self.queue.send_kept(item, evict);
        self.settle(queued, stats)
    }

    /// Queues one event frame to a client. Under `drop-oldest` a full queue gives
    /// up its oldest events for it, counted here and in `frames_dropped_oldest`;
    /// under `disconnect` (or a queue with no event left to evict) it is slow.
    pub(crate) fn offer_event(&mut self, frame: Outbound, stats: &Stats) -> bool {
        let evict = self.policy == SlowConsumer::DropOldest;
        let queued = self.queue.send_event(frame, evict);
        self.settle(queued, stats)
    }

    /// Queues a run of event frames in order, as [`Subscriber::offer_event`]
    /// would one by one, with one wake-up of the session; how many were queued
    /// (from the first on: a refusal ends the run, as it would one by one).
    pub(crate) fn offer_events(
        &mut self,
        frames: impl IntoIterator<Item = Outbound>,
        stats: &Stats,
    ) -> u64 {
        let evict = self.policy == SlowConsumer::DropOldest;
        let run = self.queue.send_events(frames, evict);
        self.evicted(run.evicted, stats);
        match run.refused {
            None => {}
            Some(Refusal::Full) => self.slow(stats),
            Some(Refusal::Closed) => self.gone = true,
        }
        run.queued
    }

    /// Counts what a queueing evicted, or marks the client slow or gone.
    fn settle(&mut self, queued: Result<u64, Refused<Outbound>>, stats: &Stats) -> bool {
        match queued {
            Ok(evicted) => {
                self.evicted(evicted, stats);
                true
            }
            Err(Refused::Full(_)) => {
                self.slow(stats);
                false
            }
            Err(Refused::Closed(_)) => {
                self.gone = true;
                false
            }
        }
    }

    fn evicted(&mut self, evicted: u64, stats: &Stats) {
        if evicted > 0 {
            self.dropped_oldest += evicted;
            stats
                .frames_dropped_oldest
                .fetch_add(evicted, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A full queue with nothing to evict: the client is dropped with 1008.
    fn slow(&mut self, stats: &Stats) {
        let pending = self.queue.max_capacity();
        tracing::warn!(
            client = self.id.0,
            pending,
            "slow consumer: disconnecting with 1008"
        );
        Stats::bump(&stats.slow_consumer_disconnects);
        self.kick(Kick::SlowConsumer { pending });
    }

    /// The client as the dashboard's roster shows it.
    fn view(&self) -> ClientView {
        let capacity = self.queue.max_capacity();
        ClientView {
            id: self.id.0,
            peer: self.peer.map(|p| p.to_string()),
            connected_at_ms: self.connected_at_ms,
            filter: grouped(&self.filters),
            filter_entries: self.filters.rules().len(),
            delivered: self.delivered,
            dropped: self.dropped,
            queued: self.queue.queued(),
            queue_capacity: capacity,
            duplicates_pending: self.duplicates,
        }
    }

    /// Tells a client's session to end at once, and marks it gone.
    pub(crate) fn kick(&mut self, why: Kick) {
        if let Some(kick) = self.kick.take() {
            // The session may already be gone; then there is no one to tell.
            let _ = kick.send(why);
        }
        self.gone = true;
    }
}

/// Every attached client, by slot, with the index over their filters.
#[derive(Default)]
pub(crate) struct Subscribers {
    slots: Vec<Option<Subscriber>>,
    free: Vec<u32>,
    by_id: HashMap<ClientId, u32>,
    vocabulary: Vocabulary,
    /// Per property id keyed on by some client: value symbol to the slots keyed
    /// on it. Only properties with keyed clients are here, so an event visits
    /// at most one entry per such property, however many names were interned.
    index: HashMap<PropId, HashMap<Symbol, Vec<u32>>>,
    /// Slots whose filters name no concrete value: checked against every event.
    unkeyed: Vec<u32>,
    /// Client words at which the vocabulary is rebuilt from the live filters,
    /// so clients that come and go with fresh words cannot grow it without bound.
    rebuild_at: usize,
    /// The last clients that left, for the dashboard (bounded).
    departures: Departures,
    /// Filter entries of every attached client: each adds at most two words
    /// (a value and a made-up name), so twice this bounds the live words.
    live_rules: usize,
}

impl Subscribers {
    /// The vocabulary rows must be prepared with.
    pub(crate) fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// Adds a client that admits everything until it sends a filter.
    pub(crate) fn attach(
        &mut self,
        id: ClientId,
        peer: Option<SocketAddr>,
        queue: QueueSender<Outbound>,
        policy: SlowConsumer,
        kick: oneshot::Sender<Kick>,
    ) {
        let slot = self.free.pop().unwrap_or(self.slots.len() as u32);
        let subscriber = Subscriber {
            id,
            slot,
            filters: FilterSet::allow_all(),
            compiled: CompiledFilter::default(),
            peer,
            queue,
            policy,
            kick: Some(kick),
            gone: false,
            due: Vec::new(),
            duplicates: 0,
            delivered: 0,
            dropped: 0,
            connected_at_ms: wall_clock_ms(),
            dropped_oldest: 0,
        };
        match self.slots.get_mut(slot as usize) {
            Some(free) => *free = Some(subscriber),
            None => self.slots.push(Some(subscriber)),
        }
        self.by_id.insert(id, slot);
        self.add_to_index(slot);
    }

    /// The client with `id`, if attached.
    pub(crate) fn get_mut(&mut self, id: ClientId) -> Option<&mut Subscriber> {
        let slot = *self.by_id.get(&id)?;
        self.slot_mut(slot)
    }

    /// The ids of every attached client, in order.
    pub(crate) fn ids(&self) -> Vec<ClientId> {
        let mut ids: Vec<ClientId> = self.by_id.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Every attached client as `GET /sim/status` lists it, by id.
    pub(crate) fn summaries(&self) -> Vec<ClientSummary> {
        let mut list: Vec<ClientSummary> = self
            .slots
            .iter()
            .flatten()
            .map(|s| ClientSummary {
                id: s.id.0,
                peer: s.peer.map(|p| p.to_string()),
                filters: s.filters.rules().len(),
                delivered: s.delivered,
                dropped: s.dropped,
                dropped_oldest: s.dropped_oldest,
                duplicates_pending: s.duplicates,
            })
            .collect();
        list.sort_unstable_by_key(|c| c.id);
        list
    }

    /// Every attached client and the last ones that left, for the dashboard.
    pub(crate) fn roster(&self) -> Roster {
        let mut clients: Vec<ClientView> =
            self.slots.iter().flatten().map(Subscriber::view).collect();
        clients.sort_unstable_by_key(|c| c.id);
        Roster {
            clients,
            departed: self.departures.list(),
        }
    }

    /// A session ended `ending`-ly: removes the client if still attached, or
    /// tells the roster how the client the dispatcher dropped ended.
    pub(crate) fn ended(&mut self, id: ClientId, ending: String) {
        if self.by_id.contains_key(&id) {
            self.remove(id, Some(ending));
        } else {
            self.departures.ended(id.0, ending);
        }
    }

    /// The client in `slot`, if any.
    pub(crate) fn slot_mut(&mut self, slot: u32) -> Option<&mut Subscriber> {
        self.slots.get_mut(slot as usize)?.as_mut()
    }

    /// Replaces a client's filters; false when no such client is attached.
    pub(crate) fn set_filters(&mut self, id: ClientId, filters: FilterSet) -> bool {
        let Some(&slot) = self.by_id.get(&id) else {
            return false;
        };
        self.remove_from_index(slot);
        let compiled = self.vocabulary.compile(&filters);
        let added = filters.rules().len();
        if let Some(subscriber) = self.slot_mut(slot) {
            let replaced = subscriber.filters.rules().len();
            subscriber.filters = filters;
            subscriber.compiled = compiled;
            self.live_rules = self.live_rules - replaced + added;
        }
        self.add_to_index(slot);
        if self.vocabulary.client_words() > self.rebuild_at.max(MIN_REBUILD_WORDS) {
            self.rebuild();
        }
        true
    }

    /// Removes a client, if attached.
    pub(crate) fn detach(&mut self, id: ClientId) {
        self.remove(id, None);
    }

    fn remove(&mut self, id: ClientId, ending: Option<String>) {
        let Some(slot) = self.by_id.remove(&id) else {
            return;
        };
        self.remove_from_index(slot);
        if let Some(gone) = self.slots[slot as usize].take() {
            self.departures.left(gone.view(), ending);
            self.live_rules -= gone.filters.rules().len();
        }
        self.free.push(slot);
        // Free what the client added once most of the vocabulary is no longer
        // named by anyone.
        let live_bound = 2 * self.live_rules;
        if self.vocabulary.client_words() > (2 * live_bound).max(MIN_REBUILD_WORDS) {
            self.rebuild();
        }
    }

    /// Removes every client marked gone.
    pub(crate) fn remove_gone(&mut self, slots: &[u32]) {
        for &slot in slots {
            let gone = self.slots.get(slot as usize).and_then(Option::as_ref);
            if let Some(id) = gone.filter(|s| s.gone).map(|s| s.id) {
                self.detach(id);
            }
        }
    }

    /// Calls `due(slot)` for every client that admits the event whose row this is:
    /// the index candidates for the row's values, plus the unkeyed clients.
    pub(crate) fn for_each_admitting(
        &mut self,
        row: &[Symbol],
        mut due: impl FnMut(&mut Subscriber),
    ) {
        let Subscribers {
            slots,
            index,
            unkeyed,
            ..
        } = self;
        let mut visit = |slot: u32| {
            if let Some(Some(subscriber)) = slots.get_mut(slot as usize)
                && !subscriber.gone
                && subscriber.compiled.admits(row)
            {
                due(subscriber);
            }
        };
        for (property, keyed) in index.iter() {
            // Past the end of the row the event lacks the property: no key matches.
            let Some(symbol) = row.get(*property as usize) else {
                continue;
            };
            if let Some(candidates) = keyed.get(symbol) {
                candidates.iter().for_each(|&slot| visit(slot));
            }
        }
        unkeyed.iter().for_each(|&slot| visit(slot));
    }

    fn key_of(&self, slot: u32) -> Option<(PropId, Vec<Symbol>)> {
        let subscriber = self.slots.get(slot as usize)?.as_ref()?;
        let (property, symbols) = subscriber.compiled.index_key()?;
        Some((property, symbols.to_vec()))
    }

    fn add_to_index(&mut self, slot: u32) {
        match self.key_of(slot) {
            None => self.unkeyed.push(slot),
            Some((property, symbols)) => {
                let keyed = self.index.entry(property).or_default();
                for symbol in symbols {
                    keyed.entry(symbol).or_default().push(slot);
                }
            }
        }
    }

    fn remove_from_index(&mut self, slot: u32) {
        match self.key_of(slot) {
            None => {
                if let Some(at) = self.unkeyed.iter().position(|s| *s == slot) {
                    self.unkeyed.swap_remove(at);
                }
            }
            Some((property, symbols)) => {
                let Some(keyed) = self.index.get_mut(&property) else {
                    return;
                };
                for symbol in symbols {
                    if let Some(list) = keyed.get_mut(&symbol) {
                        list.retain(|s| *s != slot);
                        if list.is_empty() {
                            keyed.remove(&symbol);
                        }
                    }
                }
                if keyed.is_empty() {
                    self.index.remove(&property);
                }
            }
        }
    }

    /// Recompiles every live filter against a fresh vocabulary and rebuilds the
    /// index, dropping values no live filter names any more.
    fn rebuild(&mut self) {
        self.vocabulary = Vocabulary::new();
        self.index.clear();
        self.unkeyed.clear();
        let live: Vec<u32> = self.by_id.values().copied().collect();
        for &slot in &live {
            if let Some(Some(subscriber)) = self.slots.get_mut(slot as usize) {
                subscriber.compiled = self.vocabulary.compile(&subscriber.filters);
            }
        }
        for slot in live {
            self.add_to_index(slot);
        }
        self.rebuild_at = 2 * self.vocabulary.client_words();
        tracing::debug!(
            words = self.vocabulary.client_words(),
            "filter vocabulary rebuilt from the live filters"
        );
    }
}

#[cfg(test)]
mod tests;
