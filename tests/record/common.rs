//! What the record tests share: the binary, temporary files, waiting with a deadline.

use std::future::Future;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use isymphony_sim::record::Capture;

/// The safety net for every wait; tests never rely on it for timing.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Awaits `future`, failing the test with `what` if it takes longer than [`PATIENCE`].
pub async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {PATIENCE:?} waiting for {what}"),
    }
}

/// The `isymphony-sim` binary with `args`.
pub fn sim(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_isymphony-sim"));
    command
        .args(args)
        .env_remove("ISYM_PASSWORD")
        .env_remove("ISYM_USERNAME");
    command
}

/// Runs the binary to the end, off the async runtime.
pub async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        sim(&args).output().expect("the binary runs")
    })
    .await
    .expect("the blocking task")
}

/// Reads a capture the test wrote or recorded.
pub fn read(path: &Path) -> Capture {
    Capture::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// A path's text, for `Command` arguments.
pub fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// stderr of a run, for assertion messages.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
