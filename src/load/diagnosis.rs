//! What a load report's figures mean when something went wrong: notes, and the
//! failures that make `load` exit 1 besides missed thresholds.
//!
//! Our choices, documented in the README:
//! - no event in the window although clients were ready is a failure (exit 1):
//!   nothing was measured, so no figure can be trusted, and saying "0/s" with
//!   exit 0 reads as a pass;
//! - the server closing every measured client is a failure too, and when it closed
//!   them with 1008 (slow consumer) the message says which side fell behind;
//! - events the server evicted and announced (`simNotice`, `serve --slow-consumer
//!   drop-oldest`) are a note saying which side fell behind, not a failure: the
//!   clients stayed connected and the rate counts what arrived.

use super::report::LoadReport;
use super::units::micros;
use crate::server::DEFAULT_CLIENT_QUEUE;

/// The close code our server (and many others) send a client that reads too slowly.
pub const SLOW_CONSUMER: &str = "1008";

/// A load process using less than this share of its cores was not short of CPU itself.
const MOSTLY_IDLE: f64 = 0.5;

/// Notes and failures for `report`; `admits_something` is false for filters that
/// can match nothing (`--filters reject`), where zero events is the expected result.
pub fn judge(report: &LoadReport, admits_something: bool) -> (Vec<String>, Vec<String>) {
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    let ready = report.ready_measured;
    let closed: u64 = report.server.disconnects.values().sum();
    let slow = report
        .server
        .disconnects
        .get(SLOW_CONSUMER)
        .copied()
        .unwrap_or(0);
    let delay = report.load_tool.wake_delay;
    let busiest = report
        .load_tool
        .busiest_core_share
        .map_or(String::new(), |s| {
            format!(
                "; the busiest load process used {:.0}% of its cores",
                s * 100.0
            )
        });

    let all_closed = ready > 0 && closed >= ready;
    if !all_closed && ready > 0 && report.delivered == 0 && admits_something {
        failures.push(format!(
            "no events: the server sent nothing to any of the {ready} ready clients for {:.0} s. \
             Is it paused (isymphony-sim serve --paused waits for POST /sim/resume or /sim/step), \
             or too slow at its speed (serve --speed 1 is real time and the office's day starts \
             quietly: try --speed 60)? Or did it stop sending to these clients without closing \
             them, as a server that drops slow consumers silently does?{}",
            report.seconds,
            if report.filters == "all" {
                ""
            } else {
                " Or do the --filters match none of its events (try --filters all)?"
            }
        ));
    }

    if ready > 0 && slow >= ready {
        // The closes may have come before the window opened: judge the whole run.
        let before = report.load_tool.wake_delay_before_window;
        let late = delay.max_us.max(before.max_us);
        let who = if delay.behind() || before.behind() {
            format!(
                "The load tool's own clients could not keep up: its tasks woke up to {} late \
                 (in the window {}, before it {}){busiest}.",
                micros(late),
                micros(delay.max_us),
                micros(before.max_us)
            )
        } else {
            format!(
                "The load tool's tasks woke on time (at most {} late{busiest}), so the server itself may \
                 have fallen behind writing; compare its CPU.",
                micros(late)
            )
        };
        failures.push(format!(
            "every measured client was closed with 1008 (slow consumer): the server's queue of frames \
             for each client filled because they were not read as fast as they came. {who} Try: a larger \
             queue on the server (isymphony-sim serve --client-queue, default {DEFAULT_CLIENT_QUEUE} \
             frames, e.g. --client-queue 8192), fewer clients per load process (split them with \
             --shard I/N over several processes or machines), or a lower event rate."
        ));
    } else if all_closed {
        failures.push(format!(
            "the server closed every measured client before the window ended ({closed} closes); \
             the figures cover only the time before"
        ));
    } else if slow > 0 {
        notes.push(format!(
            "{slow} of {ready} measured clients were closed with 1008 (slow consumer): their queue on \
             the server (serve --client-queue, default {DEFAULT_CLIENT_QUEUE}) filled; the rate counts \
             only the clients that stayed"
        ));
    }

    let evicted = report.server.evicted_announced;
    if evicted > 0 || report.server.notices > 0 {
        let who = if delay.behind() {
            format!(
                "The load tool's own tasks woke up to {} late in the window{busiest}, so the \
                 evictions are most likely its own lag: its clients read late.",
                micros(delay.max_us)
            )
        } else {
            format!(
                "The load tool's tasks woke on time (at most {} late in the window{busiest}), so \
                 the server could not write to these clients fast enough or they were slow to \
                 read; compare the server's CPU.",
                micros(delay.max_us)
            )
        };
        notes.push(format!(
            "the server evicted {evicted} events (told by {} simNotice) for measured clients that \
             did not read fast enough: under serve --slow-consumer drop-oldest their queue on the \
             server (serve --client-queue, default {DEFAULT_CLIENT_QUEUE}) filled and its oldest \
             events made room for new ones. {who} The rate counts only what arrived",
            report.server.notices
        ));
    }

    if delay.behind() && slow < ready.max(1) {
        // Late wake-ups with CPU to spare mean other processes held the cores.
        let why = match report.load_tool.busiest_core_share {
            Some(share) if share < MOSTLY_IDLE => {
                "; it had CPU to spare, so other processes on the machine held the cores"
            }
            _ => "",
        };
        notes.push(format!(
            "the load tool fell behind: its tasks woke up to {} late (p99 {}){busiest}{why}; \
             latency includes that wait. Run fewer clients per process (--shard), on another \
             machine, or on a quieter one",
            micros(delay.max_us),
            micros(delay.p99_us)
        ));
    }
    if report.window_spread_seconds >= report.seconds && report.seconds > 0.0 {
        notes.push(format!(
            "the shards' windows started {:.1} s apart, longer than a window ({:.1} s): they did not \
             all measure at the same time, so the added-up rate overstates the load at any moment",
            report.window_spread_seconds, report.seconds
        ));
    }
    (notes, failures)
}

#[cfg(test)]
mod tests {
    use crate::load::fixtures::shard;
    use crate::load::lag::WakeDelay;
    use crate::load::measured::Measured;
    use crate::load::merge::Run;
    use crate::load::report::{LoadReport, Thresholds};

    fn report(measured: Measured, thresholds: Thresholds) -> LoadReport {
        crate::load::verdict(&Run::single(measured), &thresholds).expect("adds up")
    }

    fn closed_1008(mut m: Measured, wake_max_us: u64) -> Measured {
        let ready = m.header.counts.ready_measured;
        m.header.counts.disconnects.insert("1008".into(), ready);
        m.header.wake_delay = WakeDelay {
            p99_us: wake_max_us,
            max_us: wake_max_us,
        };
        m
    }

    #[test]
    fn zero_events_is_a_failure_that_says_why_unless_nothing_could_match() {
        let silent = report(shard(0, 1, None, &[]), Thresholds::default());
        let mut rejecting = shard(0, 1, None, &[]);
        rejecting.header.plan.admits_something = false;

        assert_eq!(silent.failures.len(), 1, "{silent}");
        assert!(
            silent.failures[0]
                .contains("the server sent nothing to any of the 30 ready clients for 10 s")
        );
        assert!(silent.failures[0].contains("--speed"));
        assert!(report(rejecting, Thresholds::default()).failures.is_empty());
        assert!(
            report(shard(0, 1, None, &[1]), Thresholds::default())
                .failures
                .is_empty()
        );
    }

    #[test]
    fn every_client_closed_1008_names_the_client_queue_and_who_fell_behind() {
        let behind = report(
            closed_1008(shard(0, 1, None, &[5]), 40_000),
            Thresholds::default(),
        );
        let on_time = report(
            closed_1008(shard(0, 1, None, &[5]), 1_000),
            Thresholds::default(),
        );

        assert_eq!(behind.failures.len(), 1, "{behind}");
        let text = &behind.failures[0];
        assert!(
            text.contains("every measured client was closed with 1008"),
            "{text}"
        );
        assert!(
            text.contains("load tool's own clients could not keep up"),
            "{text}"
        );
        assert!(text.contains("--client-queue, default 1024"), "{text}");
        assert!(
            on_time.failures[0].contains("the server itself may have fallen behind"),
            "{on_time}"
        );
    }

    #[test]
    fn announced_evictions_are_a_note_that_says_who_fell_behind_not_a_failure() {
        let evicting = |wake_max_us: u64| {
            let mut m = shard(0, 1, None, &[5]);
            m.header.counts.notices = 4;
            m.header.counts.evicted_announced = 120;
            m.header.wake_delay = WakeDelay {
                p99_us: wake_max_us,
                max_us: wake_max_us,
            };
            report(m, Thresholds::default())
        };
        let evicted_note = |r: &LoadReport| {
            r.notes
                .iter()
                .find(|n| n.starts_with("the server evicted 120 events (told by 4 simNotice)"))
                .cloned()
                .unwrap_or_else(|| panic!("no eviction note: {r}"))
        };

        let lagging = evicting(40_000);
        let on_time = evicting(1_000);
        let quiet = report(shard(0, 1, None, &[5]), Thresholds::default());

        assert!(lagging.failures.is_empty() && on_time.failures.is_empty());
        assert!(
            evicted_note(&lagging).contains("most likely its own lag"),
            "{lagging}"
        );
        let text = evicted_note(&on_time);
        assert!(
            text.contains("the server could not write to these clients fast enough"),
            "{text}"
        );
        assert!(!text.contains("its own lag"), "{text}");
        assert!(
            !quiet.notes.iter().any(|n| n.contains("evicted")),
            "{quiet}"
        );
    }

    #[test]
    fn some_clients_closed_1008_is_a_note_not_a_failure() {
        let mut m = shard(0, 1, None, &[5]);
        m.header.counts.disconnects.insert("1008".into(), 3);

        let r = report(m, Thresholds::default());

        assert!(r.failures.is_empty(), "{r}");
        assert!(
            r.notes
                .iter()
                .any(|n| n.starts_with("3 of 30 measured clients were closed with 1008")),
            "{r}"
        );
    }
}
