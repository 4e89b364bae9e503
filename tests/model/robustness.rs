//! Every parser a client or a file reaches answers bad input with an error, never a
//! panic: filter messages, Live API action bodies and paths, scenario files, fault
//! requests (`POST /sim/fault` bodies and `action = "fault"` steps) and injected
//! events (`POST /sim/inject` bodies).

use isymphony_sim::protocol::{ParseOptions, RawEvent, parse_client_message};
use isymphony_sim::scenario::{FaultRequest, Scenario, StepAction, shipped};
use proptest::prelude::*;

use super::*;

/// Text that is often almost a filter message: fragments of the real thing.
fn filterish() -> impl Strategy<Value = String> {
    let fragments = prop::sample::select(
        &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"type\"",
            "\"filter\"",
            "\"filters\"",
            "\"property\"",
            "\"value\"",
            "\"*\"",
            "null",
            "true",
            "1e999",
            "-0",
            "\"\\u0000\"",
            "\"\\ud800\"",
            " ",
            "\"property\" : \"type\" :",
            "{\"type\":\"filter\",\"filters\":[",
        ][..],
    );
    prop_oneof![
        prop::collection::vec(fragments, 0..24).prop_map(|parts| parts.concat()),
        any::<String>(),
    ]
}

/// JSON-ish text built from the keys and values fault and event bodies use.
fn bodyish() -> impl Strategy<Value = String> {
    let fragments = prop::sample::select(
        &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"kind\"",
            "\"drop\"",
            "\"close\"",
            "\"delay\"",
            "\"duplicate\"",
            "\"malformed\"",
            "\"restart\"",
            "\"code\"",
            "\"reason\"",
            "\"ms\"",
            "\"count\"",
            "\"client\"",
            "\"type\"",
            "\"time\"",
            "\"userLogin\"",
            "0",
            "-1",
            "1005",
            "4000",
            "65536",
            "1e999",
            "18446744073709551616",
            "null",
            "true",
            "\"\\ud800\"",
            "\"x\"",
        ][..],
    );
    prop_oneof![
        prop::collection::vec(fragments, 0..16).prop_map(|parts| parts.concat()),
        any::<String>(),
    ]
}

/// A scenario whose one step is a fault with arbitrary field values.
fn fault_step_file() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("\"close\"".to_string()),
        Just("\"drop\"".to_string()),
        Just("\"delay\"".to_string()),
        Just("\"duplicate\"".to_string()),
        Just("\"restart\"".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        "[a-z0-9 ]{0,130}".prop_map(|s| format!("\"{s}\"")),
        Just("{}".to_string()),
    ];
    let field = (
        prop::sample::select(&["kind", "code", "reason", "ms", "count", "client", "extra"][..]),
        value,
    );
    prop::collection::btree_map(field.clone().prop_map(|(k, _)| k), field.prop_map(|(_, v)| v), 0..6).prop_map(
        |fields| {
            let lines: Vec<String> = fields.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            format!(
                "[scenario]\nname = \"f\"\nlength = \"1m\"\n\n[[steps]]\nat = \"1s\"\naction = \"fault\"\n{}\n",
                lines.join("\n")
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn fault_bodies_never_panic_and_errors_say_something(body in bodyish()) {
        if let Err(err) = FaultRequest::from_json(body.as_bytes()) {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn injected_events_never_panic_and_errors_say_something(body in bodyish()) {
        if let Err(err) = RawEvent::from_json(&body) {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn fault_steps_read_only_valid_faults_and_point_at_their_step(text in fault_step_file()) {
        match Scenario::from_toml(&text, "fault.toml") {
            Ok(scenario) => {
                let Some(StepAction::Fault(request)) = scenario.steps.first().map(|s| &s.action) else {
                    panic!("a valid file has its fault step: {text}");
                };
                // What the file accepts, the control API accepts too.
                let json = serde_json::to_vec(request).expect("serializable");
                let again = FaultRequest::from_json(&json);
                prop_assert_eq!(again.as_ref(), Ok(request));
            }
            Err(err) => {
                let lines = text.lines().count();
                prop_assert!(!err.diagnostics.is_empty());
                for d in &err.diagnostics {
                    prop_assert!(d.line >= 1 && d.line <= lines, "line {}: {}", d.line, d.message);
                }
            }
        }
    }

    #[test]
    fn filter_messages_never_panic_and_errors_say_something(text in filterish(), lenient in any::<bool>()) {
        if let Err(err) = parse_client_message(&text, ParseOptions { lenient }) {
            prop_assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn live_actions_never_panic(
        segments in prop::collection::vec(prop::sample::select(&[
            "coreServers", "getByName", "default", "extensions", "1001", "queues", "support",
            "agents", "agent", "callSegments", "originate", "dnd", "dndOn", "login", "logout",
            "pause", "penalty", "transfer", "", "%", "users",
        ][..]), 0..8),
        body in prop_oneof![
            Just(String::new()),
            Just("{\"penalty\": -1}".to_string()),
            Just("{\"penalty\": 99999999999}".to_string()),
            Just("{\"destination\": null}".to_string()),
            Just("{\"extension\": 1002}".to_string()),
            any::<String>(),
        ],
    ) {
        let pbx = pbx();
        let _ = pbx.live_action(&segments, body.as_bytes());
        let _ = pbx.live_get(&segments);
    }

    #[test]
    fn scenario_files_never_panic_and_errors_point_inside_the_file(cut in 0usize..4000, junk in any::<String>()) {
        // A real file, cut anywhere and followed by junk: every kind of half-written file.
        let text = shipped::find("smoke").expect("smoke is shipped").text;
        let mut end = cut.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let broken = format!("{}{}", &text[..end], junk);
        if let Err(err) = Scenario::from_toml(&broken, "broken.toml") {
            let lines = broken.lines().count().max(1);
            prop_assert!(!err.diagnostics.is_empty());
            for d in &err.diagnostics {
                prop_assert!(d.line >= 1 && d.line <= lines + 1, "line {} of {}: {}", d.line, lines, d.message);
                prop_assert!(d.column >= 1, "{}", d.message);
            }
        }
    }
}
