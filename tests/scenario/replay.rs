//! Record and replay: a dumped script replays to a byte-identical event stream.

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, Scenario, dump_script, shipped as shipped_list};
use serde_json::{Map, Value};

use super::harness::{
    EPOCH, arg, assert_no_refusals, events, json_lines, run, scratch, shipped, stdout,
};

/// Plays `scenario` with `seed`, recording, and returns its lines and the dumped script.
fn record(scenario: Scenario, seed: u64) -> (Vec<String>, String) {
    let length = scenario.length_ms;
    let mut player = Player::new(scenario, seed, EPOCH, Profile::Standard, false).unwrap();
    player.record_commands();
    let lines: Vec<String> = events(&mut player).iter().map(|e| e.to_json()).collect();
    assert_no_refusals(&player);
    let script = dump_script(player.scenario(), seed, length, player.recorded());
    (lines, script)
}

#[test]
fn every_shipped_scenario_replays_byte_identically_from_its_dump() {
    for name in shipped_list::names() {
        // Arrange
        let original = shipped(name);
        let (lines, script) = record(original.clone(), 5);
        // Act
        let replay = Scenario::from_toml(&script, "dump.toml")
            .unwrap_or_else(|e| panic!("{name}: dump does not load:\n{e}"));
        // Assert
        assert_eq!(
            replay.directory, original.directory,
            "{name}: the dump changed the directory"
        );
        assert!(replay.generators.is_empty());
        assert_eq!(replay.seed, Some(5), "{name}: the dump must carry the seed");
        let replayed = json_lines(replay, 5);
        assert_eq!(replayed.len(), lines.len(), "{name}: event counts differ");
        assert!(
            replayed == lines,
            "{name}: the replay differs from the recorded run"
        );
    }
}

#[test]
fn a_replay_with_another_seed_differs_only_in_ids() {
    let (lines, script) = record(shipped("office"), 8);
    let replay = Scenario::from_toml(&script, "dump.toml").unwrap();
    let other_ids = json_lines(replay, 9);
    assert_ne!(other_ids, lines, "ids come from the seed");
    let strip = |lines: &[String]| -> Vec<Map<String, Value>> {
        lines
            .iter()
            .map(|l| {
                let mut m: Map<String, Value> = serde_json::from_str(l).unwrap();
                m.retain(|k, _| !k.contains("Id"));
                m
            })
            .collect()
    };
    assert_eq!(
        strip(&other_ids),
        strip(&lines),
        "the script alone fixes every non-id value"
    );
}

#[test]
fn dump_script_from_the_command_line_replays_identically() {
    // Arrange
    let dump = scratch("office-dump.toml");
    // Act
    let original = run(&[
        "play",
        "--scenario",
        "office",
        "--seed",
        "21",
        "--dump-script",
        arg(&dump),
    ]);
    let replay = run(&["play", "--scenario", arg(&dump)]);
    // Assert
    assert!(
        original.status.success(),
        "{}",
        String::from_utf8_lossy(&original.stderr)
    );
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(!original.stdout.is_empty());
    assert!(
        original.stdout == replay.stdout,
        "the replay differs from the original run"
    );
    let check = run(&["check", arg(&dump)]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        stdout(&check).contains(": ok (20 users, "),
        "{}",
        stdout(&check)
    );
}

#[test]
fn a_looping_run_dumps_to_a_script_that_replays_every_loop() {
    let dump = scratch("smoke-loops.toml");
    let original = run(&[
        "play",
        "--scenario",
        "smoke",
        "--seed",
        "3",
        "--until",
        "12m",
        "--dump-script",
        arg(&dump),
    ]);
    let replay = run(&["play", "--scenario", arg(&dump)]);
    assert!(original.status.success() && replay.status.success());
    assert!(original.stdout == replay.stdout);
    let lines = stdout(&original);
    // Three loops of the five-minute smoke scenario: alice logs in at 5s of each.
    assert_eq!(
        lines.matches("\"type\":\"userLogin\",\"time\":").count(),
        2 * 3,
        "{lines}"
    );
}

#[test]
fn outside_commands_are_recorded_and_replayed_too() {
    // Arrange
    let scenario = shipped("smoke");
    let length = scenario.length_ms;
    let mut player = Player::new(scenario, 7, EPOCH, Profile::Standard, false).unwrap();
    player.record_commands();
    let mut lines = Vec::new();
    // Act: a REST-style action right after the 20s batch.
    while let Some(at) = player.next_due() {
        lines.extend(player.advance().iter().map(|e| e.to_json()));
        if at == 20_000 {
            let outside = isymphony_sim::model::Command::UserLogin {
                user: "dave".into(),
                ip: "192.0.2.1".into(),
                port: 40000,
            };
            lines.extend(
                player
                    .apply_outside(outside)
                    .unwrap()
                    .iter()
                    .map(|e| e.to_json()),
            );
        }
    }
    assert_no_refusals(&player);
    let script = dump_script(player.scenario(), 7, length, player.recorded());
    // Assert
    assert!(
        script.contains("at = \"20s\"\naction = \"login\"\nuser = \"dave\""),
        "{script}"
    );
    let replayed = json_lines(Scenario::from_toml(&script, "dump.toml").unwrap(), 7);
    assert!(replayed == lines);
}

#[test]
fn outside_commands_at_a_moment_stay_between_the_last_and_the_next_batch() {
    // Arrange: the smoke run up to Alice's login at 5 s.
    let mut player = Player::new(shipped("smoke"), 7, EPOCH, Profile::Standard, false).unwrap();
    player.run_until(5_000, |_| std::ops::ControlFlow::Continue(()));
    let next = player.next_due().unwrap();
    let login = |user: &str| isymphony_sim::model::Command::UserLogin {
        user: user.into(),
        ip: "192.0.2.1".into(),
        port: 40000,
    };
    // Act: one command asks for a moment already played, one for the far future.
    let early = player.apply_outside_at(1_000, login("dave")).unwrap();
    let late = player.apply_outside_at(3_600_000, login("erin")).unwrap();
    // Assert: time never goes back, and never passes the next scheduled batch.
    assert_eq!(early[0].time, EPOCH + 5_000);
    assert_eq!(late[0].time, EPOCH + next as i64);
    assert_eq!(player.now_ms(), next);
}
