//! Reports of a client-suite run, from one [`ClientRun`]: the terminal summary,
//! and in `--report DIR` the same three files the server suite writes
//! (`conformance.json`, `junit.xml`, `report.html`). Every check is shown with
//! its provenance, every threshold with its value, every case with the client's
//! output.

pub mod html;
pub mod json;
pub mod junit;
pub mod terminal;

use std::path::Path;

use super::super::report::{HTML_FILE, JSON_FILE, JUNIT_FILE, ReportError};
use super::outcome::ClientRun;

/// Writes the JSON, JUnit XML and HTML reports of a client run into `dir`.
///
/// # Errors
/// [`ReportError`] naming the file that could not be written.
pub fn write_all(dir: &Path, run: &ClientRun) -> Result<(), ReportError> {
    let error = |path: &Path| {
        let path = path.display().to_string();
        move |source| ReportError { path, source }
    };
    std::fs::create_dir_all(dir).map_err(error(dir))?;
    for (name, text) in [
        (JSON_FILE, json::render(run)),
        (JUNIT_FILE, junit::render(run)),
        (HTML_FILE, html::render(run)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(error(&path))?;
    }
    Ok(())
}

/// The last `n` lines of `text`.
pub(crate) fn tail(text: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}
