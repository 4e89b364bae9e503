//! The pure layers: model transitions (accepted and refused) and the events they
//! cause, filter semantics against the reference implementation, the Live API read
//! side, and parsers that never panic on bad input.

mod calls;
mod config_api;
mod configure;
mod directory;
mod filter_agreement;
mod live;
mod people;
mod robustness;
mod state_file;

use isymphony_sim::model::{
    Command, Destination, Directory, ExtensionConfig, License, Party, Pbx, QueueConfig, RoomConfig,
    UserConfig,
};
use isymphony_sim::protocol::{Event, Profile};

/// A small office: 1001 Dana and 1002 Front Desk are full users, 1003 Basil is a
/// basic user, 2000 is an extension bound to no one.
fn office() -> Directory {
    let ext = ExtensionConfig::new;
    let user = |username: &str, name: &str, license, extension: &str| UserConfig {
        license,
        extensions: vec![extension.into()],
        ..UserConfig::new(username, name)
    };
    Directory {
        users: vec![
            user("dana", "Dana Q", License::Full, "1001"),
            user("desk", "Front Desk", License::Full, "1002"),
            user("basil", "Basil B", License::Basic, "1003"),
        ],
        extensions: vec![
            ext("1001", "Dana Q"),
            ext("1002", "Front Desk"),
            ext("1003", "Basil B"),
            ext("2000", "Lobby Phone"),
        ],
        queues: vec![
            QueueConfig::new("support", "Support"),
            QueueConfig {
                enabled: false,
                ..QueueConfig::new("closed", "Closed")
            },
        ],
        rooms: vec![RoomConfig::new("weekly", "Weekly", "8000")],
        ..Directory::default()
    }
}

fn pbx() -> Pbx {
    let mut pbx = Pbx::new(office(), 7, Profile::Standard).expect("valid directory");
    pbx.set_time(1_700_000_000_000);
    pbx
}

fn types(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind().name()).collect()
}

fn apply(pbx: &mut Pbx, command: Command) -> Vec<Event> {
    match pbx.apply(&command) {
        Ok(events) => events,
        Err(err) => panic!("{command:?} refused: {err}"),
    }
}

fn dial(call: &str, from: &str, to: Destination) -> Command {
    Command::Dial {
        call: call.into(),
        from: Party::Extension(from.into()),
        to,
    }
}

fn outside(call: &str, to: Destination) -> Command {
    Command::Dial {
        call: call.into(),
        from: Party::External {
            number: "5550123".into(),
            name: "ACME Corp".into(),
            did: Some("5550100".into()),
        },
        to,
    }
}

fn answer(call: &str, by: Option<&str>) -> Command {
    Command::Answer {
        call: call.into(),
        by: by.map(str::to_string),
    }
}

fn hangup(call: &str) -> Command {
    Command::Hangup { call: call.into() }
}
