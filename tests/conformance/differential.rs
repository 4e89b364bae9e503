//! Differential mode against small servers that filter with a given implementation:
//! the correct one passes, each broken one fails the rule set that exposes it.

use std::time::Duration;

use isymphony_sim::conformance::differential::{DifferentialOptions, run_differential};
use isymphony_sim::conformance::{FilterImpl, RunReport, SpecFilter, Verdict};
use isymphony_sim::server::Credentials;

use crate::broken_filters::Broken;
use crate::broken_server::{BrokenServer, MakeFilter};
use crate::in_process::reference_suite;

fn options(url: &str) -> DifferentialOptions {
    DifferentialOptions {
        url: url.to_string(),
        credentials: Credentials::default(),
        window: Duration::from_millis(1500),
        edge: Duration::from_millis(150),
        reply_timeout: Duration::from_secs(10),
        tls: Default::default(),
        seed: 1,
        rerun_flags: String::new(),
    }
}

async fn run_against(make_filter: MakeFilter) -> RunReport {
    let server = BrokenServer::start(make_filter).await;
    run_differential(&reference_suite(), &options(&server.url)).await
}

fn verdict_of<'a>(report: &'a RunReport, case: &str) -> (&'a Verdict, &'a [String]) {
    let outcome = report
        .outcomes
        .iter()
        .find(|o| o.name == case)
        .unwrap_or_else(|| panic!("no outcome for {case}"));
    (&outcome.verdict, &outcome.reasons)
}

fn spec_filter() -> Box<dyn FilterImpl + Send> {
    Box::new(SpecFilter::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_server_fails_no_rule_set() {
    let report = run_against(spec_filter).await;
    let bad: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| matches!(o.verdict, Verdict::Fail | Verdict::Error))
        .map(|o| (&o.name, &o.reasons))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    // The rule sets that catch the broken servers below have evidence here.
    for case in [
        "missing_property",
        "or_within_property",
        "wildcard",
        "replace_not_merge",
    ] {
        assert_eq!(verdict_of(&report, case).0, &Verdict::Pass, "{case}");
    }
}

macro_rules! broken_server_is_caught {
    ($test:ident, $broken:expr, $case:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            fn make() -> Box<dyn FilterImpl + Send> {
                $broken.filter()
            }
            let report = run_against(make).await;
            let (verdict, reasons) = verdict_of(&report, $case);
            assert_eq!(
                verdict,
                &Verdict::Fail,
                "{:?} not caught: {reasons:?}",
                $broken
            );
            assert_eq!(report.exit_code(), 1);
        }
    };
}

broken_server_is_caught!(
    a_server_passing_missing_properties_is_caught,
    Broken::MissingPropertyPasses,
    "missing_property"
);
broken_server_is_caught!(
    a_server_anding_within_a_property_is_caught,
    Broken::AndWithinProperty,
    "or_within_property"
);
broken_server_is_caught!(
    a_server_ignoring_the_wildcard_is_caught,
    Broken::WildcardIgnored,
    "wildcard"
);
broken_server_is_caught!(
    a_server_merging_filters_is_caught,
    Broken::MergedNotReplaced,
    "replace_not_merge"
);
broken_server_is_caught!(
    a_case_insensitive_server_is_caught,
    Broken::CaseInsensitive,
    "case_sensitivity"
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_target_is_a_harness_error() {
    // Arrange: a port that was free a moment ago and has no listener now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let mut opts = options(&format!("ws://{addr}/communication_manager/ws/event"));
    opts.window = Duration::from_millis(1);
    // Act
    let report = run_differential(&reference_suite(), &opts).await;
    // Assert
    assert_eq!(report.exit_code(), 2);
}
