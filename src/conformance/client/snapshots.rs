//! The client suite's snapshots: one `<case>.snap` per case in `--snapshots DIR`
//! (default `conformance-snapshots/`), in insta's format so `cargo insta review`
//! can read them too. A transcript that differs from its snapshot, or has none,
//! is written next to it as `<case>.snap.new` and the case is pending (exit 1)
//! until someone accepts it: `conform review`, or a run with `--accept`.
//!
//! Accepting only ever changes what the transcript is compared with; the
//! behaviour checks are decided before and apart from it.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::super::diff::diff_lines;
use super::super::snapshot::{body_of, normalise};

/// Where the client suite's snapshots live unless `--snapshots` says otherwise.
pub const DEFAULT_SNAPSHOT_DIR: &str = "conformance-snapshots";

/// How one case's transcript compared with its snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotState {
    /// The same as the stored snapshot.
    Matched,
    /// No snapshot yet: `.snap.new` written, pending.
    New,
    /// Differs from the stored snapshot: `.snap.new` written, pending.
    Changed,
    /// Written as the snapshot (`--accept`).
    Accepted,
    /// Not compared (`--check-determinism`, or the case could not run).
    Skipped,
}

impl SnapshotState {
    /// Whether it leaves the case pending.
    pub fn is_pending(self) -> bool {
        matches!(self, SnapshotState::New | SnapshotState::Changed)
    }

    /// The words the reports show.
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotState::Matched => "snapshot matches",
            SnapshotState::New => "new snapshot pending",
            SnapshotState::Changed => "changed snapshot pending",
            SnapshotState::Accepted => "snapshot accepted",
            SnapshotState::Skipped => "snapshot not compared",
        }
    }
}

/// A snapshot file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("snapshot {path}: {source}")]
pub struct SnapshotFileError {
    /// The file.
    pub path: String,
    /// The I/O error.
    pub source: std::io::Error,
}

/// The header fields of one case's snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotHeader<'a> {
    /// The case's name.
    pub case: &'a str,
    /// What it checks.
    pub description: &'a str,
    /// The scenario it plays.
    pub scenario: &'a str,
    /// Its seed.
    pub seed: u64,
}

/// `<dir>/<case>.snap`.
pub fn snap_path(dir: &Path, case: &str) -> PathBuf {
    dir.join(format!("{case}.snap"))
}

/// `<dir>/<case>.snap.new`.
pub fn pending_path(dir: &Path, case: &str) -> PathBuf {
    dir.join(format!("{case}.snap.new"))
}

/// Compares `transcript` with the case's snapshot in `dir`; writes `.snap.new`
/// (or, with `accept`, the `.snap`) when they differ. The state, and the stored
/// body it was compared with.
///
/// # Errors
/// A file that exists but cannot be read, or cannot be written.
pub fn compare(
    dir: &Path,
    header: &SnapshotHeader<'_>,
    transcript: &str,
    accept: bool,
) -> Result<(SnapshotState, Option<String>), SnapshotFileError> {
    let snap = snap_path(dir, header.case);
    let pending = pending_path(dir, header.case);
    let actual = normalise(transcript);
    let stored = read(&snap)?;
    if stored.as_deref() == Some(actual.as_str()) {
        remove(&pending)?;
        return Ok((SnapshotState::Matched, stored));
    }
    if accept {
        write(&snap, header, &actual)?;
        remove(&pending)?;
        return Ok((SnapshotState::Accepted, stored));
    }
    write(&pending, header, &actual)?;
    let state = if stored.is_some() {
        SnapshotState::Changed
    } else {
        SnapshotState::New
    };
    Ok((state, stored))
}

fn read(path: &Path) -> Result<Option<String>, SnapshotFileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(body_of(&text))),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(file_error(path, source)),
    }
}

fn remove(path: &Path) -> Result<(), SnapshotFileError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(file_error(path, source)),
    }
}

fn file_error(path: &Path, source: std::io::Error) -> SnapshotFileError {
    SnapshotFileError {
        path: path.display().to_string(),
        source,
    }
}

fn write(path: &Path, header: &SnapshotHeader<'_>, body: &str) -> Result<(), SnapshotFileError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    }
    let quote = |text: &str| serde_json::Value::String(text.to_string()).to_string();
    let text = format!(
        "---\nsource: {}\ndescription: {}\nexpression: {}\ninfo:\n  case: {}\n  scenario: {}\n  seed: {}\n---\n{body}\n",
        quote("isymphony-sim conform --client"),
        quote(header.description),
        quote(header.case),
        quote(header.case),
        quote(header.scenario),
        header.seed,
    );
    std::fs::write(path, text).map_err(|e| file_error(path, e))
}

/// What `conform review` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reviewed {
    /// Accepted: `.snap.new` became `.snap`.
    pub accepted: Vec<String>,
    /// Rejected: `.snap.new` deleted.
    pub rejected: Vec<String>,
    /// Left pending.
    pub skipped: Vec<String>,
}

/// Every pending snapshot in `dir`, sorted by case name.
///
/// # Errors
/// The directory cannot be read (a missing one has none pending).
pub fn pending(dir: &Path) -> Result<Vec<String>, SnapshotFileError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(file_error(dir, source)),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".snap.new")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Shows each pending snapshot's diff on `out` and asks on `answers` (one line
/// each: `a`ccept, `r`eject, anything else skips), as `cargo insta review` does;
/// with `accept_all`, accepts every one without asking.
///
/// # Errors
/// A snapshot file cannot be read, renamed or deleted, or `out` cannot be written.
pub fn review(
    dir: &Path,
    accept_all: bool,
    answers: &mut dyn BufRead,
    out: &mut dyn std::io::Write,
) -> Result<Reviewed, SnapshotFileError> {
    let mut done = Reviewed::default();
    let io = |e| file_error(Path::new("(output)"), e);
    for case in pending(dir)? {
        let new_path = pending_path(dir, &case);
        let snap = snap_path(dir, &case);
        let new_body = read(&new_path)?.unwrap_or_default();
        let old_body = read(&snap)?;
        writeln!(out, "\n{} ({})", case, new_path.display()).map_err(io)?;
        match &old_body {
            None => {
                writeln!(out, "  new snapshot:").map_err(io)?;
                for line in new_body.lines() {
                    writeln!(out, "  +{line}").map_err(io)?;
                }
            }
            Some(old) => {
                writeln!(
                    out,
                    "  --- {}\n  +++ {}",
                    snap.display(),
                    new_path.display()
                )
                .map_err(io)?;
                for line in diff_lines(old, &new_body) {
                    writeln!(out, "  {}{}", line.tag, line.text).map_err(io)?;
                }
            }
        }
        let answer = if accept_all {
            "a".to_string()
        } else {
            write!(out, "  accept? [a]ccept / [r]eject / [s]kip: ").map_err(io)?;
            out.flush().map_err(io)?;
            let mut line = String::new();
            answers.read_line(&mut line).map_err(io)?;
            line.trim().to_lowercase()
        };
        match answer.as_str() {
            "a" | "accept" | "y" | "yes" => {
                std::fs::rename(&new_path, &snap).map_err(|e| file_error(&new_path, e))?;
                writeln!(out, "  accepted").map_err(io)?;
                done.accepted.push(case);
            }
            "r" | "reject" | "n" | "no" => {
                remove(&new_path)?;
                writeln!(out, "  rejected").map_err(io)?;
                done.rejected.push(case);
            }
            _ => {
                writeln!(out, "  skipped").map_err(io)?;
                done.skipped.push(case);
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> SnapshotHeader<'static> {
        SnapshotHeader {
            case: "filters_early",
            description: "a case",
            scenario: "smoke",
            seed: 7,
        }
    }

    #[test]
    fn a_new_transcript_is_pending_until_reviewed_then_matches() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("snapshots");
        let (state, _) = compare(&dir, &header(), "line 1\n", false).unwrap();
        assert_eq!(state, SnapshotState::New);
        assert_eq!(pending(&dir).unwrap(), vec!["filters_early".to_string()]);
        let mut out = Vec::new();
        let done = review(&dir, false, &mut "a\n".as_bytes(), &mut out).unwrap();
        assert_eq!(done.accepted, vec!["filters_early".to_string()]);
        assert_eq!(
            compare(&dir, &header(), "line 1", false).unwrap().0,
            SnapshotState::Matched
        );
        let (state, stored) = compare(&dir, &header(), "line 2", false).unwrap();
        assert_eq!(
            (state, stored.as_deref()),
            (SnapshotState::Changed, Some("line 1"))
        );
        let done = review(&dir, false, &mut "r\n".as_bytes(), &mut out).unwrap();
        assert_eq!(done.rejected.len(), 1);
        assert!(pending(&dir).unwrap().is_empty());
        assert_eq!(
            compare(&dir, &header(), "line 2", true).unwrap().0,
            SnapshotState::Accepted
        );
        assert_eq!(
            compare(&dir, &header(), "line 2", false).unwrap().0,
            SnapshotState::Matched
        );
    }
}
