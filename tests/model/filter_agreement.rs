//! The filter implementation agrees with the plain reference implementation of
//! docs/protocol.md §5.2 on random filter messages and random events, and so does the compiled path
//! the server dispatches with.

use isymphony_sim::protocol::compiled::Vocabulary;
use isymphony_sim::protocol::event::{
    AgentMembership, EventBody, SegmentHangup, UserSession, UserStatus,
};
use isymphony_sim::protocol::filter::reference;
use isymphony_sim::protocol::{
    ClientMessage, Event, FilterSet, ParseOptions, parse_client_message,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

// Small pools, so that random rules often hit the random events' values.
const WORDS: &[&str] = &[
    "1001",
    "Dana",
    "dana",
    "hangup",
    "userLogin",
    "*",
    "-1",
    "51234",
    "true",
    "null",
    "",
];
const PROPERTIES: &[&str] = &[
    "type",
    "username",
    "port",
    "returnTime",
    "userCreated",
    "queue",
    "did",
    "nosuch",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_string)
}

fn maybe_word() -> impl Strategy<Value = Option<String>> {
    prop::option::of(word())
}

fn event() -> impl Strategy<Value = Event> {
    let body = prop_oneof![
        (
            word(),
            word(),
            word(),
            prop::sample::select(&[0u16, 51234, 1001][..])
        )
            .prop_map(|(u, id, ip, port)| {
                EventBody::UserLogin(UserSession {
                    user_id: id,
                    username: u,
                    user_login_id: "l".into(),
                    ip,
                    port,
                })
            }),
        (
            word(),
            word(),
            prop::sample::select(&[-1i64, 1001, 51234][..]),
            any::<bool>()
        )
            .prop_map(
                |(u, name, return_time, user_created)| EventBody::UserStatus(UserStatus {
                    user_id: "u".into(),
                    username: u,
                    name,
                    status_type: "away".into(),
                    note: String::new(),
                    return_time,
                    user_created,
                })
            ),
        (word(), word(), word()).prop_map(|(queue, ext, u)| EventBody::AgentLogout(
            AgentMembership {
                agent_id: "a".into(),
                agent: "Dana Q".into(),
                state: "NOT_INUSE".into(),
                queue_id: "q".into(),
                queue,
                extension_id: "e".into(),
                extension_number: ext,
                user_id: "u".into(),
                username: u,
            }
        )),
        (maybe_word(), maybe_word(), maybe_word()).prop_map(|(did, ext, u)| EventBody::Hangup(
            SegmentHangup {
                call_segment_id: "s".into(),
                caller_id_name: "ACME".into(),
                caller_id_number: "5550123".into(),
                did,
                extension_id: None,
                extension_number: ext,
                user_id: None,
                username: u,
            }
        )),
    ];
    (
        body,
        prop::sample::select(&[1001i64, 1_700_000_000_000][..]),
    )
        .prop_map(|(body, time)| Event {
            time,
            core_server_id: "cs".into(),
            body,
        })
}

fn rule_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => word().prop_map(Value::String),
        1 => prop::sample::select(&[-1i64, 1001, 51234, 1_700_000_000_000][..]).prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::Bool),
    ]
}

fn rules() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec(
        (
            prop::sample::select(PROPERTIES).prop_map(str::to_string),
            rule_value(),
        ),
        0..4,
    )
}

/// Parses `rules` as a client's filter message would arrive.
fn filter_set(rules: &[(String, Value)]) -> Result<FilterSet, TestCaseError> {
    let entries: Vec<Value> = rules
        .iter()
        .map(|(p, v)| serde_json::json!({"property": p, "value": v}))
        .collect();
    let message = serde_json::json!({"type": "filter", "filters": entries}).to_string();
    let ClientMessage::Filter(set) = parse_client_message(&message, ParseOptions::default())
        .map_err(|e| TestCaseError::fail(format!("{message}: {e}")))?;
    Ok(set)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn filter_set_agrees_with_the_reference(event in event(), rules in rules()) {
        let set = filter_set(&rules)?;
        let decoded: Map<String, Value> = serde_json::from_str(&event.to_json()).unwrap();
        prop_assert_eq!(
            set.admits(&event),
            reference::admits(&rules, &decoded),
            "event {} rules {:?}", event.to_json(), rules
        );
    }

    /// Several connections' filters share one vocabulary, as on the server, so a
    /// value interned for one must not change what another admits.
    #[test]
    fn compiled_filters_agree_with_the_reference(
        events in prop::collection::vec(event(), 1..4),
        connections in prop::collection::vec(rules(), 1..5),
    ) {
        let mut vocabulary = Vocabulary::new();
        let mut compiled = Vec::new();
        for rules in &connections {
            compiled.push(vocabulary.compile(&filter_set(rules)?));
        }
        for event in &events {
            let row = vocabulary.prepare(event);
            let decoded: Map<String, Value> = serde_json::from_str(&event.to_json()).unwrap();
            for (rules, filter) in connections.iter().zip(&compiled) {
                prop_assert_eq!(
                    filter.admits(&row),
                    reference::admits(rules, &decoded),
                    "event {} rules {:?}", event.to_json(), rules
                );
            }
        }
    }
}
