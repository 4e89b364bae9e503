//! The `play` and `check` commands as a user runs them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::harness::{arg, fixture, root, run, stderr, stdout};

#[test]
fn play_without_seed_prints_one_that_reproduces_the_run() {
    // Arrange: office names no seed in the file.
    let first = run(&["play", "--scenario", "office", "--until", "1h"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let err = stderr(&first);
    let seed = err
        .lines()
        .find_map(|l| l.strip_prefix("seed: "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no seed line on stderr:\n{err}"));
    assert!(
        err.contains(&format!("(rerun with --seed {seed})")),
        "{err}"
    );
    // Act
    let again = run(&[
        "play",
        "--scenario",
        "office",
        "--until",
        "1h",
        "--seed",
        seed,
    ]);
    // Assert
    assert!(
        first.stdout == again.stdout,
        "--seed {seed} did not reproduce the run"
    );
    assert!(
        !stderr(&again).contains("seed: "),
        "a given seed is not announced again"
    );
}

#[test]
fn play_uses_the_files_seed_when_none_is_given() {
    let implicit = run(&["play", "--scenario", "smoke"]);
    let explicit = run(&["play", "--scenario", "smoke", "--seed", "7"]);
    assert!(implicit.stdout == explicit.stdout);
    assert!(!stderr(&implicit).contains("seed: "));
}

#[test]
fn play_prints_json_lines_and_a_summary_with_the_epoch_applied() {
    let output = run(&["play", "--scenario", "smoke", "--epoch", "1000"]);
    assert!(output.status.success());
    let text = stdout(&output);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "userLogin");
    assert_eq!(first["time"], 1000 + 5_000);
    let summary = stderr(&output);
    assert!(
        summary.contains(&format!("played {} events", text.lines().count())),
        "{summary}"
    );
    assert!(summary.contains("5m of virtual time"), "{summary}");
}

#[test]
fn play_stops_quietly_when_the_reader_goes_away() {
    // Arrange: far more output than a pipe buffer holds.
    let mut child = Command::new(env!("CARGO_BIN_EXE_isymphony-sim"))
        .args([
            "play",
            "--scenario",
            "callcentre-peak",
            "--seed",
            "1",
            "--until",
            "12h",
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Act: read one line, then close our end (like `| head -1`).
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    drop(reader);
    let output = child.wait_with_output().unwrap();
    // Assert
    assert!(line.starts_with("{\"type\":"), "{line}");
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

#[test]
fn a_refused_step_names_file_line_and_reason_and_exits_1() {
    let path = fixture("fixtures/refused_step.toml");
    let output = run(&["play", "--scenario", arg(&path)]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let expected = format!(
        "{}:15: step at 1m \"answer\" failed: no live call `c9` (it never started or has already ended)",
        path.display()
    );
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
    // What happened before the refusal was printed; nothing after it.
    assert_eq!(stdout(&output).lines().count(), 1, "{}", stdout(&output));
}

#[test]
fn check_exit_codes_say_ok_problems_or_unreadable() {
    let ok = run(&["check", "scenarios/smoke.toml"]);
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(
        stdout(&ok),
        "scenarios/smoke.toml: ok (5 users, 31 steps, 1 generator); dry run of the whole 5m\n"
    );

    let broken = run(&[
        "check",
        "tests/scenario/broken/references.toml",
        "scenarios/smoke.toml",
    ]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(stderr(&broken).contains(
        "tests/scenario/broken/references.toml:22:16: `to` names unknown queue \"suport\""
    ));
    assert!(
        stdout(&broken).contains("scenarios/smoke.toml: ok"),
        "the other files are still checked"
    );

    let refused = run(&["check", arg(&fixture("fixtures/refused_step.toml"))]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("step at 1m \"answer\" failed"),
        "{}",
        stderr(&refused)
    );
    assert!(
        stderr(&refused).contains("1 command(s) refused in a dry run with seed 1"),
        "{}",
        stderr(&refused)
    );

    let missing = run(&["check", "no/such/file.toml", "scenarios/smoke.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no/such/file.toml"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn play_with_an_invalid_scenario_prints_every_problem() {
    let output = run(&["play", "--scenario", "tests/scenario/broken/times.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stderr(&output).lines().count(), 4, "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
}
