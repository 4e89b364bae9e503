//! What every report shows alike: the run's header lines and a case's broken
//! rules. A leaf, so the renderers import it while `mod.rs` calls them.

use crate::conformance::verdict::{CaseOutcome, RunReport};

/// The lines every report shows under its title: how strictly it grades, how the
/// TLS certificate was checked (loud when it was not), the seed of the rules.
pub(super) fn run_header(report: &RunReport) -> Vec<String> {
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
pub(super) fn broken_rules(outcome: &CaseOutcome) -> String {
    let mut labels: Vec<String> = Vec::new();
    for finding in &outcome.findings {
        let label = finding.rule_label();
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels.join(", ")
}
