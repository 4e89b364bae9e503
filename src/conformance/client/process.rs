//! A client under test started for one case: `sh -c CMD` in its own process
//! group, with the connection details in its environment, its stdout and stderr
//! kept for the report; stopped at the end of the case with SIGTERM, then SIGKILL
//! once the grace period is over. Signals go to the whole group, so a client
//! started through a wrapper script stops with its children.

use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

/// Output kept per stream and case; the rest is counted, not kept.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024;

/// How often the runner looks whether the client has exited after a signal.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// What a client is told, as environment variables.
#[derive(Debug, Clone)]
pub struct ClientEnv {
    /// `ISYM_URL`: the Event API URL.
    pub url: String,
    /// `ISYM_LIVE_URL`: the Live API base URL.
    pub live_url: String,
    /// `ISYM_USERNAME`.
    pub username: String,
    /// `ISYM_PASSWORD`.
    pub password: String,
    /// `ISYM_CASE`: the case's name.
    pub case: String,
}

/// How a client process ended and what it printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientOutput {
    /// `exited 0`, `killed by SIGTERM`, ...
    pub ended: String,
    /// Whether it had to be killed after the grace period.
    pub killed: bool,
    /// What it wrote to stdout (at most [`MAX_OUTPUT_BYTES`]).
    pub stdout: String,
    /// What it wrote to stderr (at most [`MAX_OUTPUT_BYTES`]).
    pub stderr: String,
}

/// One stream's kept bytes.
#[derive(Debug, Default)]
struct Kept {
    bytes: Vec<u8>,
    dropped: usize,
}

/// A running client.
#[derive(Debug)]
pub struct ClientProcess {
    child: Child,
    streams: [Arc<Mutex<Kept>>; 2],
    readers: Vec<JoinHandle<()>>,
}

impl ClientProcess {
    /// Starts `command` through `sh -c` with `env`.
    ///
    /// # Errors
    /// A readable reason when it cannot be started.
    pub fn start(command: &str, env: &ClientEnv) -> Result<ClientProcess, String> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .env("ISYM_URL", &env.url)
            .env("ISYM_LIVE_URL", &env.live_url)
            .env("ISYM_USERNAME", &env.username)
            .env("ISYM_PASSWORD", &env.password)
            .env("ISYM_CASE", &env.case)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|err| format!("cannot start the client `sh -c {command}`: {err}"))?;
        let streams: [Arc<Mutex<Kept>>; 2] = [Arc::default(), Arc::default()];
        let pipes: [Option<Box<dyn Read + Send>>; 2] = [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ];
        let mut readers = Vec::new();
        // Drained on threads so a chatty client never blocks on a full pipe.
        for (pipe, kept) in pipes.into_iter().zip(&streams) {
            let Some(mut pipe) = pipe else { continue };
            let kept = Arc::clone(kept);
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                    let room = MAX_OUTPUT_BYTES.saturating_sub(kept.bytes.len());
                    let take = room.min(n);
                    kept.bytes.extend_from_slice(&buf[..take]);
                    kept.dropped += n - take;
                }
            }));
        }
        Ok(ClientProcess {
            child,
            streams,
            readers,
        })
    }

    /// Whether it has exited already (and how).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// How it exited, in words, if it has.
    pub fn exited_text(&mut self) -> Option<String> {
        self.exited().map(describe)
    }

    /// Stops it: SIGTERM to its group, SIGKILL after `grace`; returns how it
    /// ended and what it printed.
    pub async fn stop(mut self, grace: Duration) -> ClientOutput {
        let mut killed = false;
        let status = match self.exited() {
            Some(status) => Some(status),
            None => {
                signal_group(&self.child, libc::SIGTERM);
                let deadline = tokio::time::Instant::now() + grace;
                loop {
                    if let Some(status) = self.exited() {
                        break Some(status);
                    }
                    if tokio::time::Instant::now() >= deadline {
                        signal_group(&self.child, libc::SIGKILL);
                        killed = true;
                        break self.child.wait().ok();
                    }
                    tokio::time::sleep(EXIT_POLL).await;
                }
            }
        };
        // Whatever it left running in its group must not outlive the case either.
        signal_group(&self.child, libc::SIGKILL);
        let readers = std::mem::take(&mut self.readers);
        // The pipes close once the group is gone; reading them ends then (bounded,
        // should a grandchild have left the group with the pipes open).
        let joined = tokio::task::spawn_blocking(move || {
            for reader in readers {
                let _ = reader.join();
            }
        });
        let _ = tokio::time::timeout(Duration::from_secs(1), joined).await;
        ClientOutput {
            ended: status.map_or_else(|| "unknown".to_string(), describe),
            killed,
            stdout: self.text(0),
            stderr: self.text(1),
        }
    }

    fn text(&self, stream: usize) -> String {
        let kept = self.streams[stream]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut text = String::from_utf8_lossy(&kept.bytes).into_owned();
        if kept.dropped > 0 {
            text.push_str(&format!("\n[{} more bytes not kept]\n", kept.dropped));
        }
        text
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            signal_group(&self.child, libc::SIGKILL);
            let _ = self.child.wait();
        }
    }
}

/// Sends `signal` to the child's process group (its id: `process_group(0)`).
fn signal_group(child: &Child, signal: libc::c_int) {
    let Ok(group) = libc::pid_t::try_from(child.id()) else {
        return;
    };
    // SAFETY: kill(2) takes plain integers and touches no memory of ours; the
    // group is the one this child leads, so nothing else is signalled.
    unsafe {
        libc::kill(-group, signal);
    }
}

/// An exit status in words.
fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited {code}"),
        (None, Some(libc::SIGTERM)) => "stopped by SIGTERM".to_string(),
        (None, Some(libc::SIGKILL)) => "killed by SIGKILL".to_string(),
        (None, Some(signal)) => format!("ended by signal {signal}"),
        (None, None) => "ended".to_string(),
    }
}
