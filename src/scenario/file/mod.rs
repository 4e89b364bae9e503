//! The scenario file format (TOML): reading a file into a [`Scenario`], reporting
//! every problem with its line and column.
//!
//! The format is documented on [`crate::scenario`].

mod directory;
mod fault_step;
mod fields;
mod generators;
mod settings;
mod steps;

use std::collections::BTreeSet;

use toml::de::{DeTable, DeValue};

use super::Scenario;
use super::duration::{format_clock, format_duration};
use super::error::{Problems, ScenarioError, did_you_mean};
use crate::model::Directory;
use fields::{Fields, Text};

/// The default length of a run when the file gives none (only reached with errors).
const FALLBACK_LENGTH_MS: u64 = 3_600_000;

/// Reads a scenario from TOML text; `path` names the file in messages.
pub(crate) fn parse(text: &str, path: &str) -> Result<Scenario, ScenarioError> {
    let mut p = Problems::new(text);
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        // After the first error on a line the parser's recovery mostly reports noise.
        let mut lines = BTreeSet::new();
        for err in syntax_errors {
            let span = err.span().unwrap_or(0..0);
            if lines.insert(p.line_of(span.start)) {
                p.at(span, format!("TOML syntax error: {}", err.message()));
            }
        }
        return Err(p.into_error(path));
    }
    let mut root = Fields::new(document.get_ref(), 0..0, "the top level of the file");
    let header = read_header(&mut root, &mut p);
    let (directory, dynamic_agents) = directory::read(&mut root, &mut p);
    let known = Known {
        directory: &directory,
        starts_at: header.starts_at,
        length: header.length,
    };
    let steps = steps::read(root.get("steps"), &known, &mut p);
    let generators = generators::read(root.get("generators"), &known, &dynamic_agents, &mut p);
    root.finish(&mut p);
    if !p.is_empty() {
        return Err(p.into_error(path));
    }
    Ok(Scenario {
        name: header.name,
        description: header.description,
        length_ms: header.length.unwrap_or(FALLBACK_LENGTH_MS),
        starts_at_ms: header.starts_at,
        seed: header.seed,
        directory,
        dynamic_agents,
        steps,
        generators,
        path: path.to_string(),
    })
}

/// The `[scenario]` table.
struct Header {
    name: String,
    description: String,
    length: Option<u64>,
    starts_at: u64,
    seed: Option<u64>,
}

fn read_header(root: &mut Fields<'_, '_>, p: &mut Problems) -> Header {
    let mut header = Header {
        name: String::new(),
        description: String::new(),
        length: None,
        starts_at: 0,
        seed: None,
    };
    let Some(node) = root.get("scenario") else {
        p.at(
            0..0,
            "the file has no [scenario] table; start it with [scenario], name = \"...\" and length = \"8h\"",
        );
        return header;
    };
    let Some(mut fields) = Fields::of_node(node, "[scenario]", p) else {
        return header;
    };
    header.name = fields
        .text("name", "office", p)
        .map(|t| t.value)
        .unwrap_or_default();
    header.description = fields
        .opt_text("description", p)
        .map(|t| t.value)
        .unwrap_or_default();
    if let Some(starts_at) = fields.opt_text("starts_at", p) {
        match super::duration::parse_clock(&starts_at.value) {
            Ok(Some(ms)) => header.starts_at = ms,
            Ok(None) => p.at(
                starts_at.span,
                format!(
                    "`starts_at` = \"{}\" is not a clock time; write e.g. \"08:00\"",
                    starts_at.value
                ),
            ),
            Err(reason) => p.at(starts_at.span, format!("`starts_at`: {reason}")),
        }
    }
    header.length = fields.opt_duration("length", p);
    match header.length {
        Some(0) => p.at(
            fields.span(),
            "`length` must be longer than 0s; write e.g. length = \"8h\"",
        ),
        None if !fields.has("length") => fields.missing("length", "\"8h\"", p),
        _ => {}
    }
    if let Some(node) = fields.get("seed") {
        header.seed = read_seed(node, p);
    }
    fields.finish(p);
    header
}

/// A seed: a TOML integer, or a string of digits for seeds beyond TOML's i64 range.
fn read_seed(node: &fields::Node<'_>, p: &mut Problems) -> Option<u64> {
    let seed = match node.get_ref() {
        DeValue::Integer(i) => i.as_str().parse::<u64>().ok(),
        DeValue::String(s) => s.parse::<u64>().ok(),
        _ => None,
    };
    if seed.is_none() {
        p.at(
            node.span(),
            format!(
                "`seed` must be a whole number from 0 to {} (quote it if it is above {}), got {}",
                u64::MAX,
                i64::MAX,
                fields::describe(node.get_ref())
            ),
        );
    }
    seed
}

/// What the directory defines, for checking references in steps and generators.
pub(crate) struct Known<'d> {
    directory: &'d Directory,
    /// The clock time at which the run starts.
    pub starts_at: u64,
    /// The run's length, if the file gave a valid one.
    pub length: Option<u64>,
}

impl Known<'_> {
    /// Checks that a moment is within the run; `field` names it in the message.
    pub(crate) fn within_length(
        &self,
        at: u64,
        text: &Text,
        field: &str,
        p: &mut Problems,
    ) -> bool {
        let Some(length) = self.length else {
            return true;
        };
        if at <= length {
            return true;
        }
        let end = if self.starts_at > 0 || text.value.contains(':') {
            format!("ends at {}", format_clock(self.starts_at + length))
        } else {
            format!("ends after {}", format_duration(length))
        };
        p.at(
            text.span.clone(),
            format!(
                "`{field}` = \"{}\" is past the end of the scenario (length {}, {end}); use an earlier time or a longer `length`",
                text.value,
                format_duration(length)
            ),
        );
        false
    }

    /// Checks a username.
    pub(crate) fn user(&self, name: &Text, field: &str, p: &mut Problems) -> bool {
        let names = self.directory.users.iter().map(|u| u.username.as_str());
        self.check(name, field, "user", "[[users]]", names, "", p)
    }

    /// Checks an extension number; `fix` is appended to the message.
    pub(crate) fn extension(
        &self,
        number: &Text,
        field: &str,
        fix: &str,
        p: &mut Problems,
    ) -> bool {
        let numbers = self.directory.extensions.iter().map(|e| e.number.as_str());
        self.check(
            number,
            field,
            "extension",
            "[[users]] / [[extensions]]",
            numbers,
            fix,
            p,
        )
    }

    /// Checks a queue identifier.
    pub(crate) fn queue(&self, identifier: &Text, field: &str, p: &mut Problems) -> bool {
        let ids = self.directory.queues.iter().map(|q| q.identifier.as_str());
        self.check(identifier, field, "queue", "[[queues]]", ids, "", p)
    }

    /// Checks a conference room identifier.
    pub(crate) fn room(&self, identifier: &Text, field: &str, p: &mut Problems) -> bool {
        let ids = self.directory.rooms.iter().map(|r| r.identifier.as_str());
        self.check(
            identifier,
            field,
            "conference room",
            "[[rooms]]",
            ids,
            "",
            p,
        )
    }

    /// The user's extensions, if the user exists.
    pub(crate) fn extensions_of(&self, username: &str) -> Option<&[String]> {
        let user = self
            .directory
            .users
            .iter()
            .find(|u| u.username == username)?;
        Some(&user.extensions)
    }

    /// Every username, in file order.
    pub(crate) fn usernames(&self) -> impl Iterator<Item = &str> {
        self.directory.users.iter().map(|u| u.username.as_str())
    }

    #[allow(clippy::too_many_arguments)]
    fn check<'a>(
        &self,
        wanted: &Text,
        field: &str,
        noun: &str,
        defined_by: &str,
        candidates: impl Iterator<Item = &'a str> + Clone,
        fix: &str,
        p: &mut Problems,
    ) -> bool {
        if candidates.clone().any(|c| c == wanted.value) {
            return true;
        }
        let all: Vec<&str> = candidates.collect();
        let listed = if all.is_empty() {
            format!("no {noun} is defined; add it to {defined_by}")
        } else if all.len() > 12 {
            format!("the {defined_by} define {}, …", all[..12].join(", "))
        } else {
            format!("the {defined_by} define {}", all.join(", "))
        };
        p.at(
            wanted.span.clone(),
            format!(
                "`{field}` names unknown {noun} \"{}\"{}; {listed}{fix}",
                wanted.value,
                did_you_mean(&wanted.value, all.iter().copied())
            ),
        );
        false
    }
}
