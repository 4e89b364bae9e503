//! The shipped scenarios: they pass `check`, never make a generator misbehave, and
//! their first minutes are pinned by snapshots.

use isymphony_sim::protocol::Event;
use isymphony_sim::scenario::shipped as shipped_list;

use super::harness::{EPOCH, assert_no_refusals, player, run, shipped, stderr, stdout};

const SNAPSHOT_SEED: u64 = 42;
const SNAPSHOT_EVENTS: usize = 120;
const SNAPSHOT_MINUTES: i64 = 15;

#[test]
fn every_shipped_file_passes_check() {
    let paths: Vec<String> = shipped_list::ALL.iter().map(|s| s.path()).collect();
    let mut args = vec!["check"];
    args.extend(paths.iter().map(String::as_str));
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    for path in &paths {
        assert!(
            stdout(&output).contains(&format!("{path}: ok (")),
            "{}",
            stdout(&output)
        );
    }
}

#[test]
fn generators_never_issue_a_command_the_model_refuses() {
    for name in shipped_list::names() {
        for seed in 1..=12 {
            let mut player = player(shipped(name), seed);
            super::harness::events(&mut player);
            assert_no_refusals(&player);
        }
    }
}

#[test]
fn first_minutes_of_every_shipped_scenario() {
    for name in shipped_list::names() {
        let mut player = player(shipped(name), SNAPSHOT_SEED);
        let limit = EPOCH + SNAPSHOT_MINUTES * 60_000;
        let mut first: Vec<Event> = Vec::new();
        while first.len() < SNAPSHOT_EVENTS
            && player
                .next_due()
                .is_some_and(|at| EPOCH + at as i64 <= limit)
        {
            first.extend(player.advance());
        }
        first.truncate(SNAPSHOT_EVENTS);
        let mut text = format!(
            "scenario {name}, seed {SNAPSHOT_SEED}: the first {SNAPSHOT_EVENTS} events or {SNAPSHOT_MINUTES} virtual minutes\n"
        );
        for event in &first {
            text.push_str(&event.to_json());
            text.push('\n');
        }
        insta::assert_snapshot!(format!("first_minutes_{name}"), text);
    }
}
