//! The simulation every part of the server shares: what plays (normally the
//! scenario player, with its PBX model) and the clock it plays on, behind one lock.
//!
//! The clock [`driver`], the Live API and the control API all go
//! through it. Whoever changes the model first reserves room on the bus, then
//! applies and publishes under the lock ([`Publisher::reserve`]): the bus carries
//! events in the order the model produced them, and a REST action's events are
//! on the bus before its 204 goes out. The lock is never held across an await.
//! Every change that can move the driver's next deadline (pause, resume, speed,
//! step, a new scenario, reset) wakes it.

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

use crate::model::{Directory, LiveError, Pbx};
use crate::protocol::{Profile, RawEvent};
use crate::scenario::{Fault, FaultRequest, Player, RunLimits, Scenario};
use crate::server::config::speed_in_range;

use crate::server::fanout::message::ClientId;
use crate::server::fanout::publisher::{BusClosed, PublishSlot, Publisher};

use clock::{Clock, utc_text};
use emitted::EmittedKinds;
use feed::{EventFeed, linted_profile, profile_of};
use timeline::Timeline;

/// The name scenario files sent to `POST /sim/scenario` have in diagnostics.
pub const POSTED_SCENARIO_PATH: &str = "request body";

mod batch;
pub(crate) mod clock;
pub(crate) mod driver;
pub(crate) mod emitted;
pub(crate) mod error;
pub(crate) mod feed;
mod playing;
mod provision;
pub(crate) mod status;
pub(crate) mod step;
pub(crate) mod timeline;

pub(crate) use error::SimError;
pub(crate) use status::RunStatus;
pub(crate) use step::{MAX_SILENT_BATCHES_PER_STEP, StepTo, Stepped};

/// How [`Simulation::play_scenario`] plays a scenario (`POST
/// /sim/scenario?seed=..&epoch=..&profile=..&loop=..`); each `None` keeps what
/// the run in play has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScenarioOptions {
    /// The root seed; else the file's, else the one in use, else a random one.
    pub seed: Option<u64>,
    /// Epoch ms of virtual time zero: event `time` counts from it.
    pub epoch_ms: Option<i64>,
    /// Which events the run emits; filter warnings follow it.
    pub profile: Option<Profile>,
    /// Whether the scenario starts over after its length.
    pub looping: Option<bool>,
}

/// The shared simulation: one per server.
pub struct Simulation {
    inner: Mutex<Inner>,
    /// Wakes the driver when its plan may be stale. `notify_one` keeps a permit
    /// when the driver is not waiting, so no change is missed.
    changed: Notify,
    /// The server's profile: scenarios posted without one emit it when nothing
    /// played before them.
    profile: Profile,
    /// The kinds of the profile in play, for filter warnings.
    emitted: EmittedKinds,
    /// What posted scenarios are read against and played under.
    limits: RunLimits,
}

struct Inner {
    /// What plays.
    feed: Box<dyn EventFeed>,
    /// The virtual clock it plays on.
    clock: Clock,
    /// Since when the model's calls, waits and stays stand (for the dashboard).
    timeline: Timeline,
    /// Runs a limit stopped since the server started (each counted once).
    runs_stopped: u64,
}

impl Inner {
    /// Records the model's times after a change; see [`Timeline`].
    fn observe(&mut self) {
        if let Some(player) = self.feed.player() {
            self.timeline.observe(player.pbx());
        }
    }
}

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl Simulation {
    /// A simulation playing `feed` from virtual time zero now, at `speed`
    /// (positive, finite), paused or not; scenarios posted later emit `profile`
    /// unless told otherwise.
    pub fn new(
        feed: Box<dyn EventFeed>,
        speed: f64,
        paused: bool,
        profile: Profile,
        limits: RunLimits,
    ) -> Self {
        let emitted = EmittedKinds::from(linted_profile(feed.as_ref(), profile));
        Simulation {
            inner: Mutex::new(Inner {
                feed,
                clock: Clock::new(Instant::now(), speed, paused),
                timeline: Timeline::default(),
                runs_stopped: 0,
            }),
            changed: Notify::new(),
            profile,
            emitted,
            limits,
        }
    }

    /// The kinds the run in play emits, kept up to date for every holder.
    pub fn emitted(&self) -> EmittedKinds {
        self.emitted.clone()
    }

    /// Plays `feed` from virtual time zero now, keeping pause and speed.
    pub fn play(&self, feed: Box<dyn EventFeed>) {
        let mut inner = self.lock();
        self.emitted
            .set(linted_profile(feed.as_ref(), self.profile));
        inner.feed = feed;
        inner.clock.restart(Instant::now());
        inner.timeline.clear();
        inner.observe();
        drop(inner);
        self.changed.notify_one();
    }

    /// Stops the clock; REST actions still apply, at the moment it stopped.
    pub fn pause(&self) {
        self.lock().clock.pause(Instant::now());
        self.changed.notify_one();
    }

    /// Lets the clock run on from where it stood.
    pub fn resume(&self) {
        self.lock().clock.resume(Instant::now());
        self.changed.notify_one();
    }

    /// Changes the speed from now on.
    ///
    /// # Errors
    /// [`SimError::BadSpeed`] unless `speed` is within
    /// [`MIN_SPEED`](crate::server::config::MIN_SPEED)..=[`MAX_SPEED`](crate::server::config::MAX_SPEED).
    pub fn set_speed(&self, speed: f64) -> Result<(), SimError> {
        if !speed_in_range(speed) {
            return Err(SimError::BadSpeed(speed));
        }
        self.lock().clock.set_speed(Instant::now(), speed);
        self.changed.notify_one();
        Ok(())
    }

    /// Applies scheduled batches (everything due at one virtual instant each) and
    /// publishes their events: to the next event, applying silent batches (a loop
    /// start, steps whose events the profile or licensing suppresses) on the way; or
    /// exactly one batch. The clock moves forward to the last batch's instant if it
    /// was behind, so a paused run then stands there.
    ///
    /// # Errors
    /// [`SimError::RunOver`] when nothing is scheduled; [`SimError::ShuttingDown`].
    pub async fn step(&self, publisher: &Publisher, to: StepTo) -> Result<Stepped, SimError> {
        let slot = publisher.reserve().await?;
        let mut inner = self.lock();
        let mut due = inner.feed.next_due().ok_or(SimError::RunOver)?;
        let mut batch = inner.advance();
        let mut batches = 1;
        // Bounded, so a scenario whose batches are all silent cannot hold the lock forever.
        while to == StepTo::NextEvent && batch.is_silent() && batches < MAX_SILENT_BATCHES_PER_STEP
        {
            let Some(next) = inner.feed.next_due() else {
                break;
            };
            due = next;
            batch = inner.advance();
            batches += 1;
        }
        inner.clock.advance_to(Instant::now(), due);
        let stepped = Stepped {
            virtual_ms: due,
            events: batch.events.len() + batch.frames.len(),
            batches,
        };
        batch.publish(slot);
        drop(inner);
        self.changed.notify_one();
        Ok(stepped)
    }

    /// Starts the scenario over: same scenario, seed and epoch, so the same ids (a
    /// `restart` fault is what gives new ones), over the directory as it stands:
    /// what the Configuration API changed stays.
    ///
    /// # Errors
    /// [`SimError::NotRestartable`] when no scenario plays.
    pub fn reset(&self) -> Result<(), SimError> {
        let recipe = {
            let mut inner = self.lock();
            let recipe = inner.feed.player().map(|player| {
                let directory = player.pbx().restart_directory();
                (player.scenario().clone(), directory, player.seed())
            });
            match recipe {
                Some(recipe) => recipe,
                None if inner.feed.rewind() => {
                    inner.clock.restart(Instant::now());
                    drop(inner);
                    self.changed.notify_one();
                    return Ok(());
                }
                None => return Err(SimError::NotRestartable),
            }
        };
        let (scenario, directory, seed) = recipe;
        self.replace(scenario, Some(directory), seed, ScenarioOptions::default())
    }

    /// Reads scenario TOML and plays it from virtual time zero, keeping clients
    /// connected. The seed is `options.seed`, else the file's, else the one in
    /// use, else a random one; what else `options` leaves out carries over from
    /// the run in play (see [`ScenarioOptions`]). Returns the seed used.
    ///
    /// # Errors
    /// [`SimError::InvalidScenario`] with every problem of the text,
    /// [`SimError::RefusedDirectory`], [`SimError::NoSeed`].
    pub fn play_scenario(&self, toml: &str, options: ScenarioOptions) -> Result<u64, SimError> {
        let scenario = Scenario::from_toml_within(toml, POSTED_SCENARIO_PATH, &self.limits)?;
        let in_use = self.lock().feed.player().map(Player::seed);
        let seed = match options.seed.or(scenario.seed).or(in_use) {
            Some(seed) => seed,
            // 53 bits, as `serve` draws them: short to type back, exact in JSON.
            None => getrandom::u64().map_err(|e| SimError::NoSeed(e.to_string()))? >> 11,
        };
        self.replace(scenario, None, seed, options)?;
        Ok(seed)
    }

    /// Builds a player outside the lock (a big directory takes a while), then
    /// swaps it in; over `directory`, else the scenario's own. What `options`
    /// leaves out carries over from the current player (epoch, profile,
    /// looping); a server that had none uses the wall clock as epoch, its own
    /// profile, and loops, like `serve`.
    fn replace(
        &self,
        scenario: Scenario,
        directory: Option<Directory>,
        seed: u64,
        options: ScenarioOptions,
    ) -> Result<(), SimError> {
        let (epoch, profile, looping) = {
            let inner = self.lock();
            match inner.feed.player() {
                Some(player) => (
                    player.epoch_ms(),
                    player.pbx().profile(),
                    player.is_looping(),
                ),
                None => (wall_clock_ms(), self.profile, true),
            }
        };
        let directory = directory.unwrap_or_else(|| scenario.directory.clone());
        let player = Player::with_directory(
            scenario,
            directory,
            seed,
            options.epoch_ms.unwrap_or(epoch),
            options.profile.unwrap_or(profile),
            options.looping.unwrap_or(looping),
        )
        .map_err(SimError::RefusedDirectory)?
        .within(self.limits);
        self.play(Box::new(player));
        Ok(())
    }

    /// Restarts the simulated server (a `restart` fault): every connection is
    /// closed with 1001 after what was queued before, and a scenario starts over
    /// with new UUIDs and a new `coreServerId` while event times go on (see
    /// [`Player::restarted`]). Returns the ids of the connections closed.
    ///
    /// # Errors
    /// [`SimError::ShuttingDown`].
    pub async fn restart(&self, publisher: &Publisher) -> Result<Vec<ClientId>, SimError> {
        let slot = publisher.reserve().await?;
        let (done, closed) = oneshot::channel();
        {
            let mut inner = self.lock();
            inner.restart_player();
            inner.observe();
            let request = FaultRequest {
                fault: Fault::Restart,
                client: None,
            };
            slot.carry_out_fault(request, done);
        }
        self.changed.notify_one();
        closed.await.map_err(|_| SimError::ShuttingDown(BusClosed))
    }

    /// Answers a Live API GET from the model.
    ///
    /// # Errors
    /// [`SimError::Live`] (404) for an unknown resource; [`SimError::NoModel`].
    pub fn live_get(&self, path: &[&str]) -> Result<Value, SimError> {
        let inner = self.lock();
        if let Some(answer) = inner.feed.live_get(path) {
            return Ok(answer?);
        }
        let player = inner.feed.player().ok_or(SimError::NoModel)?;
        Ok(player.pbx().live_get(path)?)
    }

    /// Runs a Live API action: resolves it to a command, applies it at the current
    /// virtual time and publishes its events before returning.
    ///
    /// # Errors
    /// [`SimError::Live`]: 404 unknown target, 412 bad body, 409 refused by the
    /// model; [`SimError::NoModel`]; [`SimError::ShuttingDown`].
    pub async fn live_action(
        &self,
        path: &[&str],
        body: &[u8],
        publisher: &Publisher,
    ) -> Result<(), SimError> {
        let slot = publisher.reserve().await?;
        let mut inner = self.lock();
        let Inner { feed, clock, .. } = &mut *inner;
        let now = clock.virtual_now(Instant::now());
        if let Some(answer) = feed.live_action(path, body, now) {
            slot.publish(answer?);
            return Ok(());
        }
        let player = feed.player_mut().ok_or(SimError::NoModel)?;
        let Some(command) = player.pbx().live_action(path, body)? else {
            // Already so (a call answered before): nothing to apply or publish.
            return Ok(());
        };
        let events = player
            .apply_outside_at(now, command)
            .map_err(LiveError::from)?;
        inner.observe();
        slot.publish(events);
        // The action may have planned something sooner than the driver's deadline
        // (a simulated person picking up, docs/protocol.md §10.8).
        self.changed.notify_one();
        Ok(())
    }

    /// Publishes an injected event as given, in order with the model's events.
    ///
    /// # Errors
    /// [`SimError::ShuttingDown`].
    pub async fn inject_event(
        &self,
        event: RawEvent,
        publisher: &Publisher,
    ) -> Result<(), SimError> {
        let slot = publisher.reserve().await?;
        // Under the lock, so it lands between the model's batches, never inside one.
        let _inner = self.lock();
        slot.publish_raw(event);
        Ok(())
    }

    /// Virtual ms now: what the request journal stamps requests with.
    pub fn virtual_ms(&self) -> u64 {
        self.lock().clock.virtual_now(Instant::now())
    }

    /// Runs `view` over the model and the times of its timeline, under the lock
    /// (so keep it short); `None` when no scenario plays.
    pub(crate) fn with_model<R>(&self, view: impl FnOnce(&Pbx, &Timeline) -> R) -> Option<R> {
        let inner = self.lock();
        let player = inner.feed.player()?;
        Some(view(player.pbx(), &inner.timeline))
    }

    /// Where the run stands.
    pub fn status(&self) -> RunStatus {
        let mut inner = self.lock();
        let virtual_ms = inner.clock.virtual_now(Instant::now());
        let next_due_ms = inner.feed.next_due();
        let info = inner.feed.info();
        let player = inner.feed.player();
        let epoch = player
            .map(Player::epoch_ms)
            .or_else(|| inner.feed.epoch_ms());
        RunStatus {
            scenario: info.scenario,
            seed: info.seed,
            epoch,
            virtual_ms,
            clock: epoch
                .map(|e| utc_text(e.saturating_add(i64::try_from(virtual_ms).unwrap_or(i64::MAX)))),
            paused: inner.clock.is_paused(),
            speed: inner.clock.speed(),
            loop_index: player
                .map(Player::loop_index)
                .or_else(|| inner.feed.loop_index()),
            next_due_ms,
            profile: profile_of(inner.feed.as_ref(), self.profile),
            step_failures: player.map_or(0, Player::step_failure_count),
            generator_faults: player.map_or(0, Player::generator_fault_count),
            restarts: player.map(Player::restarts),
            stopped: player.and_then(Player::stopped).map(ToString::to_string),
            runs_stopped: inner.runs_stopped,
        }
    }

    /// The wall instant of the next batch; `None` while paused, when the run is
    /// over, or when the next batch is too far away to come.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let mut inner = self.lock();
        let due = inner.feed.next_due()?;
        let deadline = inner.clock.deadline(due);
        if deadline.is_none() && !inner.clock.is_paused() {
            tracing::warn!(
                due_ms = due,
                "next event is beyond any reachable time; waiting for a change"
            );
        }
        deadline
    }

    /// Applies and publishes the next batch if its time has come by `now`; a
    /// change since the driver planned (pause, step, a new scenario) makes this a no-op.
    pub(crate) fn advance_if_due(&self, now: Instant, slot: PublishSlot<'_>) {
        let mut inner = self.lock();
        let Some(due) = inner.feed.next_due() else {
            return;
        };
        if inner.clock.deadline(due).is_some_and(|at| at <= now) {
            inner.advance().publish(slot);
        }
    }

    /// Resolves at the next change that may move the driver's deadline.
    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not take every later request down with it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Now in Unix epoch ms; 0 if the system clock is before 1970.
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
