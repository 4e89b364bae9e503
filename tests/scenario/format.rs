//! The file format: defaults, spellings people will try, and loading by name.

use isymphony_sim::model::{Command, Destination, License, Party, StatusType};
use isymphony_sim::scenario::{ReadError, Scenario, StepAction, shipped};

use super::harness::scenario;

const HEADER: &str = "[scenario]\nname = \"t\"\nstarts_at = \"08:00\"\nlength = \"2h\"\n";

#[test]
fn users_imply_their_extensions_and_extensions_can_rename_or_add() {
    let s = scenario(&format!(
        "{HEADER}
[[users]]
username = \"alice\"
name = \"Alice A\"
extensions = [\"1001\", \"1002\"]

[[users]]
username = \"bob\"
license = \"basic\"
extension = \"1003\"

[[extensions]]
number = \"1002\"
name = \"Alice's mobile\"

[[extensions]]
number = \"1099\"
name = \"Lobby\"
"
    ));
    let names: Vec<(&str, &str)> = s
        .directory
        .extensions
        .iter()
        .map(|e| (e.number.as_str(), e.display_name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("1001", "Alice A"),
            ("1002", "Alice's mobile"),
            ("1003", "bob"),
            ("1099", "Lobby")
        ]
    );
    assert_eq!(s.directory.users[1].license, License::Basic);
    assert_eq!(s.directory.users[1].display_name(), "bob");
}

#[test]
fn clock_times_quoted_or_not_and_durations_all_place_steps() {
    let s = scenario(&format!(
        "{HEADER}
[[users]]
username = \"alice\"
extension = \"1001\"

[[steps]]
at = 09:30
action = \"logout\"
user = \"alice\"

[[steps]]
at = \"08:30\"
action = \"login\"
user = \"alice\"

[[steps]]
at = \"1h15m\"
action = \"dnd\"
extension = \"1001\"
"
    ));
    let times: Vec<(u64, &str)> = s
        .steps
        .iter()
        .map(|st| (st.at_ms, st.at_text.as_str()))
        .collect();
    assert_eq!(
        times,
        [
            (1_800_000, "08:30"),
            (4_500_000, "1h15m"),
            (5_400_000, "09:30")
        ],
        "steps are sorted by time whatever their file order"
    );
}

#[test]
fn party_and_destination_spellings_map_to_commands() {
    let s = scenario(&format!(
        "{HEADER}
[[users]]
username = \"alice\"
extension = \"1001\"

[[queues]]
identifier = \"support\"

[[rooms]]
identifier = \"weekly\"

[[steps]]
at = \"1m\"
action = \"dial\"
call = \"a\"
from = {{ number = \"5550123\", name = \"ACME\", did = \"5550100\" }}
to = {{ queue = \"support\" }}

[[steps]]
at = \"2m\"
action = \"dial\"
call = \"b\"
from = \"1001\"
to = {{ external = \"5550199\" }}

[[steps]]
at = \"3m\"
action = \"dial\"
call = \"c\"
from = {{ extension = \"1001\" }}
to = {{ conference = \"weekly\" }}

[[steps]]
at = \"4m\"
action = \"status\"
user = \"alice\"
status = \"xa\"
return_in = \"1h\"
"
    ));
    let commands: Vec<&Command> = s
        .steps
        .iter()
        .filter_map(|st| match &st.action {
            StepAction::Command(command) => Some(command),
            StepAction::Fault(_) => None,
        })
        .collect();
    assert_eq!(
        commands[0],
        &Command::Dial {
            call: "a".into(),
            from: Party::External {
                number: "5550123".into(),
                name: "ACME".into(),
                did: Some("5550100".into())
            },
            to: Destination::Queue("support".into()),
        }
    );
    assert!(
        matches!(commands[1], Command::Dial { to: Destination::External(n), .. } if n == "5550199")
    );
    assert!(
        matches!(commands[2], Command::Dial { from: Party::Extension(e), to: Destination::Conference(r), .. } if e == "1001" && r == "weekly")
    );
    let Command::SetStatus { status, .. } = commands[3] else {
        panic!("not a status: {:?}", commands[3]);
    };
    assert_eq!(status.status_type, StatusType::Xa);
    assert_eq!(status.name, "Extended Away");
    assert_eq!(status.return_in_ms, Some(3_600_000));
}

#[test]
fn shipped_scenarios_load_by_name_file_name_or_path() {
    assert_eq!(Scenario::open("smoke").unwrap().name, "smoke");
    assert_eq!(Scenario::open("smoke.toml").unwrap().name, "smoke");
    assert_eq!(
        Scenario::open("scenarios/smoke.toml").unwrap().name,
        "smoke"
    );
    let Err(ReadError::NotFound { shipped, .. }) = Scenario::open("no-such-scenario") else {
        panic!("an unknown name must be NotFound");
    };
    assert_eq!(
        shipped,
        "office, reception, callcentre-peak, conference, smoke"
    );
}

#[test]
fn every_shipped_file_says_what_it_shows() {
    for s in shipped::ALL {
        assert!(
            s.text.starts_with("# "),
            "{} must start with a comment saying what it shows",
            s.name
        );
    }
    assert!(shipped::find(shipped::DEFAULT).is_some());
}
