//! The scenario file format (TOML): reading a file into a [`Scenario`], reporting
//! every problem with its line and column.
//!
//! The format is documented on [`crate::scenario`].

mod directory;
mod fault_step;
mod fields;
mod generators;
mod known;
mod settings;
mod steps;

use std::collections::BTreeSet;

use toml::de::{DeTable, DeValue};

use super::Scenario;
use super::duration::format_duration;
use super::error::{Problems, ScenarioError};
use super::limits::RunLimits;
use fields::Fields;
use known::Known;

/// The default length of a run when the file gives none (only reached with errors).
const FALLBACK_LENGTH_MS: u64 = 3_600_000;

/// Reads a scenario from TOML text; `path` names the file in messages. A file
/// past one of the static `limits` (rates, length, steps) is refused.
pub(crate) fn parse(text: &str, path: &str, limits: &RunLimits) -> Result<Scenario, ScenarioError> {
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
    let header = read_header(&mut root, limits, &mut p);
    let (directory, dynamic_agents) = directory::read(&mut root, &mut p);
    let known = Known {
        directory: &directory,
        starts_at: header.starts_at,
        length: header.length,
        provisioned: header.provisioned,
        limits,
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
        provisioned: header.provisioned,
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
    provisioned: bool,
}

fn read_header(root: &mut Fields<'_, '_>, limits: &RunLimits, p: &mut Problems) -> Header {
    let mut header = Header {
        name: String::new(),
        description: String::new(),
        length: None,
        starts_at: 0,
        seed: None,
        provisioned: false,
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
        Some(length) if length > limits.max_length_ms => {
            let span = fields
                .get("length")
                .map_or_else(|| fields.span(), |n| n.span());
            p.at(
                span,
                format!(
                    "`length` = {} is longer than the limit of {} (max-scenario-length); shorten it, or raise the limit with --max-scenario-length",
                    format_duration(length),
                    format_duration(limits.max_length_ms)
                ),
            );
            header.length = None;
        }
        _ => {}
    }
    if let Some(node) = fields.get("seed") {
        header.seed = read_seed(node, p);
    }
    header.provisioned = fields.flag("provisioned", false, p);
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
