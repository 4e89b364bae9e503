//! Running the binary and the example client, and reading the JSON report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use serde_json::Value;

/// Held by the tests that send a burst: two at once on a 2-core machine would
/// test the machine, not the client.
pub fn one_burst_at_a_time() -> MutexGuard<'static, ()> {
    static BURST: Mutex<()> = Mutex::new(());
    BURST.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The snapshots of the example client, committed next to these tests.
pub fn committed_snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conform_client/snapshots")
}

/// The example client's binary. `cargo test` builds examples before it runs the
/// tests; a run of this test binary alone builds it here, once.
pub fn example_client() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let bin = Path::new(env!("CARGO_BIN_EXE_isymphony-sim"));
        let example = bin
            .parent()
            .expect("the binary's folder")
            .join("examples/event_client");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/event_client.rs");
        let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let fresh = matches!((modified(&example), modified(&source)), (Some(b), Some(s)) if b >= s);
        if !fresh {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
            let status = Command::new(cargo)
                .args(["build", "--example", "event_client"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("cargo runs");
            assert!(
                status.success(),
                "cargo build --example event_client failed"
            );
        }
        example
    })
}

/// `--client` for the example client with these arguments.
pub fn client(args: &str) -> String {
    format!("{} {args}", example_client().display())
}

/// Runs `isymphony-sim conform` with `args`.
pub fn conform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isymphony-sim"))
        .arg("conform")
        .args(args)
        .output()
        .expect("the binary runs")
}

/// What a run printed, for assertion messages.
pub fn shown(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The JSON report written to `dir`.
pub fn json_report(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("conformance.json")).expect("conformance.json");
    serde_json::from_str(&text).expect("the JSON report is JSON")
}

/// The case called `name` in a JSON report.
pub fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no case {name} in {report:#}"))
}

/// The state and detail of check `id` in a case of a JSON report.
pub fn check(case: &Value, id: &str) -> (String, String) {
    let check = case["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check {id} in {case:#}"));
    (
        check["state"].as_str().unwrap_or("").to_string(),
        check["detail"].as_str().unwrap_or("").to_string(),
    )
}

/// Copies the committed snapshots into `dir`, so a test may change them.
pub fn copy_snapshots(dir: &Path) {
    std::fs::create_dir_all(dir).expect("snapshot dir");
    for entry in std::fs::read_dir(committed_snapshots()).expect("committed snapshots") {
        let entry = entry.expect("an entry");
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy a snapshot");
    }
}
