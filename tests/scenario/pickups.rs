//! Simulated people pick up: a call a REST action leaves ringing at an extension is
//! answered after a ring time drawn from the scenario, from its own seeded stream.

use isymphony_sim::model::{CallState, Command, Destination, Party};
use isymphony_sim::scenario::Player;

use super::harness::{player, scenario};

/// Two users; the internal calls' ring time is what the pick-ups use.
fn two_users(ring_time: &str) -> String {
    format!(
        r#"
[scenario]
name = "pick-ups"
length = "1h"

[[users]]
username = "alice"
extension = "1001"

[[users]]
username = "bob"
extension = "1002"

[[users]]
username = "carol"
extension = "1003"

[[generators]]
kind = "internal_calls"
users = ["alice", "bob"]
between = ["50m", "51m"]
per_hour = 1
ring_time = {ring_time}
"#
    )
}

fn originate(player: &mut Player, from: &str, to: &str) -> String {
    let call = player.pbx().free_call_label("rest");
    player
        .apply_outside(Command::Dial {
            call: call.clone(),
            from: Party::Extension(from.into()),
            to: Destination::Extension(to.into()),
        })
        .expect("the model takes the call");
    call
}

/// Advances until the call is no longer ringing; the virtual ms it happened at.
fn answered_at(player: &mut Player, call: &str) -> u64 {
    while player.pbx().call_state(call) == Some(CallState::Ringing) {
        assert!(
            player.next_due().is_some(),
            "the run ended with {call} ringing"
        );
        player.advance();
    }
    assert_eq!(player.pbx().call_state(call), Some(CallState::Connected));
    player.now_ms()
}

#[test]
fn an_originated_call_is_picked_up_after_the_scenarios_ring_time() {
    let mut player = player(scenario(&two_users("\"4s\"")), 1);
    player.advance(); // the loop starts at 0

    let call = originate(&mut player, "1001", "1002");

    assert_eq!(
        player.next_due(),
        Some(4000),
        "the pick-up is the next batch"
    );
    assert_eq!(answered_at(&mut player, &call), 4000);
}

#[test]
fn a_transferred_call_is_picked_up_at_its_new_extension() {
    let mut player = player(scenario(&two_users("\"4s\"")), 1);
    player.advance();
    let call = originate(&mut player, "1001", "1002");
    answered_at(&mut player, &call);

    player
        .apply_outside(Command::Transfer {
            call: call.clone(),
            to: "1003".into(),
        })
        .expect("the transfer");

    assert_eq!(player.pbx().call_state(&call), Some(CallState::Ringing));
    assert_eq!(answered_at(&mut player, &call), 8000);
}

#[test]
fn a_call_that_stopped_ringing_is_not_picked_up() {
    let mut player = player(scenario(&two_users("\"4s\"")), 1);
    player.advance();
    let call = originate(&mut player, "1001", "1002");
    player
        .apply_outside(Command::Hangup { call: call.clone() })
        .expect("hang up");
    let again = player.pbx().free_call_label("rest");
    player
        .apply_outside_at(
            2000,
            Command::Dial {
                call: again.clone(),
                from: Party::Extension("1001".into()),
                to: Destination::Extension("1002".into()),
            },
        )
        .expect("the second call");
    assert_eq!(again, call, "the label is free again");

    // The first pick-up, due at 4 s, finds the label ringing at another segment.
    assert_eq!(player.next_due(), Some(4000));
    player.advance();
    assert_eq!(player.pbx().call_state(&again), Some(CallState::Ringing));
    assert_eq!(answered_at(&mut player, &again), 6000);
}

#[test]
fn ring_times_are_drawn_from_a_seeded_stream() {
    let ring = "{ distribution = \"uniform\", min = \"3s\", max = \"15s\" }";
    let times = |seed: u64| -> Vec<u64> {
        let mut player = player(scenario(&two_users(ring)), seed);
        player.advance();
        (0..5)
            .map(|_| {
                let start = player.now_ms();
                let call = originate(&mut player, "1001", "1002");
                let at = answered_at(&mut player, &call);
                player
                    .apply_outside(Command::Hangup { call })
                    .expect("hang up");
                at - start
            })
            .collect()
    };

    let first = times(7);
    assert_eq!(first, times(7), "the same seed picks up at the same times");
    assert_ne!(first, times(8), "another seed, other times");
    assert!(
        first.iter().all(|t| (3000..=15_000).contains(t)),
        "{first:?}"
    );
}
