//! The in-process target: the reference suite against our `FilterSet`, recorded as
//! insta snapshots; the same files read by the runner's own comparison; broken
//! filters caught; runs repeatable.

use std::path::{Path, PathBuf};

use isymphony_sim::conformance::run::{
    SnapshotOptions, SnapshotStore, check_determinism, run_in_process,
};
use isymphony_sim::conformance::verdict::{EXIT_FAILURE, EXIT_PASS};
use isymphony_sim::conformance::{
    FilterImpl, SpecFilter, Suite, Verdict, load_suite, parse_case, run_case,
};

use crate::broken_filters::Broken;

/// The reference suite shipped in the repository.
pub fn reference_suite() -> Suite {
    load_suite(&suite_dir()).unwrap_or_else(|err| panic!("reference suite: {err}"))
}

pub fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/conformance")
}

pub fn snapshot_options() -> SnapshotOptions {
    SnapshotOptions {
        store: SnapshotStore::Dir(suite_dir().join("snapshots")),
        accept: false,
        rerun_flags: String::new(),
    }
}

#[derive(serde::Serialize)]
struct Info<'a> {
    scenario: &'a str,
    seed: u64,
    until: String,
    profile: &'a str,
}

#[test]
fn reference_suite_transcripts_match_their_snapshots() {
    insta::glob!("../../fixtures/conformance", "*.toml", |path| {
        // Arrange
        let text = std::fs::read_to_string(path).expect("case file");
        let case = parse_case(&text, path).unwrap_or_else(|problems| panic!("{problems:?}"));
        // Act
        let transcript = run_case(&case, &SpecFilter::boxed).expect("case plays");
        // Assert: one snapshot per case, named after it, seed and scenario in the header.
        let mut settings = insta::Settings::clone_current();
        settings.remove_snapshot_suffix();
        settings.remove_input_file();
        settings.set_snapshot_path("../../fixtures/conformance/snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(case.description.clone());
        settings.set_info(&Info {
            scenario: &case.scenario_name,
            seed: case.seed,
            until: isymphony_sim::scenario::duration::format_duration(case.until_ms),
            profile: match case.profile {
                isymphony_sim::protocol::Profile::Standard => "standard",
                isymphony_sim::protocol::Profile::Extended => "extended",
            },
        });
        settings.bind(|| insta::assert_snapshot!(case.name.as_str(), transcript.to_text()));
    });
}

#[test]
fn the_runner_reads_the_same_snapshots_and_every_reference_case_passes() {
    let report = run_in_process(&reference_suite(), &SpecFilter::boxed, &snapshot_options());
    let failed: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.verdict != Verdict::Pass)
        .map(|o| (o.name.as_str(), &o.reasons))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(report.exit_code(), EXIT_PASS);
}

#[test]
fn each_broken_filter_fails_its_reference_case() {
    let suite = reference_suite();
    for (broken, catching_case) in Broken::ALL {
        // Arrange
        let factory = move || -> Box<dyn FilterImpl> { broken.filter() };
        // Act
        let report = run_in_process(&suite, &factory, &snapshot_options());
        // Assert
        let outcome = report
            .outcomes
            .iter()
            .find(|o| o.name == catching_case)
            .expect("the catching case is in the suite");
        assert_eq!(
            outcome.verdict,
            Verdict::Fail,
            "{broken:?} was not caught by {catching_case}"
        );
        assert!(
            outcome.diff().is_some_and(|d| !d.is_empty()),
            "{broken:?}: no diff shown"
        );
        assert_eq!(report.exit_code(), EXIT_FAILURE, "{broken:?}");
    }
}

#[test]
fn every_reference_case_gives_the_same_transcript_twice() {
    let report = check_determinism(&reference_suite(), &SpecFilter::boxed, "");
    assert_eq!(report.count(&Verdict::Pass), report.outcomes.len());
}

#[test]
fn a_run_that_depends_on_more_than_the_seed_is_caught() {
    // Arrange: a filter whose behaviour depends on how often it was made, so the
    // second run differs from the first.
    let made = std::sync::atomic::AtomicUsize::new(0);
    let factory = || -> Box<dyn FilterImpl> {
        let n = made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n == 0 {
            SpecFilter::boxed()
        } else {
            Broken::MergedNotReplaced.filter()
        }
    };
    let suite = load_suite(&suite_dir().join("replace_not_merge.toml")).expect("case");
    // Act
    let report = check_determinism(&suite, &factory, "");
    // Assert
    assert_eq!(report.count(&Verdict::Fail), 1);
}
