//! Traffic over provisioned objects: a scenario with `provisioned = true` names
//! users and queues it does not define; its steps and generators act on them once
//! a client creates them, and a step whose object is missing is reported as any
//! refused step is.

use isymphony_sim::model::{Directory, DirectoryChange, QueueConfig, UserConfig};
use isymphony_sim::protocol::Profile;
use isymphony_sim::scenario::{Player, Scenario};

use super::harness::{EPOCH, scenario};

const FILE: &str = r#"
[scenario]
name = "over provisioned objects"
length = "10m"
provisioned = true

[[steps]]
at = "1m"
action = "login"
user = "sam"

[[steps]]
at = "5m"
action = "login"
user = "kim"

[[generators]]
kind = "inbound_calls"
queue = "sales"
per_hour = 600
"#;

fn over_a_bare_core_server(scenario: Scenario) -> Player {
    let directory = Directory {
        core_server: Directory::default().core_server,
        ..Directory::empty()
    };
    Player::with_directory(scenario, directory, 3, EPOCH, Profile::Standard, false)
        .expect("a bare directory")
}

fn run_until(player: &mut Player, ms: u64) -> Vec<serde_json::Value> {
    let mut events = Vec::new();
    while player.next_due().is_some_and(|at| at <= ms) {
        for event in player.advance() {
            events.push(serde_json::from_str(&event.to_json()).unwrap());
        }
    }
    events
}

#[test]
fn names_the_file_does_not_define_need_the_flag() {
    let refused = Scenario::from_toml(&FILE.replace("provisioned = true", ""), "strict.toml")
        .expect_err("unknown names are refused without the flag");
    let text = refused.to_string();
    assert!(text.contains("unknown user \"sam\""), "{text}");
    assert!(text.contains("unknown queue \"sales\""), "{text}");
}

#[test]
fn steps_and_generators_act_on_objects_once_they_are_provisioned() {
    let mut player = over_a_bare_core_server(scenario(FILE));

    // Nobody exists at 1m: sam's login is a refused step, the queue takes no callers.
    let early = run_until(&mut player, 120_000);
    assert!(early.is_empty(), "{early:?}");
    assert_eq!(player.step_failure_count(), 1);
    let failure = player.step_failures()[0].to_string();
    assert!(failure.contains("unknown user `sam`"), "{failure}");
    assert_eq!(
        player.generator_fault_count(),
        0,
        "no generator bug for what is not there yet"
    );

    // A client creates kim and the queue.
    let kim = UserConfig {
        id: Some("0e3b1c9a-0000-4000-8000-00000000c1a0".into()),
        ..UserConfig::new("kim", "Kim K")
    };
    player
        .configure_outside_at(180_000, &DirectoryChange::CreateUser(kim))
        .expect("kim");
    let queue = QueueConfig::new("sales", "Sales");
    player
        .configure_outside_at(180_000, &DirectoryChange::CreateQueue(queue))
        .expect("sales");

    let later = run_until(&mut player, 360_000);
    let login = later
        .iter()
        .find(|e| e["type"] == "userLogin")
        .expect("kim logs in at 5m");
    assert_eq!(login["userId"], "0e3b1c9a-0000-4000-8000-00000000c1a0");
    assert_eq!(login["username"], "kim");
    assert_eq!(player.step_failure_count(), 1, "kim's step went through");
    assert!(
        !player.pbx().segments().is_empty(),
        "callers wait in the provisioned queue"
    );
    assert_eq!(player.generator_fault_count(), 0);
}

#[test]
fn a_restart_keeps_provisioned_ids_and_gives_scenario_objects_new_ones() {
    let mut player = super::harness::player(super::harness::shipped("smoke"), 1);
    player.advance();
    let sam = UserConfig {
        id: Some("0e3b1c9a-0000-4000-8000-0000000005a0".into()),
        ..UserConfig::new("sam", "Sam S")
    };
    player
        .configure_outside_at(0, &DirectoryChange::CreateUser(sam))
        .expect("sam");
    let (old_users, old_core) = {
        let pbx = player.pbx();
        (
            pbx.users().clone(),
            pbx.core_server().expect("a core server").id.clone(),
        )
    };

    let restarted = player.restarted().expect("restarted");

    let users = restarted.pbx().users();
    assert_eq!(users["sam"].id, "0e3b1c9a-0000-4000-8000-0000000005a0");
    assert_eq!(users.len(), old_users.len(), "the same directory");
    for (name, user) in &old_users {
        if name != "sam" {
            assert_ne!(users[name].id, user.id, "{name} gets a new live id");
        }
    }
    assert_ne!(
        restarted.pbx().core_server().expect("a core server").id,
        old_core
    );
}
