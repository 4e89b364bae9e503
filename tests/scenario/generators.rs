//! Generator behaviour on small inline scenarios, observed through the commands the
//! player applied.

use isymphony_sim::model::Command;
use isymphony_sim::scenario::RecordedCommand;

use super::harness::{assert_no_refusals, events, player, scenario};

const MINUTE: u64 = 60_000;

/// Runs `text` with `seed`, returning the applied commands.
fn commands(text: &str, seed: u64) -> Vec<RecordedCommand> {
    let mut player = player(scenario(text), seed);
    player.record_commands();
    events(&mut player);
    assert_no_refusals(&player);
    player.recorded().to_vec()
}

fn call_of(command: &Command) -> Option<&str> {
    match command {
        Command::Dial { call, .. }
        | Command::Answer { call, .. }
        | Command::Hangup { call }
        | Command::Transfer { call, .. }
        | Command::Hold { call, .. }
        | Command::Record { call, .. } => Some(call),
        _ => None,
    }
}

const QUEUE: &str = r#"
[scenario]
name = "q"
length = "3h"

[[users]]
username = "agent"
extension = "1001"

[[queues]]
identifier = "support"
"#;

#[test]
fn callers_nobody_answers_give_up_exactly_when_their_patience_ends() {
    let text = format!(
        "{QUEUE}
[[generators]]
kind = \"inbound_calls\"
queue = \"support\"
per_hour = 30
patience = \"2m\"
"
    );
    let applied = commands(&text, 4);
    let dials: Vec<&RecordedCommand> = applied
        .iter()
        .filter(|c| matches!(c.command, Command::Dial { .. }))
        .collect();
    assert!(dials.len() > 40, "{} calls in 3h at 30/h", dials.len());
    for dial in dials {
        let call = call_of(&dial.command);
        let rest: Vec<&RecordedCommand> = applied
            .iter()
            .filter(|c| call_of(&c.command) == call)
            .collect();
        match rest.as_slice() {
            [_, hangup] => {
                assert!(
                    matches!(hangup.command, Command::Hangup { .. }),
                    "no agent, yet {hangup:?}"
                );
                assert_eq!(hangup.at_ms - dial.at_ms, 2 * MINUTE);
            }
            // A caller still waiting when the run ends.
            [_] => assert!(
                dial.at_ms + 2 * MINUTE >= 180 * MINUTE,
                "{call:?} never gave up"
            ),
            other => panic!("no agent: only dial and hangup expected for {call:?}, got {other:?}"),
        }
    }
}

#[test]
fn a_single_agent_takes_callers_in_arrival_order_one_at_a_time() {
    let text = QUEUE.replace(
        "identifier = \"support\"",
        "identifier = \"support\"\nstatic_agents = [\"1001\"]",
    ) + "
[[generators]]
kind = \"inbound_calls\"
queue = \"support\"
per_hour = 20
talk_time = { distribution = \"exponential\", mean = \"4m\", min = \"30s\", max = \"10m\" }
";
    let applied = commands(&text, 9);
    let dialed: Vec<&str> = applied
        .iter()
        .filter(|c| matches!(c.command, Command::Dial { .. }))
        .filter_map(|c| call_of(&c.command))
        .collect();
    let answered: Vec<&str> = applied
        .iter()
        .filter(|c| matches!(c.command, Command::Answer { .. }))
        .filter_map(|c| call_of(&c.command))
        .collect();
    assert!(answered.len() > 20, "{} answered", answered.len());
    assert_eq!(
        answered,
        dialed[..answered.len()],
        "first come, first served"
    );
    let mut on_call: Option<&str> = None;
    for c in &applied {
        match &c.command {
            Command::Answer { call, by } => {
                assert_eq!(by.as_deref(), Some("1001"));
                assert_eq!(on_call, None, "the agent took {call} while on {on_call:?}");
                on_call = Some(call);
            }
            Command::Hangup { call } if on_call == Some(call.as_str()) => on_call = None,
            _ => {}
        }
    }
}

#[test]
fn an_hourly_profile_places_calls_only_in_busy_hours() {
    let text = format!(
        "{QUEUE}
[[generators]]
kind = \"inbound_calls\"
queue = \"support\"
hourly = [0, 60]
patience = \"10s\"
"
    );
    let applied = commands(&text, 2);
    let dial_times: Vec<u64> = applied
        .iter()
        .filter(|c| matches!(c.command, Command::Dial { .. }))
        .map(|c| c.at_ms)
        .collect();
    assert!(
        dial_times.len() > 30,
        "{} calls in the busy hour",
        dial_times.len()
    );
    assert!(
        dial_times
            .iter()
            .all(|t| (60 * MINUTE..120 * MINUTE).contains(t)),
        "{dial_times:?}"
    );
}

#[test]
fn logins_join_queues_and_leave_in_their_windows() {
    let text = r#"
[scenario]
name = "l"
starts_at = "08:00"
length = "10h"

[[users]]
username = "a"
extension = "1001"

[[users]]
username = "b"
extension = "1002"

[[queues]]
identifier = "sales"
dynamic_agents = ["1001", "1002"]

[[generators]]
kind = "logins"
login_between = ["08:00", "09:00"]
logout_between = ["17:00", "18:00"]
"#;
    let applied = commands(text, 5);
    let kinds: Vec<(&str, u64)> = applied
        .iter()
        .map(|c| (c.command.action_name(), c.at_ms))
        .collect();
    let count = |name: &str| kinds.iter().filter(|(k, _)| *k == name).count();
    assert_eq!(
        (
            count("login"),
            count("agent_login"),
            count("agent_logout"),
            count("logout")
        ),
        (2, 2, 2, 2)
    );
    for (kind, at) in &kinds {
        match *kind {
            "login" => assert!(*at < 60 * MINUTE),
            "logout" | "agent_logout" => assert!(*at >= 9 * 60 * MINUTE),
            _ => {}
        }
    }
}

#[test]
fn a_status_with_paused_agents_unpauses_them_and_returns_to_available() {
    let text = r#"
[scenario]
name = "s"
length = "3h"

[[users]]
username = "a"
extension = "1001"

[[queues]]
identifier = "support"
static_agents = ["1001"]

[[steps]]
at = "1m"
action = "login"
user = "a"

[[generators]]
kind = "status"
status = "away"
name = "Lunch"
between = ["1h", "2h"]
duration = "30m"
pause_agents = true
"#;
    let applied = commands(text, 1);
    let actions: Vec<String> = applied
        .iter()
        .map(|c| match &c.command {
            Command::SetStatus { status, .. } => format!("status {}", status.status_type.as_str()),
            Command::AgentPause { paused, .. } => format!("pause {paused}"),
            other => other.action_name().to_string(),
        })
        .collect();
    assert_eq!(
        actions,
        [
            "login",
            "status away",
            "pause true",
            "pause false",
            "status available"
        ]
    );
    assert_eq!(applied[3].at_ms - applied[1].at_ms, 30 * MINUTE);
}

#[test]
fn reception_transfers_only_to_its_targets_after_answering() {
    let text = r#"
[scenario]
name = "r"
length = "2h"

[[users]]
username = "desk"
extension = "100"

[[users]]
username = "x"
extension = "201"

[[users]]
username = "y"
extension = "202"

[[users]]
username = "z"
extension = "203"

[[generators]]
kind = "reception"
receptionists = ["100"]
targets = ["201", "202"]
per_hour = 40
"#;
    let applied = commands(text, 6);
    let transfers: Vec<&RecordedCommand> = applied
        .iter()
        .filter(|c| matches!(c.command, Command::Transfer { .. }))
        .collect();
    assert!(transfers.len() > 10, "{} transfers", transfers.len());
    for t in transfers {
        let Command::Transfer { call, to } = &t.command else {
            unreachable!()
        };
        assert!(to == "201" || to == "202", "transferred to {to}");
        let answered_before = applied.iter().any(|c| {
            c.at_ms < t.at_ms && matches!(&c.command, Command::Answer { call: a, .. } if a == call)
        });
        assert!(
            answered_before,
            "{call} was transferred before the receptionist answered"
        );
    }
}

#[test]
fn conference_participants_join_in_the_window_and_all_leave() {
    let text = r#"
[scenario]
name = "c"
starts_at = "09:00"
length = "2h"

[[users]]
username = "a"
extension = "1001"

[[users]]
username = "b"
extension = "1002"

[[rooms]]
identifier = "weekly"

[[generators]]
kind = "conference"
room = "weekly"
participants = ["a", "b"]
guests = [{ number = "5550100", name = "Guest" }]
start = "10:00"
join_within = "5m"
duration = "30m"
leave_within = "2m"
attendance = 1.0
"#;
    let applied = commands(text, 3);
    let joins: Vec<u64> = applied
        .iter()
        .filter(|c| matches!(c.command, Command::Dial { .. }))
        .map(|c| c.at_ms)
        .collect();
    let leaves: Vec<u64> = applied
        .iter()
        .filter(|c| matches!(c.command, Command::Hangup { .. }))
        .map(|c| c.at_ms)
        .collect();
    assert_eq!((joins.len(), leaves.len()), (3, 3));
    assert!(
        joins
            .iter()
            .all(|t| (60 * MINUTE..=65 * MINUTE).contains(t)),
        "{joins:?}"
    );
    assert!(
        leaves
            .iter()
            .all(|t| (90 * MINUTE..=97 * MINUTE).contains(t)),
        "{leaves:?}"
    );
}
