//! Reports of one run: a terminal summary, and JSON, JUnit XML and a standalone
//! HTML page written from the same [`RunReport`].

mod header;
pub mod html;
pub mod json;
pub mod junit;
pub(crate) mod markup;
pub mod terminal;

use std::path::Path;

use super::verdict::RunReport;

/// The JSON report's file name in `--report DIR`.
pub const JSON_FILE: &str = "conformance.json";
/// The JUnit XML report's file name.
pub const JUNIT_FILE: &str = "junit.xml";
/// The HTML report's file name.
pub const HTML_FILE: &str = "report.html";

/// A report file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write report {path}: {source}")]
pub struct ReportError {
    /// The file.
    pub path: String,
    /// The I/O error.
    pub source: std::io::Error,
}

/// Writes the JSON, JUnit XML and HTML reports into `dir`, creating it.
///
/// # Errors
/// [`ReportError`] naming the file that could not be written.
pub fn write_all(dir: &Path, report: &RunReport) -> Result<(), ReportError> {
    let error = |path: &Path| {
        let path = path.display().to_string();
        move |source| ReportError { path, source }
    };
    std::fs::create_dir_all(dir).map_err(error(dir))?;
    for (name, text) in [
        (JSON_FILE, json::render(report)),
        (JUNIT_FILE, junit::render(report)),
        (HTML_FILE, html::render(report)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(error(&path))?;
    }
    Ok(())
}
