//! The reference suite and its snapshots, compiled into the binary, so that
//! `conform` works from any directory with no files at hand.
//!
//! A list of names with `include_str!` rather than a build script: nothing to
//! generate, and a test checks that the list and `fixtures/conformance/` hold the
//! same cases, so a new case file cannot be forgotten here.

use std::path::{Path, PathBuf};

use super::case_file::{SuiteError, parse_case};
use super::suite::{Case, Suite};

/// What the reports call the built-in suite.
pub const BUILTIN_NAME: &str = "built-in";

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        /// Each built-in case: its name, its case file and its snapshot file.
        pub const CASES: &[BuiltinCase] = &[$(BuiltinCase {
            name: $name,
            case: include_str!(concat!("../../fixtures/conformance/", $name, ".toml")),
            snapshot: include_str!(concat!("../../fixtures/conformance/snapshots/", $name, ".snap")),
        }),*];
    };
}

/// One case of the built-in suite.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinCase {
    /// The file stem.
    pub name: &'static str,
    /// The case file's text.
    pub case: &'static str,
    /// The snapshot file's text.
    pub snapshot: &'static str,
}

builtin![
    "and_across_properties",
    "base_properties",
    "case_sensitivity",
    "documented_examples",
    "documented_invalid_form",
    "duplicate_entries",
    "empty_list",
    "event_specific_properties",
    "every_event_type",
    "filter_change_mid_stream",
    "large_filter_set",
    "malformed_messages",
    "missing_property",
    "missing_property_wildcard",
    "no_filter",
    "null_values",
    "numbers_and_booleans",
    "or_within_property",
    "reconnect",
    "replace_not_merge",
    "type_single",
    "unknown_message_type",
    "wildcard",
    "wildcard_with_value",
];

/// Where a built-in case seems to live, for messages: never a real file, so no
/// scenario path is looked up next to it by accident.
fn shown_path(name: &str) -> PathBuf {
    Path::new("<built-in>").join(format!("{name}.toml"))
}

/// The built-in suite.
///
/// # Errors
/// [`SuiteError::Invalid`] if a built-in case does not read (a bug of ours, caught
/// by the test suite).
pub fn builtin_suite() -> Result<Suite, SuiteError> {
    let mut cases: Vec<Case> = Vec::new();
    let mut problems = Vec::new();
    for builtin in CASES {
        match parse_case(builtin.case, &shown_path(builtin.name)) {
            Ok(case) => cases.push(case),
            Err(found) => problems.extend(found),
        }
    }
    if !problems.is_empty() {
        return Err(SuiteError::Invalid(problems));
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Suite {
        path: PathBuf::from(BUILTIN_NAME),
        builtin: true,
        cases,
    })
}

/// The snapshot file's text of the built-in case `name`.
pub fn builtin_snapshot(name: &str) -> Option<&'static str> {
    CASES.iter().find(|c| c.name == name).map(|c| c.snapshot)
}

/// Why the built-in suite could not be written out.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file is already there; nothing is overwritten.
    #[error("{path} already exists; export into an empty or new directory")]
    Exists {
        /// The file.
        path: String,
    },
    /// A file or directory could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Writes every built-in case to `dir` and its snapshot to `dir/snapshots/`,
/// creating them; returns how many cases were written. Nothing is overwritten:
/// when any file exists, nothing is written.
///
/// # Errors
/// [`ExportError`] naming the file.
pub fn export(dir: &Path) -> Result<usize, ExportError> {
    let snapshots = dir.join("snapshots");
    let files: Vec<(PathBuf, &str)> = CASES
        .iter()
        .flat_map(|c| {
            [
                (dir.join(format!("{}.toml", c.name)), c.case),
                (snapshots.join(format!("{}.snap", c.name)), c.snapshot),
            ]
        })
        .collect();
    if let Some((path, _)) = files.iter().find(|(path, _)| path.exists()) {
        return Err(ExportError::Exists {
            path: path.display().to_string(),
        });
    }
    std::fs::create_dir_all(&snapshots).map_err(|source| ExportError::Write {
        path: snapshots.display().to_string(),
        source,
    })?;
    for (path, text) in &files {
        std::fs::write(path, text).map_err(|source| ExportError::Write {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(CASES.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_every_case_file_of_the_fixtures() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/conformance");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("fixtures/conformance")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        on_disk.sort();
        let listed: Vec<&str> = CASES.iter().map(|c| c.name).collect();
        assert_eq!(listed, on_disk, "update the builtin! list in this file");
    }

    #[test]
    fn the_built_in_suite_reads() {
        let suite = builtin_suite().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(suite.cases.len(), CASES.len());
        assert!(suite.builtin);
    }
}
