//! The subscribers' table and filter index: who is found for an event, and what
//! the vocabulary keeps as filters come and go.

use super::*;
use crate::protocol::FilterRule;
use crate::protocol::event::{Event, EventBody, UserSession};

fn login(username: &str) -> Event {
    Event {
        time: 1,
        core_server_id: "cs".into(),
        body: EventBody::UserLogin(UserSession {
            user_id: "u".into(),
            username: username.into(),
            user_login_id: "l".into(),
            ip: String::new(),
            port: 1,
        }),
    }
}

fn attach(subscribers: &mut Subscribers, id: u64, rules: &[(&str, &str)]) {
    if subscribers.get_mut(ClientId(id)).is_none() {
        let (queue, _) = super::super::queue::client_queue(1);
        let (kick, _) = oneshot::channel();
        subscribers.attach(ClientId(id), None, queue, SlowConsumer::Disconnect, kick);
    }
    let rules = rules.iter().map(|(p, v)| FilterRule::new(*p, *v)).collect();
    subscribers.set_filters(ClientId(id), FilterSet::from_rules(rules));
}

fn admitting(subscribers: &mut Subscribers, event: &Event) -> Vec<u64> {
    let row = subscribers.vocabulary().prepare(event);
    let mut ids = Vec::new();
    subscribers.for_each_admitting(&row, |s| ids.push(s.id.0));
    ids.sort_unstable();
    ids
}

#[test]
fn the_index_finds_keyed_clients_and_unkeyed_ones_are_always_checked() {
    let mut subscribers = Subscribers::default();
    attach(&mut subscribers, 1, &[]);
    attach(&mut subscribers, 2, &[("username", "mikey")]);
    attach(
        &mut subscribers,
        3,
        &[("username", "dana"), ("type", "userLogin")],
    );
    attach(&mut subscribers, 4, &[("username", "*")]);
    attach(
        &mut subscribers,
        5,
        &[("type", "hangup"), ("type", "userLogin")],
    );

    assert_eq!(
        admitting(&mut subscribers, &login("mikey")),
        vec![1, 2, 4, 5]
    );
    assert_eq!(
        admitting(&mut subscribers, &login("dana")),
        vec![1, 3, 4, 5]
    );
    subscribers.detach(ClientId(5));
    attach(&mut subscribers, 2, &[("username", "dana")]);
    assert_eq!(
        admitting(&mut subscribers, &login("dana")),
        vec![1, 2, 3, 4]
    );
}

#[test]
fn many_distinct_values_trigger_a_rebuild_that_keeps_answers() {
    let mut subscribers = Subscribers::default();
    attach(&mut subscribers, 1, &[("username", "keep")]);
    for round in 0..(2 * MIN_REBUILD_WORDS as u64) {
        attach(&mut subscribers, 2, &[("username", &format!("tmp{round}"))]);
    }
    assert!(subscribers.vocabulary().client_words() <= MIN_REBUILD_WORDS + 1);
    assert_eq!(admitting(&mut subscribers, &login("keep")), vec![1]);
    let last = format!("tmp{}", 2 * MIN_REBUILD_WORDS - 1);
    assert_eq!(admitting(&mut subscribers, &login(&last)), vec![2]);
}

#[test]
fn made_up_names_are_freed_by_replacing_filters_and_by_leaving() {
    let mut subscribers = Subscribers::default();
    attach(&mut subscribers, 1, &[("username", "keep")]);
    // Ten filter messages of 1,000 fresh made-up names each, one after another.
    for round in 0..10 {
        let names: Vec<String> = (0..1000).map(|i| format!("n{round}-{i}")).collect();
        let rules: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "*")).collect();
        attach(&mut subscribers, 2, &rules);
    }
    let while_there = subscribers.vocabulary().client_words();
    // One more, bigger than the floor below which nothing is rebuilt.
    let names: Vec<String> = (0..MIN_REBUILD_WORDS + 1)
        .map(|i| format!("last-{i}"))
        .collect();
    let rules: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "*")).collect();
    attach(&mut subscribers, 2, &rules);
    subscribers.detach(ClientId(2));
    let after = subscribers.vocabulary().client_words();

    assert!(while_there <= 2 * MIN_REBUILD_WORDS + 1000, "{while_there}");
    assert!(after <= 1, "only what client 1 names is left: {after}");
    assert_eq!(admitting(&mut subscribers, &login("keep")), vec![1]);
}
