//! The directory part of a scenario file: `[core_server]`, `[[users]]`,
//! `[[extensions]]`, `[[queues]]` and `[[rooms]]`.
//!
//! A user's extensions need no `[[extensions]]` entry: they are created with the
//! user's name. `[[extensions]]` adds extensions no user has, or renames one.

use std::collections::{BTreeMap, BTreeSet};

use super::fields::{Fields, Text, table_list};
use crate::model::{
    CoreServerConfig, Directory, ExtensionConfig, License, QueueConfig, RoomConfig, UserConfig,
};
use crate::scenario::error::Problems;

/// Reads the directory and the queues' dynamic agents (queue -> extensions).
pub(super) fn read(
    root: &mut Fields<'_, '_>,
    p: &mut Problems,
) -> (Directory, BTreeMap<String, Vec<String>>) {
    let mut directory = Directory {
        core_server: Some(read_core_server(root, p)),
        ..Directory::default()
    };
    let mut first_seen = FirstSeen::default();
    let mut bound_extensions: Vec<(Text, String)> = Vec::new();
    for mut fields in table_list(root.get("users"), "users", p) {
        if let Some(user) = read_user(&mut fields, &mut bound_extensions, p)
            && first_seen.is_new("user", &user.0, p)
        {
            directory.users.push(user.1);
        }
        fields.finish(p);
    }
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    let mut unbound: Vec<ExtensionConfig> = Vec::new();
    for mut fields in table_list(root.get("extensions"), "extensions", p) {
        let number = fields.text("number", "1099", p);
        let name = fields.opt_text("name", p);
        fields.finish(p);
        let Some(number) = number else { continue };
        if !first_seen.is_new("[[extensions]] entry for", &number, p) {
            continue;
        }
        let display_name = name.map_or_else(|| number.value.clone(), |n| n.value);
        named.insert(number.value.clone(), display_name.clone());
        if !bound_extensions
            .iter()
            .any(|(t, _)| t.value == number.value)
        {
            unbound.push(ExtensionConfig::new(&number.value, &display_name));
        }
    }
    for (number, owner_name) in bound_extensions {
        if !first_seen.is_new("extension", &number, p) {
            continue;
        }
        let display_name = named.get(&number.value).cloned().unwrap_or(owner_name);
        directory
            .extensions
            .push(ExtensionConfig::new(&number.value, &display_name));
    }
    directory.extensions.extend(unbound);
    let numbers: BTreeSet<String> = directory
        .extensions
        .iter()
        .map(|e| e.number.clone())
        .collect();
    let mut dynamic_agents = BTreeMap::new();
    for mut fields in table_list(root.get("queues"), "queues", p) {
        if let Some((identifier, queue, dynamic)) = read_queue(&mut fields, &numbers, p)
            && first_seen.is_new("queue", &identifier, p)
        {
            dynamic_agents.insert(queue.identifier.clone(), dynamic);
            directory.queues.push(queue);
        }
        fields.finish(p);
    }
    for mut fields in table_list(root.get("rooms"), "rooms", p) {
        let identifier = fields.text("identifier", "weekly", p);
        let name = fields.opt_text("name", p);
        let dial_string = fields.opt_text("dial_string", p);
        fields.finish(p);
        if let Some(identifier) = identifier
            && first_seen.is_new("conference room", &identifier, p)
        {
            let name = name.map_or_else(|| identifier.value.clone(), |n| n.value);
            let dial_string = dial_string.map_or_else(|| identifier.value.clone(), |d| d.value);
            directory
                .rooms
                .push(RoomConfig::new(&identifier.value, &name, &dial_string));
        }
    }
    (directory, dynamic_agents)
}

fn read_core_server(root: &mut Fields<'_, '_>, p: &mut Problems) -> CoreServerConfig {
    let mut config = CoreServerConfig::default();
    let Some(node) = root.get("core_server") else {
        return config;
    };
    let Some(mut fields) = Fields::of_node(node, "[core_server]", p) else {
        return config;
    };
    if let Some(slug) = fields.opt_text("slug", p) {
        config.slug = slug.value;
    }
    if let Some(name) = fields.opt_text("name", p) {
        config.name = name.value;
    }
    config.licensed = fields.flag("licensed", config.licensed, p);
    config.conference_rooms = fields.flag("conference_rooms", config.conference_rooms, p);
    fields.finish(p);
    config
}

/// One `[[users]]` entry; its extensions are added to `bound` with the user's name.
fn read_user(
    fields: &mut Fields<'_, '_>,
    bound: &mut Vec<(Text, String)>,
    p: &mut Problems,
) -> Option<(Text, UserConfig)> {
    let username = fields.text("username", "alice", p);
    let name = fields.opt_text("name", p);
    let license = match fields.opt_text("license", p) {
        None => License::Full,
        Some(t) if t.value == "full" => License::Full,
        Some(t) if t.value == "basic" => License::Basic,
        Some(t) => {
            p.at(
                t.span,
                format!(
                    "`license` = \"{}\" is not a license level; write \"full\" or \"basic\"",
                    t.value
                ),
            );
            License::Full
        }
    };
    let single = fields.opt_text("extension", p);
    let list = fields.opt_text_list("extensions", "[\"1001\", \"1002\"]", p);
    let extensions: Vec<Text> = match (single, list) {
        (Some(one), Some(_)) => {
            p.at(
                one.span.clone(),
                "a user has either `extension` or `extensions`, not both; put every number in `extensions`",
            );
            vec![one]
        }
        (Some(one), None) => vec![one],
        (None, Some(many)) => many,
        (None, None) => Vec::new(),
    };
    let username = username?;
    let display_name = name.map_or_else(|| username.value.clone(), |n| n.value);
    bound.extend(extensions.iter().map(|e| (e.clone(), display_name.clone())));
    let user = UserConfig {
        license,
        extensions: extensions.into_iter().map(|e| e.value).collect(),
        ..UserConfig::new(&username.value, &display_name)
    };
    Some((username, user))
}

/// One `[[queues]]` entry with its dynamic agents.
fn read_queue(
    fields: &mut Fields<'_, '_>,
    numbers: &BTreeSet<String>,
    p: &mut Problems,
) -> Option<(Text, QueueConfig, Vec<String>)> {
    let identifier = fields.text("identifier", "support", p);
    let name = fields.opt_text("name", p);
    let enabled = fields.flag("enabled", true, p);
    let static_agents = fields
        .opt_text_list("static_agents", "[\"1001\"]", p)
        .unwrap_or_default();
    let dynamic_agents = fields
        .opt_text_list("dynamic_agents", "[\"1002\"]", p)
        .unwrap_or_default();
    for agent in static_agents.iter().chain(&dynamic_agents) {
        if !numbers.contains(&agent.value) {
            p.at(
                agent.span.clone(),
                format!(
                    "queue agent \"{}\" is not an extension; agents are extension numbers of [[users]] or [[extensions]]",
                    agent.value
                ),
            );
        }
    }
    for agent in &dynamic_agents {
        if static_agents.iter().any(|s| s.value == agent.value) {
            p.at(
                agent.span.clone(),
                format!(
                    "extension \"{}\" is both a static and a dynamic agent of this queue; keep it in one list",
                    agent.value
                ),
            );
        }
    }
    let identifier = identifier?;
    let name = name.map_or_else(|| identifier.value.clone(), |n| n.value);
    let queue = QueueConfig {
        enabled,
        static_agents: static_agents.into_iter().map(|t| t.value).collect(),
        ..QueueConfig::new(&identifier.value, &name)
    };
    Some((
        identifier,
        queue,
        dynamic_agents.into_iter().map(|t| t.value).collect(),
    ))
}

/// Remembers the first definition of each name, to report duplicates.
#[derive(Default)]
struct FirstSeen {
    seen: BTreeMap<(String, String), usize>,
}

impl FirstSeen {
    /// `true` the first time `name` is defined as a `noun`; a problem afterwards.
    fn is_new(&mut self, noun: &str, name: &Text, p: &mut Problems) -> bool {
        let key = (noun.to_string(), name.value.clone());
        if let Some(first) = self.seen.get(&key) {
            p.at(
                name.span.clone(),
                format!(
                    "{noun} \"{}\" is defined twice (first on line {first}); names must be unique",
                    name.value
                ),
            );
            return false;
        }
        if name.value.is_empty() {
            p.at(name.span.clone(), format!("{noun} name must not be empty"));
            return false;
        }
        self.seen.insert(key, p.line_of(name.span.start));
        true
    }
}
