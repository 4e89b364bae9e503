//! The client under test as a child process: started through `sh -c` with the
//! connection details in its environment, its output kept for failure reports, and
//! killed if it outlives its case.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::server::Credentials;

use super::suite::Case;

/// How often the runner looks whether the client has exited after its case.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// The client under test as a child process, killed if still running at the end.
pub(crate) struct ClientProcess {
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
}

impl ClientProcess {
    pub(crate) fn start(
        command: &str,
        url: &str,
        credentials: &Credentials,
        case: &Case,
    ) -> Result<ClientProcess, String> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .env("ISYM_URL", url)
            .env("ISYM_USERNAME", credentials.username())
            .env("ISYM_PASSWORD", credentials.password())
            .env("ISYM_CASE", &case.name)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot start the client `sh -c {command}`: {err}"))?;
        let output = Arc::new(Mutex::new(Vec::new()));
        // Drained on threads so a chatty client never blocks on a full pipe.
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
        for mut pipe in pipes.into_iter().flatten() {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut out) = output.lock() {
                        out.extend_from_slice(&buf[..n]);
                    }
                }
            });
        }
        Ok(ClientProcess { child, output })
    }

    /// Waits up to `patience` for the client to exit (then kills it) and returns
    /// notes: its exit status, and its output's last lines when `show_output`.
    pub(crate) async fn finish(&mut self, patience: Duration, show_output: bool) -> Vec<String> {
        let mut notes = Vec::new();
        let deadline = tokio::time::Instant::now() + patience;
        // std's Child has no async wait (tokio's process feature is not built), so poll.
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(EXIT_POLL).await;
                }
                _ => break None,
            }
        };
        match status {
            Some(status) if !status.success() => {
                notes.push(format!("the client exited with {status}"));
            }
            Some(_) => {}
            None => {
                notes.push(format!(
                    "the client was still running {patience:?} after the case; killed"
                ));
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
        if show_output {
            let output = self.output.lock().map(|o| o.clone()).unwrap_or_default();
            let text = String::from_utf8_lossy(&output);
            let lines: Vec<&str> = text.lines().collect();
            for line in &lines[lines.len().saturating_sub(10)..] {
                notes.push(format!("client output: {line}"));
            }
        }
        notes
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
