//! What the record tests share: the binary, temporary files, waiting with a deadline.

use std::future::Future;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use isymphony_sim::record::Capture;
use isymphony_sim::record::capture::{Entry, Frame, Header, Snapshot};
use isymphony_sim::record::writer::CaptureWriter;

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

/// A capture as `record` writes it: `frames` at their receive ms, after an
/// optional start snapshot.
pub fn capture_with(frames: &[(u64, &str)], snapshot: Option<Snapshot>) -> Vec<u8> {
    let header = Header::new(
        "ws://127.0.0.1:1/communication_manager/ws/event".into(),
        snapshot
            .as_ref()
            .map(|_| "http://127.0.0.1:1/live".to_string()),
        1_700_000_000_000,
        "2023-11-14T22:13:20Z".into(),
    );
    let mut out = CaptureWriter::start(Vec::new(), &header).expect("in memory");
    if let Some(snapshot) = snapshot {
        out.write(&Entry::Live(snapshot)).expect("in memory");
    }
    for (ms, text) in frames {
        out.write(&Entry::Frame(Frame {
            ms: *ms,
            text: Some((*text).to_string()),
            binary: None,
            catalogue: isymphony_sim::record::catalogue::is_catalogue_event(text),
        }))
        .expect("in memory");
    }
    out.into_inner()
}
