//! Running a file's command blocks as a person would, in order, in one shell
//! session per file: variables set in one block (`U=...`) hold in the next.
//!
//! Each logical line is run by `sh` in a scratch folder that has the repository's
//! `scenarios/` and `fixtures/`, with these stand-ins for what a person has:
//! - `cargo run --release --` and a leading `isymphony-sim` are the built binary;
//! - `127.0.0.1:58080` is a `serve` on a free port: the block's own when the block
//!   starts one, else one shared by the file's blocks (`office`, seed 1, real time);
//! - curl reads a `.curlrc` with `--fail-with-body`, so an HTTP error fails the line;
//! - a line that starts `serve` (in the foreground or with `&`) runs until the block
//!   ends (or the next `serve` line), on a free port, and must print its banner and
//!   exit 0 on SIGTERM;
//! - `websocat` lines: see `websocat.rs`.
//!
//! A line whose comment is JSON (`curl ... # {"virtualMs":1000,...}`) must print
//! that JSON. Every other line must exit 0.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::markdown::{Block, HOW_TO_MARK, Line};
use super::websocat;
use crate::BIN;

/// Safety net for one line; no line of the docs comes near it.
const PATIENCE: Duration = Duration::from_secs(120);
/// The port the docs use, replaced by the port of the `serve` in play.
const DOC_ADDRESS: &str = "127.0.0.1:58080";

/// A `serve` started for the docs.
struct Served {
    child: Child,
    address: String,
    /// What it was started as, for messages.
    line: String,
}

impl Served {
    fn start(command: &str, env: &[(String, String)], cwd: &Path) -> Result<Served, String> {
        let mut extra = String::new();
        if !command.contains("--listen") {
            extra.push_str(" --listen 127.0.0.1:0");
        }
        if command.contains("--tls") && !command.contains("--tls-listen") {
            extra.push_str(" --tls-listen 127.0.0.1:0");
        }
        let mut child = Command::new("sh")
            .args(["-c", &format!("exec {command}{extra} --quiet --log warn")])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{command}`: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + PATIENCE;
        let mut address = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                let out = child.wait_with_output().map_err(|e| e.to_string())?;
                return Err(format!(
                    "`{command}` printed no whole banner; stderr: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            };
            if address.is_none() {
                address = line
                    .split("ws://")
                    .nth(1)
                    .and_then(|rest| rest.split('/').next())
                    .map(str::to_string);
            }
            if line.trim_start().starts_with("next event:") {
                break;
            }
        }
        Ok(Served {
            child,
            address: address.ok_or_else(|| format!("`{command}` printed no ws:// URL"))?,
            line: command.to_string(),
        })
    }

    /// SIGTERM, then it must exit 0.
    fn stop(mut self) -> Result<(), String> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` exited with {status} on SIGTERM", self.line))
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One file's shell session.
pub struct Session {
    file: String,
    cwd: PathBuf,
    /// Variables set by the blocks so far, with their values.
    vars: BTreeMap<String, String>,
    /// The file's shared server, started when a line first needs one.
    shared: Option<Served>,
    /// What ran, one line each, for the test's report.
    pub log: Vec<String>,
}

impl Session {
    pub fn new(file: &str, scratch: &Path) -> Session {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let cwd = scratch.join(file.replace('/', "_"));
        std::fs::create_dir_all(cwd.join("curl")).expect("scratch folder");
        for shared in ["scenarios", "fixtures"] {
            let _ = std::os::unix::fs::symlink(root.join(shared), cwd.join(shared));
        }
        std::fs::write(
            cwd.join("curl/.curlrc"),
            "--fail-with-body\n--silent\n--show-error\n",
        )
        .expect("curlrc");
        Session {
            file: file.to_string(),
            cwd,
            vars: BTreeMap::new(),
            shared: None,
            log: Vec::new(),
        }
    }

    /// Makes the capture `name` in the scratch folder, as the docs' `record` line
    /// would from a PBX: here it records three seconds of our own `serve` (the
    /// `conference` scenario at 600x, which `--to-scenario` converts exactly).
    pub fn record_capture(&self, name: &str) -> Result<(), String> {
        if self.cwd.join(name).exists() {
            return Ok(());
        }
        let serve = format!("'{BIN}' serve --scenario conference --seed 1 --speed 600");
        let served = Served::start(&serve, &self.env(), &self.cwd)?;
        let record = format!(
            "'{BIN}' record --target ws://{}/communication_manager/ws/event --duration 3s --out {name}",
            served.address
        );
        let recorded = self.shell(&record);
        served.stop()?;
        recorded
            .map(|_| ())
            .map_err(|e| format!("cannot record {name} to replay: {e}"))
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        env.push((
            "CURL_HOME".into(),
            self.cwd.join("curl").to_string_lossy().into_owned(),
        ));
        env
    }

    /// Runs every line of `block`; the first failure names the file, block and line.
    pub fn run_block(&mut self, block: &Block) -> Result<(), String> {
        let mut own: Option<Served> = None;
        let outcome = block
            .lines
            .iter()
            .try_for_each(|line| self.run_line(line, &mut own));
        let stopped = own.map_or(Ok(()), Served::stop);
        outcome.and(stopped).map_err(|reason| {
            format!(
                "{}:{}: the block starting here fails: {reason}\n({HOW_TO_MARK}; or fix the block)",
                self.file, block.line
            )
        })
    }

    fn run_line(&mut self, line: &Line, own: &mut Option<Served>) -> Result<(), String> {
        let (command, comment) = split_comment(&line.text);
        let command = command.trim();
        if command.is_empty() {
            return Ok(());
        }
        let at = |reason: String| format!("line {} `{}`: {reason}", line.number, line.text.trim());
        let first_word = command.split_whitespace().next().unwrap_or_default();
        if ["for", "while", "until", "if", "case", "{"].contains(&first_word) {
            return Err(at(format!(
                "`{first_word}` opens a compound command, and the docs test runs one line at a time: write it on one line (or join its lines with `\\`)"
            )));
        }
        let command = substitute(command);
        if let Some(serve) = serve_command(&command) {
            if let Some(previous) = own.take() {
                previous.stop().map_err(at)?;
            }
            let served = Served::start(&serve, &self.env(), &self.cwd).map_err(at)?;
            self.log.push(format!("{}: started `{serve}`", line.number));
            *own = Some(served);
            return Ok(());
        }
        let command = if command.contains(DOC_ADDRESS) {
            let address = match own {
                Some(served) => served.address.clone(),
                None => self.shared_address().map_err(at)?,
            };
            command.replace(DOC_ADDRESS, &address)
        } else {
            command
        };
        if command.starts_with("websocat ") {
            let got = websocat::run(&command, &self.env(), PATIENCE).map_err(at)?;
            self.log.push(format!("{}: {got}", line.number));
            return Ok(());
        }
        if let Some((name, value)) = assignment(&command) {
            let value = self
                .shell(&format!("{name}={value}; printf %s \"${name}\""))
                .map_err(at)?;
            self.log.push(format!("{}: {name}={value}", line.number));
            self.vars.insert(name.to_string(), value);
            return Ok(());
        }
        let printed = self.shell(&command).map_err(at)?;
        if let Some(expected) = comment.and_then(expected_json) {
            let got: Result<serde_json::Value, _> = serde_json::from_str(printed.trim());
            if got.as_ref().ok() != Some(&expected) {
                return Err(at(format!(
                    "the docs say it prints {expected}, it printed {}",
                    printed.trim()
                )));
            }
        }
        self.log.push(format!("{}: ok `{command}`", line.number));
        Ok(())
    }

    fn shared_address(&mut self) -> Result<String, String> {
        if self.shared.is_none() {
            let serve = format!("'{BIN}' serve --seed 1");
            self.shared = Some(Served::start(&serve, &self.env(), &self.cwd)?);
        }
        Ok(self
            .shared
            .as_ref()
            .map(|s| s.address.clone())
            .unwrap_or_default())
    }

    /// Runs `command` with `sh`; its stdout when it exits 0.
    fn shell(&self, command: &str) -> Result<String, String> {
        let child = Command::new("sh")
            .args(["-c", command])
            .envs(self.env())
            .current_dir(&self.cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start sh: {e}"))?;
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let out = match rx.recv_timeout(PATIENCE) {
            Ok(out) => out.map_err(|e| e.to_string())?,
            Err(_) => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                return Err(format!("still running after {PATIENCE:?}"));
            }
        };
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            Ok(stdout)
        } else {
            Err(format!(
                "exit {}: {} {}",
                out.status
                    .code()
                    .map_or("by a signal".to_string(), |c| c.to_string()),
                stdout.trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Stops the shared server; it must exit 0 too.
    pub fn finish(mut self) -> Result<Vec<String>, String> {
        if let Some(shared) = self.shared.take() {
            shared
                .stop()
                .map_err(|e| format!("{}: the shared server: {e}", self.file))?;
        }
        Ok(std::mem::take(&mut self.log))
    }
}

/// The line with the binary for `cargo run --release --` and `isymphony-sim`.
fn substitute(command: &str) -> String {
    let bin = format!("'{BIN}' ");
    let command = command.replace("cargo run --release -- ", &bin);
    match command.strip_prefix("isymphony-sim ") {
        Some(rest) => format!("{bin}{rest}"),
        None => command,
    }
}

/// The command that starts a server, when the line is one: `BIN serve ...`, with a
/// trailing `&` taken off.
fn serve_command(command: &str) -> Option<String> {
    let bin = format!("'{BIN}' serve");
    let command = command.trim_end().trim_end_matches('&').trim_end();
    (command == bin || command.starts_with(&format!("{bin} "))).then(|| command.to_string())
}

/// `NAME=value`: a variable for the rest of the file.
fn assignment(command: &str) -> Option<(&str, &str)> {
    let (name, value) = command.split_once('=')?;
    let is_name = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    is_name.then_some((name, value))
}

/// The command and its trailing comment (after ` #` outside quotes).
fn split_comment(text: &str) -> (&str, Option<&str>) {
    if text.trim_start().starts_with('#') {
        return ("", Some(text.trim_start()[1..].trim()));
    }
    let (mut single, mut double) = (false, false);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && i > 0 && bytes[i - 1].is_ascii_whitespace() => {
                return (&text[..i], Some(text[i + 1..].trim()));
            }
            _ => {}
        }
    }
    (text, None)
}

/// The JSON a comment says the line prints, when it opens with one.
fn expected_json(comment: &str) -> Option<serde_json::Value> {
    if !comment.starts_with(['{', '[']) {
        return None;
    }
    serde_json::Deserializer::from_str(comment)
        .into_iter::<serde_json::Value>()
        .next()
        .and_then(Result::ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_split_outside_quotes_and_json_ones_are_expectations() {
        let (command, comment) =
            split_comment(r##"curl -d '{"a":"#1"}' x   # {"virtualMs":0}: the first"##);
        assert_eq!(command.trim_end(), r##"curl -d '{"a":"#1"}' x"##);
        assert_eq!(
            comment.and_then(expected_json),
            Some(serde_json::json!({"virtualMs": 0}))
        );
        assert_eq!(split_comment("# only a comment").0, "");
        assert_eq!(expected_json("a call (extension, queue)"), None);
    }

    #[test]
    fn serve_lines_assignments_and_the_binary_are_recognised() {
        let line = substitute("cargo run --release -- serve --stamp --speed 3600 &");
        assert_eq!(
            serve_command(&line),
            Some(format!("'{BIN}' serve --stamp --speed 3600"))
        );
        assert_eq!(
            serve_command(&substitute("isymphony-sim play --seed 1")),
            None
        );
        assert_eq!(assignment("U=manager:pw"), Some(("U", "manager:pw")));
        assert_eq!(assignment("curl -d a=b"), None);
    }
}
