//! Differential mode against the independent server (`independent_server`), which
//! has its own users, event types and filter code: the correct version exits 0 with
//! few inconclusive verdicts and differs only from our defaults; each version that
//! breaks a documented or inferred rule exits 1 naming that rule; each version
//! that departs from one of our defaults differs in that rule, and fails only
//! with `--strict`.

use std::time::Duration;

use isymphony_sim::conformance::builtin::builtin_suite;
use isymphony_sim::conformance::differential::{DifferentialOptions, run_differential};
use isymphony_sim::conformance::verdict::{EXIT_FAILURE, EXIT_PASS};
use isymphony_sim::conformance::{Rule, RunReport, Suite, Verdict};
use isymphony_sim::server::Credentials;

use crate::independent_server::{Defect, IndependentServer};

const BIN: &str = env!("CARGO_BIN_EXE_isymphony-sim");

fn options(url: &str, seed: u64) -> DifferentialOptions {
    DifferentialOptions {
        url: url.to_string(),
        credentials: Credentials::default(),
        window: Duration::from_millis(1500),
        edge: Duration::from_millis(250),
        reply_timeout: Duration::from_secs(10),
        tls: Default::default(),
        seed,
        rerun_flags: String::new(),
    }
}

fn suite(only: &[&str]) -> Suite {
    let mut suite = builtin_suite().expect("built-in suite");
    if !only.is_empty() {
        suite.cases.retain(|c| only.contains(&c.name.as_str()));
    }
    suite
}

async fn run(defect: Option<Defect>, only: &[&str], seed: u64) -> RunReport {
    let server = IndependentServer::start(defect).await;
    let mut report = run_differential(&suite(only), &options(&server.url, seed)).await;
    report.settle(false);
    report
}

/// The outcomes whose findings name `rule`, with their verdicts.
fn naming(report: &RunReport, rule: Rule) -> Vec<(&str, Verdict)> {
    report
        .outcomes
        .iter()
        .filter(|o| o.findings.iter().any(|f| f.rule == Some(rule)))
        .map(|o| (o.name.as_str(), o.verdict))
        .collect()
}

fn shown(report: &RunReport) -> String {
    report
        .outcomes
        .iter()
        .filter(|o| o.verdict != Verdict::Pass)
        .map(|o| {
            format!(
                "{} {}: {:?} {:?}",
                o.verdict.as_str(),
                o.name,
                o.findings
                    .iter()
                    .map(|f| format!("{}: {}", f.rule_label(), f.detail))
                    .collect::<Vec<_>>(),
                o.reasons
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_correct_independent_server_passes_with_few_inconclusive_verdicts() {
    for seed in [1, 2] {
        // Act
        let report = run(None, &[], seed).await;
        // Assert: nothing fails, and what differs is our defaults only.
        assert_eq!(
            report.exit_code(),
            EXIT_PASS,
            "seed {seed}\n{}",
            shown(&report)
        );
        let inconclusive = report.count(&Verdict::Inconclusive);
        let share = inconclusive as f64 / report.outcomes.len() as f64;
        eprintln!(
            "seed {seed}: {} verdicts, {inconclusive} inconclusive ({:.1}%); {}",
            report.outcomes.len(),
            share * 100.0,
            report.summary()
        );
        assert!(
            share <= 0.10,
            "seed {seed}: {:.1}% inconclusive\n{}",
            share * 100.0,
            shown(&report)
        );
        for rule in [
            Rule::EmptyPropertyRefused,
            Rule::NullValueRefused,
            Rule::UnknownKeysRefused,
            Rule::NullMatchesOnlyWildcard,
        ] {
            let found = naming(&report, rule);
            assert!(
                !found.is_empty() && found.iter().all(|(_, v)| *v == Verdict::Differs),
                "seed {seed}: {rule}: {found:?}\n{}",
                shown(&report)
            );
        }
        assert!(
            report.extra_fields.counts.contains_key("site"),
            "{:?}",
            report.extra_fields
        );
        assert!(report.seed == Some(seed));
    }
}

macro_rules! breaking_is_caught {
    ($test:ident, $defect:expr, $rule:expr) => {
        breaking_is_caught!($test, $defect, $rule, &[]);
    };
    ($test:ident, $defect:expr, $rule:expr, $only:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            let report = run(Some($defect), $only, 7).await;
            let found = naming(&report, $rule);
            assert!(
                found.iter().any(|(_, v)| *v == Verdict::Fail),
                "{:?} does not fail {}: {found:?}\n{}",
                $defect,
                $rule,
                shown(&report)
            );
            assert_eq!(report.exit_code(), EXIT_FAILURE);
        }
    };
}

breaking_is_caught!(
    missing_property_passing,
    Defect::MissingPropertyPasses,
    Rule::MissingProperty
);
breaking_is_caught!(
    and_within_a_property,
    Defect::AndWithinProperty,
    Rule::OrWithinProperty
);
breaking_is_caught!(
    or_across_properties,
    Defect::OrAcrossProperties,
    Rule::AndAcrossProperties
);
breaking_is_caught!(wildcard_as_text, Defect::WildcardLiteral, Rule::Wildcard);
breaking_is_caught!(
    wildcard_admitting_absent_properties,
    Defect::WildcardMatchesAbsent,
    Rule::WildcardNeedsProperty
);
breaking_is_caught!(
    value_narrowing_the_wildcard,
    Defect::ValueNarrowsWildcard,
    Rule::WildcardOrValue
);
breaking_is_caught!(
    merge_instead_of_replace,
    Defect::MergeNotReplace,
    Rule::ReplaceNotMerge
);
breaking_is_caught!(
    case_insensitive_values,
    Defect::CaseInsensitiveValues,
    Rule::CaseSensitiveValues
);
breaking_is_caught!(
    case_insensitive_property_names,
    Defect::CaseInsensitiveNames,
    Rule::PropertyNamesExact
);
breaking_is_caught!(prefix_matching, Defect::PrefixMatch, Rule::ExactValue);
breaking_is_caught!(substring_matching, Defect::SubstringMatch, Rule::ExactValue);
breaking_is_caught!(
    numbers_compared_numerically,
    Defect::NumericCompare,
    Rule::NumbersByText
);
breaking_is_caught!(
    null_taken_for_absent,
    Defect::NullIsAbsent,
    Rule::NullIsPresent
);
breaking_is_caught!(
    nothing_before_the_first_filter,
    Defect::NothingBeforeFilter,
    Rule::NoFilterDeliversAll
);
// One case only: with the whole suite, which connection picks the stale state up
// would be a race.
breaking_is_caught!(
    stale_state_after_a_reconnect,
    Defect::StaleConnectionState,
    Rule::ReconnectStartsUnfiltered,
    &["reconnect"]
);
breaking_is_caught!(
    large_sets_truncated,
    Defect::TruncatesAt256,
    Rule::AnyNumberOfFilters
);
breaking_is_caught!(
    duplicates_refused,
    Defect::RefusesDuplicates,
    Rule::DuplicateEntries
);
breaking_is_caught!(
    type_filters_ignored,
    Defect::IgnoresTypeFilters,
    Rule::TypeFilter
);
breaking_is_caught!(
    base_properties_ignored,
    Defect::IgnoresBaseProperties,
    Rule::BaseProperties
);
breaking_is_caught!(
    spaced_messages_refused,
    Defect::RefusesSpacedMessages,
    Rule::ValidFormAccepted
);

macro_rules! departing_from_a_default_differs {
    ($test:ident, $defect:expr, $rule:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $test() {
            let mut report = run(Some($defect), &[], 7).await;
            let found = naming(&report, $rule);
            assert!(
                found.iter().any(|(_, v)| *v == Verdict::Differs),
                "{:?} does not differ in {}: {found:?}\n{}",
                $defect,
                $rule,
                shown(&report)
            );
            assert_eq!(report.exit_code(), EXIT_PASS, "{}", shown(&report));
            report.settle(true);
            assert_eq!(report.exit_code(), EXIT_FAILURE);
        }
    };
}

departing_from_a_default_differs!(
    empty_list_delivering_nothing,
    Defect::EmptyListDeliversNothing,
    Rule::EmptyListDeliversAll
);
departing_from_a_default_differs!(
    invalid_form_accepted,
    Defect::AcceptsInvalidForm,
    Rule::DocumentedInvalidFormRefused
);
departing_from_a_default_differs!(
    closing_on_malformed_messages,
    Defect::ClosesOnMalformed,
    Rule::MalformedRefused
);
departing_from_a_default_differs!(
    non_string_values_refused,
    Defect::RefusesNonStringValues,
    Rule::JsonValueByText
);
departing_from_a_default_differs!(
    replies_of_another_shape,
    Defect::OwnReplyShape,
    Rule::ReplyShape
);
departing_from_a_default_differs!(
    any_message_type_taken,
    Defect::AcceptsAnyMessageType,
    Rule::UnknownMessageTypeRefused
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_by_grade_and_prints_the_seed_and_the_rule_sets() {
    // Arrange: the correct server, and one that merges filter messages.
    let good = IndependentServer::start(None).await;
    let bad = IndependentServer::start(Some(Defect::MergeNotReplace)).await;
    let conform = |url: String, extra: &'static [&'static str]| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(BIN)
                .args([
                    "conform", "--target", &url, "--window", "1500ms", "--edge", "250ms", "--seed",
                    "11",
                ])
                .args(extra)
                .output()
                .expect("run conform")
        })
    };
    // Act
    let passed = conform(good.url.clone(), &[]).await.expect("ran");
    let strict = conform(good.url.clone(), &["--strict", "--case", "null_values"])
        .await
        .expect("ran");
    let failed = conform(bad.url.clone(), &["--case", "replace_not_merge"])
        .await
        .expect("ran");
    // Assert
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(passed.status.code(), Some(0), "{}", text(&passed));
    assert!(
        text(&passed).contains("seed 11 (repeat with --seed 11)"),
        "{}",
        text(&passed)
    );
    assert!(
        text(&passed).contains("note: rule set: {\"type\":\"filter\""),
        "{}",
        text(&passed)
    );
    assert!(
        text(&passed)
            .contains("differs from our default: null_matches_only_wildcard (our default)"),
        "{}",
        text(&passed)
    );
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(
        text(&failed).contains("broken: replace_not_merge (inferred)"),
        "{}",
        text(&failed)
    );
    assert!(
        text(&failed).contains("rerun: isymphony-sim conform --case replace_not_merge --target"),
        "{}",
        text(&failed)
    );
}
