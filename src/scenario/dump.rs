//! Writing a run back as a script: the same directory, no generators, and every
//! applied command as a step at its exact virtual time. Replaying it with the seed
//! it names gives a byte-identical event stream.

use std::fmt::Write as _;

use super::duration::format_duration;
use super::{RecordedCommand, Scenario};
use crate::model::{Command, Destination, License, Party};

/// The script of a run of `scenario` with `seed` that covered `length_ms` and applied
/// `commands`.
pub fn dump_script(
    scenario: &Scenario,
    seed: u64,
    length_ms: u64,
    commands: &[RecordedCommand],
) -> String {
    let mut out = String::with_capacity(256 + commands.len() * 96);
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!(
        "# Recorded run of {} with seed {seed}: every command the player applied, as a script.",
        scenario.path
    ));
    line("# Replaying it gives the same event stream; object ids depend on the seed below.".into());
    line("[scenario]".into());
    line(format!(
        "name = {}",
        quote(&format!("{} (recorded)", scenario.name))
    ));
    line(format!("description = {}", quote(&scenario.description)));
    line(format!("length = {}", quote(&format_duration(length_ms))));
    // TOML integers stop at i64::MAX; larger seeds are written as strings.
    match i64::try_from(seed) {
        Ok(_) => line(format!("seed = {seed}")),
        Err(_) => line(format!("seed = \"{seed}\"")),
    }
    if scenario.provisioned {
        line("provisioned = true".into());
    }
    let directory = &scenario.directory;
    if let Some(core) = &directory.core_server {
        line(String::new());
        line("[core_server]".into());
        line(format!("slug = {}", quote(&core.slug)));
        line(format!("name = {}", quote(&core.name)));
        line(format!("licensed = {}", core.licensed));
        line(format!("conference_rooms = {}", core.conference_rooms));
    }
    for user in &directory.users {
        line(String::new());
        line("[[users]]".into());
        line(format!("username = {}", quote(&user.username)));
        line(format!("name = {}", quote(&user.display_name())));
        let license = match user.license {
            License::Full => "full",
            License::Basic => "basic",
        };
        line(format!("license = \"{license}\""));
        line(format!("extensions = {}", quote_list(&user.extensions)));
    }
    for extension in &directory.extensions {
        line(String::new());
        line("[[extensions]]".into());
        line(format!("number = {}", quote(&extension.number)));
        line(format!("name = {}", quote(&extension.display_name)));
    }
    for queue in &directory.queues {
        line(String::new());
        line("[[queues]]".into());
        line(format!("identifier = {}", quote(&queue.identifier)));
        line(format!("name = {}", quote(&queue.name)));
        line(format!("enabled = {}", queue.enabled));
        line(format!(
            "static_agents = {}",
            quote_list(&queue.static_agents)
        ));
        let dynamic = scenario
            .dynamic_agents
            .get(&queue.identifier)
            .cloned()
            .unwrap_or_default();
        line(format!("dynamic_agents = {}", quote_list(&dynamic)));
    }
    for room in &directory.rooms {
        line(String::new());
        line("[[rooms]]".into());
        line(format!("identifier = {}", quote(&room.identifier)));
        line(format!("name = {}", quote(&room.name)));
        line(format!("dial_string = {}", quote(&room.dial_string)));
    }
    for recorded in commands {
        out.push_str("\n[[steps]]\n");
        let _ = writeln!(out, "at = \"{}\"", format_duration(recorded.at_ms));
        write_command(&mut out, &recorded.command);
    }
    out
}

fn write_command(out: &mut String, command: &Command) {
    let mut field = |key: &str, value: String| {
        let _ = writeln!(out, "{key} = {value}");
    };
    field("action", quote(command.action_name()));
    match command {
        Command::UserLogin { user, ip, port } => {
            field("user", quote(user));
            field("ip", quote(ip));
            field("port", port.to_string());
        }
        Command::UserLogout { user } => field("user", quote(user)),
        Command::SetStatus { user, status } => {
            field("user", quote(user));
            field("status", quote(status.status_type.as_str()));
            field("name", quote(&status.name));
            field("note", quote(&status.note));
            if let Some(ms) = status.return_in_ms {
                field("return_in", quote(&format_duration(ms)));
            }
            field("custom", status.user_created.to_string());
        }
        Command::AgentLogin { queue, extension } | Command::AgentLogout { queue, extension } => {
            field("queue", quote(queue));
            field("extension", quote(extension));
        }
        Command::AgentPause {
            queue,
            extension,
            paused,
        } => {
            field("queue", quote(queue));
            field("extension", quote(extension));
            field("paused", paused.to_string());
        }
        Command::AgentPenalty {
            queue,
            extension,
            penalty,
        } => {
            field("queue", quote(queue));
            field("extension", quote(extension));
            field("penalty", penalty.to_string());
        }
        Command::SetDnd { extension, on } => {
            field("extension", quote(extension));
            field("on", on.to_string());
        }
        Command::Dial { call, from, to } => {
            field("call", quote(call));
            field("from", party(from));
            field("to", destination(to));
        }
        Command::Answer { call, by } => {
            field("call", quote(call));
            if let Some(by) = by {
                field("by", quote(by));
            }
        }
        Command::Hold { call, on } | Command::Record { call, on } => {
            field("call", quote(call));
            field("on", on.to_string());
        }
        Command::Transfer { call, to } => {
            field("call", quote(call));
            field("to", quote(to));
        }
        Command::Hangup { call } => field("call", quote(call)),
    }
}

fn party(from: &Party) -> String {
    match from {
        Party::Extension(number) => quote(number),
        Party::External { number, name, did } => {
            let did = did
                .as_ref()
                .map_or_else(String::new, |d| format!(", did = {}", quote(d)));
            format!(
                "{{ number = {}, name = {}{did} }}",
                quote(number),
                quote(name)
            )
        }
    }
}

fn destination(to: &Destination) -> String {
    match to {
        Destination::Extension(number) => quote(number),
        Destination::Queue(queue) => format!("{{ queue = {} }}", quote(queue)),
        Destination::Conference(room) => format!("{{ conference = {} }}", quote(room)),
        Destination::External(number) => format!("{{ external = {} }}", quote(number)),
    }
}

/// A TOML string literal, escaped as TOML requires.
fn quote(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| quote(i)).collect();
    format!("[{}]", quoted.join(", "))
}
