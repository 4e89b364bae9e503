//! `--report DIR`: JSON, JUnit XML and HTML from one run, each well-formed and
//! naming every case.

use isymphony_sim::conformance::report::{HTML_FILE, JSON_FILE, JUNIT_FILE, write_all};
use isymphony_sim::conformance::run::run_in_process;
use isymphony_sim::conformance::{FilterImpl, Verdict};

use crate::broken_filters::Broken;
use crate::in_process::{reference_suite, snapshot_options};

#[test]
fn reports_are_well_formed_and_name_every_case() {
    // Arrange: a run with failures, so diffs and escaping are exercised.
    let factory = || -> Box<dyn FilterImpl> { Broken::CaseInsensitive.filter() };
    let report = run_in_process(&reference_suite(), &factory, &snapshot_options());
    let dir = tempfile::tempdir().expect("temp dir");
    // Act
    write_all(dir.path(), &report).expect("reports written");
    // Assert
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect(name);
    let json: serde_json::Value = serde_json::from_str(&read(JSON_FILE)).expect("JSON parses");
    assert_eq!(json["exit_code"], 1);
    assert_eq!(
        json["cases"].as_array().map(Vec::len),
        Some(report.outcomes.len())
    );

    let junit = read(JUNIT_FILE);
    let xml = roxmltree::Document::parse(&junit).expect("JUnit XML parses");
    let testcases: Vec<_> = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(testcases.len(), report.outcomes.len());
    let failures = xml
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(failures, report.count(&Verdict::Fail));
    assert!(failures > 0);

    let html = read(HTML_FILE);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for outcome in &report.outcomes {
        assert!(
            html.contains(&format!("id=\"{}\"", outcome.name.replace('_', "-"))),
            "{}",
            outcome.name
        );
    }
    assert!(
        html.contains("class=\"del\""),
        "the failing case's diff is shown"
    );
}
