//! Expected transcripts, stored as insta snapshot files (`<case>.snap`).
//!
//! The runner must work outside `cargo test`, where insta is not linked, so it reads
//! and writes the files itself. It keeps insta's layout — a YAML header between two
//! `---` lines, then the body — so the test suite can assert the same files with
//! `insta::assert_snapshot!` and people can review changes with `cargo insta review`.
//! Like insta, only the body is compared, ignoring trailing whitespace.

use std::path::{Path, PathBuf};

use super::suite::Case;

/// Where `case`'s snapshot lives in `dir`.
pub fn snapshot_path(dir: &Path, case: &Case) -> PathBuf {
    dir.join(format!("{}.snap", case.name))
}

/// A snapshot file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("snapshot {path}: {source}")]
pub struct SnapshotError {
    /// The file.
    pub path: String,
    /// The I/O error.
    pub source: std::io::Error,
}

/// The body of the snapshot at `path`; `None` when there is no such file.
///
/// # Errors
/// [`SnapshotError`] when the file exists but cannot be read.
pub fn read_body(path: &Path) -> Result<Option<String>, SnapshotError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SnapshotError {
                path: path.display().to_string(),
                source,
            });
        }
    };
    Ok(Some(body_of(&text)))
}

/// The body of a snapshot file's text, normalised the way insta compares it.
pub fn body_of(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let body = match text.strip_prefix("---\n") {
        Some(rest) => match rest.find("\n---\n") {
            Some(end) => &rest[end + 5..],
            None => rest,
        },
        None => text.as_str(),
    };
    normalise(body)
}

/// A transcript body as compared: without trailing whitespace.
pub fn normalise(body: &str) -> String {
    body.trim_end().to_string()
}

/// The header the runner writes, the same fields the test suite gives insta: the
/// case's description and, as `info`, its scenario, seed, end and profile.
pub fn header(case: &Case) -> String {
    format!(
        "---\nsource: {source}\ndescription: {description}\ninfo:\n  scenario: {scenario}\n  seed: {seed}\n  until: {until}\n  profile: {profile}\n---\n",
        // The test that asserts the reference suite with insta: same header, no churn.
        source = yaml_string("tests/conformance/in_process.rs"),
        description = yaml_string(&case.description),
        scenario = yaml_string(&case.scenario_name),
        seed = case.seed,
        until = yaml_string(&crate::scenario::duration::format_duration(case.until_ms)),
        profile = match case.profile {
            crate::protocol::Profile::Standard => "standard",
            crate::protocol::Profile::Extended => "extended",
        },
    )
}

/// Writes `body` as `case`'s snapshot at `path`, creating the directory.
///
/// # Errors
/// [`SnapshotError`] when the file cannot be written.
pub fn write(path: &Path, case: &Case, body: &str) -> Result<(), SnapshotError> {
    let error = |source| SnapshotError {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(error)?;
    }
    let text = format!("{}{}\n", header(case), normalise(body));
    std::fs::write(path, text).map_err(error)
}

/// A YAML scalar: plain when that is unambiguous, else double-quoted (JSON strings
/// are valid YAML).
fn yaml_string(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-./()".contains(c))
        && !value.starts_with([' ', '-'])
        && !value.ends_with(' ')
        && value.parse::<f64>().is_err();
    if plain {
        value.to_string()
    } else {
        serde_json::Value::String(value.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_skips_the_header_and_trailing_whitespace() {
        let text = "---\nsource: x\ninfo:\n  seed: 7\n---\n        0s event     {}\n\n";
        assert_eq!(body_of(text), "        0s event     {}");
        assert_eq!(body_of("no header\n"), "no header");
    }

    #[test]
    fn yaml_strings_are_quoted_only_when_needed() {
        assert_eq!(yaml_string("smoke"), "smoke");
        assert_eq!(yaml_string("5m"), "5m");
        assert_eq!(yaml_string("a: b"), "\"a: b\"");
        assert_eq!(yaml_string("7"), "\"7\"");
    }
}
