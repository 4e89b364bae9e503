//! `action = "fault"` steps: read like the control API reads them, placed among
//! their batch's events, noted (not played) by `play`; and the restart they can
//! ask for: new ids, same configuration, time going on.

use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Fault, FaultRequest, Player, Scenario, StepAction};

use super::harness::{EPOCH, scenario};

const FILE: &str = "
[scenario]
name = \"faulty\"
length = \"1m\"

[[users]]
username = \"alice\"
name = \"Alice\"
extension = \"1001\"

[[steps]]
at = \"10s\"
action = \"login\"
user = \"alice\"

[[steps]]
at = \"10s\"
action = \"fault\"
kind = \"close\"
code = 4000
reason = \"scripted\"
client = 2

[[steps]]
at = \"20s\"
action = \"fault\"
kind = \"restart\"
";

#[test]
fn fault_steps_come_out_of_the_batch_in_their_place() {
    let mut player =
        Player::new(scenario(FILE), 1, EPOCH, Profile::Standard, false).expect("model");

    player.advance();
    let loop_start = player.take_faults();
    let events = player.advance();
    let placed = player.take_faults();

    assert!(loop_start.is_empty());
    assert_eq!(events.len(), 1, "the login");
    assert_eq!(placed.len(), 1);
    assert_eq!(
        placed[0].after_events, 1,
        "after the login of the same instant"
    );
    assert_eq!(
        placed[0].request,
        FaultRequest {
            fault: Fault::Close {
                code: 4000,
                reason: "scripted".into()
            },
            client: Some(2)
        }
    );
    assert!(player.take_faults().is_empty(), "taken once");
}

#[test]
fn a_bad_fault_step_names_its_line_and_the_fix() {
    let broken = FILE
        .replace("code = 4000", "code = 1006")
        .replace("\"restart\"", "\"reboot\"");

    let err = Scenario::from_toml(&broken, "faulty.toml").expect_err("two problems");
    let text = err.to_string();

    assert!(
        text.contains("faulty.toml:20:8:") && text.contains("1006 cannot be sent"),
        "{text}"
    );
    assert!(
        text.contains("unknown fault kind \"reboot\"") && text.contains("restart"),
        "{text}"
    );
}

#[test]
fn a_restart_gives_new_ids_the_same_directory_and_time_going_on() {
    let mut player =
        Player::new(scenario(FILE), 1, EPOCH, Profile::Standard, false).expect("model");
    while player.now_ms() < 20_000 {
        player.advance();
    }

    let restarted = player.restarted().expect("restarted");
    let again = player.restarted().expect("restarted");

    let (old, new) = (
        player.pbx().core_server().expect("a core server"),
        restarted.pbx().core_server().expect("a core server"),
    );
    assert_ne!(old.id, new.id, "a new coreServerId");
    assert_eq!(old.slug, new.slug);
    assert_eq!(
        restarted.epoch_ms(),
        EPOCH + 20_000,
        "event times go on from the restart"
    );
    assert_eq!(restarted.restarts(), 1);
    assert_eq!(
        new.id,
        again.pbx().core_server().expect("a core server").id,
        "restarts are deterministic"
    );
    let steps: Vec<bool> = restarted
        .scenario()
        .steps
        .iter()
        .map(|s| matches!(s.action, StepAction::Fault(_)))
        .collect();
    assert_eq!(steps, [false, true, true], "the same scenario");
}
