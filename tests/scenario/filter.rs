//! `play --filter` prints exactly what the reference filter admits from the full stream.

use isymphony_sim::protocol::filter::reference;
use serde_json::{Map, Value};

use super::harness::{run, stderr, stdout};

const FILTERS: [&str; 7] = [
    r#"{"type":"filter","filters":[{"property":"type","value":"hangup"}]}"#,
    r#"{"type":"filter","filters":[{"property":"type","value":"userLogin"},{"property":"type","value":"userLogout"},{"property":"username","value":"alice"}]}"#,
    r#"{"type":"filter","filters":[{"property":"username","value":"*"}]}"#,
    r#"{"type":"filter","filters":[{"property":"did1","value":"5550100"}]}"#,
    r#"{"type":"filter","filters":[{"property":"port","value":51234}]}"#,
    r#"{"type":"filter","filters":[{"property":"userCreated","value":true}]}"#,
    r#"{"type":"filter","filters":[]}"#,
];

fn rules(filter: &str) -> Vec<(String, Value)> {
    let message: Value = serde_json::from_str(filter).unwrap();
    message["filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["property"].as_str().unwrap().to_string(),
                f["value"].clone(),
            )
        })
        .collect()
}

#[test]
fn filtered_output_is_the_reference_subsequence_of_the_full_output() {
    for scenario in [["--scenario", "smoke"], ["--scenario", "office"]] {
        let base = [
            "play",
            scenario[0],
            scenario[1],
            "--seed",
            "4",
            "--profile",
            "extended",
        ];
        let full = run(&base);
        assert!(full.status.success(), "{}", stderr(&full));
        let full_text = stdout(&full);
        for filter in FILTERS {
            // Arrange
            let rules = rules(filter);
            let expected: Vec<&str> = full_text
                .lines()
                .filter(|line| {
                    let event: Map<String, Value> = serde_json::from_str(line).unwrap();
                    reference::admits(&rules, &event)
                })
                .collect();
            // Act
            let mut args = base.to_vec();
            args.extend(["--filter", filter]);
            let filtered = run(&args);
            // Assert
            assert!(filtered.status.success(), "{}", stderr(&filtered));
            let filtered_text = stdout(&filtered);
            let got: Vec<&str> = filtered_text.lines().collect();
            assert_eq!(got, expected, "{} with {filter}", scenario[1]);
        }
    }
}

#[test]
fn the_smoke_filters_are_not_vacuous() {
    let full = run(&[
        "play",
        "--scenario",
        "smoke",
        "--seed",
        "4",
        "--profile",
        "extended",
    ]);
    let text = stdout(&full);
    for needle in [
        "\"did1\":\"5550100\"",
        "\"port\":51234",
        "\"userCreated\":true",
        "\"username\":\"alice\"",
    ] {
        assert!(text.contains(needle), "smoke output lacks {needle}");
    }
}

#[test]
fn a_malformed_filter_is_a_usage_error() {
    let output = run(&[
        "play",
        "--scenario",
        "smoke",
        "--filter",
        "{\"type\":\"filter\"}",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--filter"), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
}
