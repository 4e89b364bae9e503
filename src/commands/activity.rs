//! What `serve` says about its run beyond the banner: when the first event is due,
//! and a short activity line now and then (events, clients, virtual time) so that a
//! quiet stretch of the scenario does not look like a hung server. `--quiet` turns
//! the activity line off.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::Duration;

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::duration::{format_clock, format_duration};
use isymphony_sim::scenario::{Player, Scenario};
use isymphony_sim::server::{ClockHandle, Stats};

/// How often the activity line is printed, unless `--activity-every` says otherwise
/// (our default).
pub const DEFAULT_ACTIVITY_EVERY: Duration = Duration::from_secs(10);

/// How far ahead the banner looks for the first event: one loop of any shipped
/// scenario has one long before this.
const LOOKAHEAD_MS: u64 = 24 * 3_600_000;

/// Virtual ms of the first event a run of `scenario` with `seed` sends, found by
/// playing a copy of the run ahead (the run itself is untouched); `None` when
/// nothing comes within a virtual day.
pub fn first_event_ms(scenario: &Scenario, seed: u64, profile: Profile) -> Option<u64> {
    let mut probe = Player::new(scenario.clone(), seed, 0, profile, true).ok()?;
    while let Some(at) = probe.next_due().filter(|at| *at <= LOOKAHEAD_MS) {
        if !probe.advance().is_empty() {
            return Some(at);
        }
    }
    None
}

/// Where the run's virtual time falls on the scenario's clock.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioClock {
    /// Clock time of virtual zero, ms since midnight.
    pub starts_at_ms: u64,
    /// One loop, after which the clock starts over.
    pub length_ms: u64,
}

impl ScenarioClock {
    fn at(self, virtual_ms: u64) -> String {
        format_clock(self.starts_at_ms + virtual_ms % self.length_ms.max(1))
    }
}

/// The banner's line about the first event: when it is due and how to go faster.
pub fn first_event_line(
    due_ms: Option<u64>,
    clock: Option<ScenarioClock>,
    speed: f64,
    paused: bool,
) -> String {
    let Some(due) = due_ms else {
        return "  next event: none within a virtual day; POST /sim/inject sends one".to_string();
    };
    let on_clock = clock.map_or_else(String::new, |c| {
        format!(" ({} on the scenario's clock)", c.at(due))
    });
    if paused {
        return format!(
            "  next event: at {} of virtual time{on_clock}; the clock is paused: POST /sim/step plays up to it, POST /sim/resume runs on",
            format_duration(due)
        );
    }
    // `as` saturates; the wait is for people, so whole milliseconds do.
    let wall_ms = (due as f64 / speed).round() as u64;
    let when = if wall_ms == 0 {
        "at once".to_string()
    } else {
        format!("in {}", format_duration(wall_ms))
    };
    format!(
        "  next event: {when}{on_clock}; quiet stretches follow, so go faster with --speed 60 (an hour a minute) or --speed 3600"
    )
}

/// Prints the activity line every `every` until the process ends.
pub struct Activity {
    /// The server's virtual clock.
    pub clock: ClockHandle,
    /// The server's counters.
    pub stats: Arc<Stats>,
    /// How often.
    pub every: Duration,
    /// The scenario's clock, when a scenario plays.
    pub scenario: Option<ScenarioClock>,
}

impl Activity {
    /// Runs until the runtime stops. The lines go to stdout through a thread of
    /// their own, so a reader that stops reading never blocks the server: a line
    /// that finds the writer still busy is dropped.
    pub async fn run(self) {
        let Some(lines) = writer() else {
            return;
        };
        let mut tick = tokio::time::interval(self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick is at once; the banner has just been printed
        let mut last = None;
        loop {
            tick.tick().await;
            let snapshot = self.stats.snapshot();
            let virtual_ms = self.clock.virtual_ms();
            let now = (
                virtual_ms,
                snapshot.events_published,
                snapshot.frames_delivered,
                snapshot.connections_current,
            );
            // A paused clock with nothing going on says nothing new.
            if last == Some(now) {
                continue;
            }
            last = Some(now);
            let line = activity_line(
                virtual_ms,
                self.scenario,
                snapshot.events_published,
                snapshot.frames_delivered,
                snapshot.connections_current,
            );
            match lines.try_send(line) {
                Ok(()) | Err(TrySendError::Full(_)) => {}
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
    }
}

/// One activity line.
fn activity_line(
    virtual_ms: u64,
    scenario: Option<ScenarioClock>,
    events: u64,
    delivered: u64,
    clients: u64,
) -> String {
    let clock = scenario.map_or_else(String::new, |c| {
        format!("{} on the scenario's clock, ", c.at(virtual_ms))
    });
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "activity: {clock}{} of virtual time; {} so far, {} to clients; {} connected",
        format_duration(virtual_ms / 1000 * 1000),
        plural(events, "event", "events"),
        plural(delivered, "frame delivered", "frames delivered"),
        plural(clients, "client", "clients"),
    )
}

/// A thread that prints what it is sent on stdout; `None` when no thread can be
/// started (then there is no activity line, and the server runs on).
fn writer() -> Option<SyncSender<String>> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<String>(1);
    std::thread::Builder::new()
        .name("activity".into())
        .spawn(move || {
            for line in rx {
                let mut out = std::io::stdout().lock();
                // A closed stdout must not take the server down.
                let _ = writeln!(out, "{line}").and_then(|()| out.flush());
            }
        })
        .ok()?;
    Some(tx)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFICE: ScenarioClock = ScenarioClock {
        starts_at_ms: 9 * 3_600_000,
        length_ms: 8 * 3_600_000,
    };

    #[test]
    fn the_first_event_line_says_when_and_how_to_go_faster() {
        assert_eq!(
            first_event_line(Some(1000), Some(OFFICE), 1.0, false),
            "  next event: in 1s (09:00:01 on the scenario's clock); quiet stretches follow, so go faster with --speed 60 (an hour a minute) or --speed 3600"
        );
        assert!(
            first_event_line(Some(60_000), None, 60.0, false).starts_with("  next event: in 1s;")
        );
        assert!(first_event_line(Some(0), None, 1.0, false).starts_with("  next event: at once;"));
        assert!(first_event_line(Some(1000), Some(OFFICE), 1.0, true).contains("POST /sim/step"));
        assert!(first_event_line(None, None, 1.0, false).contains("none"));
    }

    #[test]
    fn the_activity_line_counts_and_tells_the_time() {
        assert_eq!(
            activity_line(61_500, Some(OFFICE), 12, 1, 1),
            "activity: 09:01:01 on the scenario's clock, 1m1s of virtual time; 12 events so far, 1 frame delivered to clients; 1 client connected"
        );
        assert_eq!(
            activity_line(OFFICE.length_ms + 1000, Some(OFFICE), 0, 0, 2),
            "activity: 09:00:01 on the scenario's clock, 8h1s of virtual time; 0 events so far, 0 frames delivered to clients; 2 clients connected"
        );
    }
}
