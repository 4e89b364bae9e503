//! Reports of one run: a terminal summary, and JSON, JUnit XML and a standalone
//! HTML page written from the same [`RunReport`].

pub mod html;
pub mod json;
pub mod junit;
pub(crate) mod markup;
pub mod terminal;

use std::path::Path;

use super::verdict::{CaseOutcome, RunReport};

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

/// The lines every report shows under its title: how strictly it grades, how the
/// TLS certificate was checked (loud when it was not), the seed of the rules.
pub(crate) fn run_header(report: &RunReport) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(tls) = &report.tls {
        lines.push(format!("TLS: {tls}"));
    }
    lines.push(if report.strict {
        "grading: --strict, so a difference from our defaults fails".to_string()
    } else {
        "grading: a broken documented or inferred rule fails; a difference from our defaults is reported and passes (--strict to fail it)".to_string()
    });
    if let Some(seed) = report.seed {
        lines.push(format!(
            "rules drawn from the traffic with seed {seed} (repeat with --seed {seed})"
        ));
    }
    lines
}

/// `missing_property (documented), reply_shape (our default)`: the rules an
/// outcome broke, each once.
pub(crate) fn broken_rules(outcome: &CaseOutcome) -> String {
    let mut labels: Vec<String> = Vec::new();
    for finding in &outcome.findings {
        let label = finding.rule_label();
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels.join(", ")
}
