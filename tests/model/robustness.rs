//! Every parser a client or a file reaches answers bad input with an error, never a
//! panic: filter messages, Live API action bodies and paths, scenario files.

use isymphony_sim::protocol::{ParseOptions, parse_client_message};
use isymphony_sim::scenario::{Scenario, shipped};
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

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
