//! Looping (for `serve`): each loop ends with a clean wind-down and the next one
//! starts at once, on a clock that keeps increasing.

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::Player;

use super::harness::{EPOCH, assert_no_refusals, shipped};

#[test]
fn office_loops_three_days_winding_down_between_them() {
    // Arrange
    let scenario = shipped("office");
    let length = scenario.length_ms;
    let mut player = Player::new(scenario, 3, EPOCH, Profile::Standard, true).unwrap();
    let mut last_time = 0;
    let mut boundaries = 0;
    // Act
    while let Some(at) = player.next_due() {
        if at > 3 * length {
            break;
        }
        let events = player.advance();
        // Assert: virtual time never goes back, across loops too.
        for event in &events {
            assert!(event.time >= last_time, "time went back at {at}");
            last_time = event.time;
        }
        if at > 0 && at % length == 0 {
            boundaries += 1;
            // The office's first step (a status) leaves nobody logged in or on a call.
            assert!(
                player.pbx().active_calls().is_empty(),
                "calls survive the wind-down at {at}"
            );
            let directory = player.pbx().directory();
            assert!(
                directory
                    .users
                    .iter()
                    .all(|u| !player.pbx().is_logged_in(&u.username))
            );
            assert_eq!(player.loop_index(), at / length);
        }
    }
    assert_eq!(boundaries, 3);
    assert!(last_time > EPOCH + 2 * length as i64, "the third loop ran");
    assert_no_refusals(&player);
}

#[test]
fn a_looping_player_never_runs_out() {
    let scenario = shipped("smoke");
    let length = scenario.length_ms;
    let mut looping = Player::new(scenario.clone(), 1, EPOCH, Profile::Standard, true).unwrap();
    let mut once = Player::new(scenario, 1, EPOCH, Profile::Standard, false).unwrap();
    while once.next_due().is_some() {
        once.advance();
    }
    while looping.next_due().is_some_and(|at| at <= 10 * length) {
        looping.advance();
    }
    assert!(looping.next_due().is_some_and(|at| at > 10 * length));
    assert_eq!(once.next_due(), None);
}

/// The server's feed trait, implemented the way `serve` will: by delegation.
struct ScenarioFeed(Player);

impl isymphony_sim::server::EventFeed for ScenarioFeed {
    fn next_due(&mut self) -> Option<u64> {
        self.0.next_due()
    }

    fn advance(&mut self) -> Vec<isymphony_sim::protocol::Event> {
        self.0.advance()
    }
}

#[test]
fn the_player_can_drive_the_servers_event_feed() {
    use isymphony_sim::server::EventFeed;
    let player = Player::new(shipped("smoke"), 7, EPOCH, Profile::Standard, true).unwrap();
    let mut feed: Box<dyn EventFeed> = Box::new(ScenarioFeed(player));
    let mut seen = 0;
    while feed.next_due().is_some_and(|at| at <= 20 * 60_000) {
        seen += feed.advance().len();
    }
    assert!(
        seen > 4 * 30,
        "four loops of smoke give more than 120 events, got {seen}"
    );
}
