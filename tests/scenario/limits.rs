//! Issue #17 §1: a scenario's cost is bounded. Limits known from the file are
//! refused when it is read, with `file:line:column` and the limit's name; the
//! others stop the run with an error naming the limit, and what the run holds
//! stays under the limits (counted, not measured: deterministic).

use std::time::{Duration, Instant};

use isymphony_sim::model::CallLimits;
use isymphony_sim::scenario::{Player, RunLimits, Scenario, StopReason};

use super::harness::{arg, player, run, scenario, scratch, stderr, stdout};

/// A generous wall-clock bound on a whole run: a hang or unbounded work shows
/// as minutes, never as a few seconds more on a loaded machine.
const GENEROUS: Duration = Duration::from_secs(60);

/// The file of the report: a queue nobody answers, callers with no patience.
fn flood(per_hour: &str) -> String {
    format!(
        "[scenario]
name = \"flood\"
length = \"8h\"

[[queues]]
identifier = \"q\"

[[generators]]
kind = \"inbound_calls\"
queue = \"q\"
per_hour = {per_hour}
"
    )
}

fn refused(text: &str, limits: &RunLimits) -> String {
    match Scenario::from_toml_within(text, "f.toml", limits) {
        Ok(_) => panic!("the file was accepted:\n{text}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn a_generator_rate_above_the_limit_is_refused_where_it_is_written() {
    let message = refused(&flood("1e12"), &RunLimits::default());

    assert!(
        message.starts_with("f.toml:11:12: `per_hour` = 1000000000000"),
        "{message}"
    );
    assert!(message.contains("max-generator-rate"), "{message}");
    let hourly = refused(
        &flood("1").replace("per_hour = 1", "hourly = [10, 1e9]"),
        &RunLimits::default(),
    );
    assert!(
        hourly.starts_with("f.toml:11:15: `hourly` = 1000000000"),
        "{hourly}"
    );
    for rate in ["inf", "nan", "-1"] {
        let message = refused(&flood(rate), &RunLimits::default());
        assert!(
            message.starts_with("f.toml:11:12: `per_hour`"),
            "{rate}: {message}"
        );
    }
}

#[test]
fn a_length_and_a_step_count_above_their_limits_are_refused() {
    let limits = RunLimits {
        max_steps: 2,
        max_length_ms: 3_600_000,
        ..RunLimits::default()
    };
    let long = "[scenario]\nname = \"x\"\nlength = \"2h\"\n";
    let mut steps =
        "[scenario]\nname = \"x\"\nlength = \"1h\"\n[[users]]\nusername = \"a\"\nname = \"A\"\n"
            .to_string();
    for _ in 0..3 {
        steps.push_str("[[steps]]\nat = \"1m\"\naction = \"logout\"\nuser = \"a\"\n");
    }

    let too_long = refused(long, &limits);
    let too_many = refused(&steps, &limits);

    assert!(
        too_long.starts_with("f.toml:3:10: `length` = 2h"),
        "{too_long}"
    );
    assert!(too_long.contains("max-scenario-length"), "{too_long}");
    assert!(
        too_many.starts_with("f.toml:15:1: this file has 3 steps"),
        "{too_many}"
    );
    assert!(too_many.contains("max-steps"), "{too_many}");
}

#[test]
fn a_restart_fault_at_zero_is_refused_and_one_later_is_not() {
    let file = |at: &str| {
        format!(
            "[scenario]\nname = \"r\"\nlength = \"1h\"\n\n[[steps]]\nat = \"{at}\"\naction = \"fault\"\nkind = \"restart\"\n"
        )
    };

    let at_zero = refused(&file("0s"), &RunLimits::default());
    let at_start_clock = refused(
        &file("08:00").replace("length", "starts_at = \"08:00\"\nlength"),
        &RunLimits::default(),
    );

    assert!(
        at_zero.starts_with("f.toml:6:6: a \"restart\" fault"),
        "{at_zero}"
    );
    assert!(at_zero.contains("for ever"), "{at_zero}");
    assert!(at_start_clock.contains("for ever"), "{at_start_clock}");
    assert!(Scenario::from_toml(&file("1s"), "f.toml").is_ok());
}

#[test]
fn the_flood_of_the_report_stops_at_the_queue_limit_and_stays_bounded() {
    // The most a generator may ask for, into a queue nobody answers.
    let limits = RunLimits::default();
    let mut player = player(scenario(&flood("100000")), 1).within(limits);
    let started = Instant::now();

    let mut events = 0;
    while player.next_due().is_some() {
        events += player.advance().len();
    }

    let stop = player.stopped().expect("the run stopped at a limit");
    assert!(matches!(stop.reason, StopReason::Model(_)), "{stop}");
    let shown = stop.to_string();
    assert!(
        shown.starts_with("inline.toml:8: the run stopped at ")
            && shown.contains("1000 callers waiting in one queue")
            && shown.contains("max-queue-callers"),
        "{shown}"
    );
    assert_eq!(player.pbx().waiting_in("q"), limits.calls.max_queue_callers);
    assert!(player.pbx().live_call_count() <= limits.calls.max_live_calls);
    assert_eq!(events, 0, "callers in a queue cause no event");
    assert!(started.elapsed() < GENEROUS, "took {:?}", started.elapsed());
}

#[test]
fn live_calls_are_bounded_across_queues() {
    let limits = RunLimits {
        calls: CallLimits {
            max_live_calls: 50,
            max_queue_callers: 1000,
        },
        ..RunLimits::default()
    };
    let text = flood("100000").replace(
        "[[generators]]",
        "[[queues]]\nidentifier = \"r\"\n\n[[generators]]\nkind = \"inbound_calls\"\nqueue = \"r\"\nper_hour = 100000\n\n[[generators]]",
    );
    let mut player = player(scenario(&text), 1).within(limits);

    while player.next_due().is_some() {
        player.advance();
    }

    let stop = player.stopped().expect("stopped").to_string();
    assert!(
        stop.contains("50 live calls") && stop.contains("max-live-calls"),
        "{stop}"
    );
    assert_eq!(player.pbx().live_call_count(), 50);
}

/// `n` logins of `n` users, all at 10s.
fn crowd(n: usize) -> Scenario {
    let mut text = "[scenario]\nname = \"crowd\"\nlength = \"1m\"\n".to_string();
    for i in 0..n {
        text.push_str(&format!(
            "[[users]]\nusername = \"u{i}\"\nname = \"U{i}\"\n[[steps]]\nat = \"10s\"\naction = \"login\"\nuser = \"u{i}\"\n"
        ));
    }
    scenario(&text)
}

#[test]
fn events_and_actions_per_virtual_second_stop_the_run_past_their_limits() {
    let events = RunLimits {
        max_events_per_second: 5,
        ..RunLimits::default()
    };
    let actions = RunLimits {
        max_actions_per_second: 5,
        ..RunLimits::default()
    };
    let mut by_events: Player = player(crowd(10), 1).within(events);
    let mut by_actions: Player = player(crowd(10), 1).within(actions);
    let mut within: Player = player(crowd(5), 1).within(events);

    let (mut a, mut b, mut c) = (0, 0, 0);
    while by_events.next_due().is_some() {
        a += by_events.advance().len();
    }
    while by_actions.next_due().is_some() {
        b += by_actions.advance().len();
    }
    while within.next_due().is_some() {
        c += within.advance().len();
    }

    let stopped = by_events.stopped().expect("stopped by events");
    assert_eq!(stopped.reason, StopReason::EventsPerSecond(5));
    assert_eq!(stopped.at_ms, 10_000);
    assert!(
        stopped.to_string().contains("max-events-per-second"),
        "{stopped}"
    );
    assert_eq!(a, 6, "the sixth event was the one past the limit");
    assert_eq!(
        by_actions.stopped().map(|s| s.reason.clone()),
        Some(StopReason::ActionsPerSecond(5))
    );
    assert_eq!(b, 5, "the sixth action was refused before it ran");
    assert!(within.stopped().is_none());
    assert_eq!(c, 5);
}

#[test]
fn a_restarted_player_keeps_its_limits() {
    let limits = RunLimits {
        max_events_per_second: 5,
        ..RunLimits::default()
    };
    let first = player(crowd(10), 1).within(limits);

    let mut restarted = first.restarted().expect("restarted");
    while restarted.next_due().is_some() {
        restarted.advance();
    }

    assert_eq!(restarted.limits(), &limits);
    assert!(restarted.stopped().is_some());
}

#[test]
fn check_refuses_the_flood_of_the_report_at_once_and_a_legal_one_at_its_limit() {
    let (absurd, heavy) = (scratch("absurd.toml"), scratch("heavy.toml"));
    std::fs::write(&absurd, flood("1e12")).expect("write");
    std::fs::write(&heavy, flood("100000")).expect("write");
    let started = Instant::now();

    let refused = run(&["check", arg(&absurd)]);
    let stopped = run(&["check", arg(&heavy)]);

    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("max-generator-rate"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(stopped.status.code(), Some(1), "{}", stderr(&stopped));
    let err = stderr(&stopped);
    assert!(
        err.contains("max-queue-callers") && err.contains("stopped at a limit"),
        "{err}"
    );
    assert!(started.elapsed() < GENEROUS, "took {:?}", started.elapsed());
}

#[test]
fn check_plays_within_its_budget_and_says_when_it_stopped_short() {
    let short = run(&["check", "office", "--dry-run-actions", "50"]);

    assert_eq!(short.status.code(), Some(0), "{}", stderr(&short));
    let out = stdout(&short);
    assert!(
        out.contains("the dry run stopped at ")
            && out.contains("of 8h: it used its budget of 50 actions (--dry-run-actions)"),
        "{out}"
    );
}
