//! Shared helpers: running the player in-process and the binary as a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use isymphony_sim::protocol::{Event, Profile};
use isymphony_sim::scenario::{Player, Scenario};

/// The epoch `play` uses by default.
pub const EPOCH: i64 = 1_700_000_000_000;

/// The repository root (where Cargo.toml is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under tests/scenario/.
pub fn fixture(relative: &str) -> PathBuf {
    root().join("tests/scenario").join(relative)
}

/// A shipped scenario by name.
pub fn shipped(name: &str) -> Scenario {
    Scenario::open(name).unwrap_or_else(|e| panic!("shipped scenario {name} does not load:\n{e}"))
}

/// A scenario from inline TOML, which must be valid.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_toml(text, "inline.toml")
        .unwrap_or_else(|e| panic!("inline scenario is invalid:\n{e}"))
}

/// A non-looping player with the default epoch and profile.
pub fn player(scenario: Scenario, seed: u64) -> Player {
    Player::new(scenario, seed, EPOCH, Profile::Standard, false)
        .expect("the model accepts the directory")
}

/// Every event of a whole run, in order.
pub fn events(player: &mut Player) -> Vec<Event> {
    let mut all = Vec::new();
    while player.next_due().is_some() {
        all.extend(player.advance());
    }
    all
}

/// The wire form of a whole run, one JSON object per line.
pub fn json_lines(scenario: Scenario, seed: u64) -> Vec<String> {
    let mut player = player(scenario, seed);
    let lines = events(&mut player).iter().map(Event::to_json).collect();
    assert_no_refusals(&player);
    lines
}

/// Fails with every refusal when a run had scripted-step failures or generator faults.
pub fn assert_no_refusals(player: &Player) {
    let problems: Vec<String> = player
        .step_failures()
        .iter()
        .map(ToString::to_string)
        .chain(player.generator_faults().iter().map(ToString::to_string))
        .collect();
    assert!(
        problems.is_empty(),
        "{} refused (seed {}):\n{}",
        problems.len(),
        player.seed(),
        problems.join("\n")
    );
}

/// Runs the binary with `args` in the repository root.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isymphony-sim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

/// A scratch file path unique to this test process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("isym-scenario-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The path as a &str (test paths are UTF-8).
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}
