//! Reading case files (the format is described in [`super::suite`]), one or a
//! whole suite, with every problem located to its line and column.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::protocol::Profile;
use crate::scenario::duration::parse_duration;
use crate::scenario::{ReadError, Scenario, shipped};

use super::rules::Rule;
use super::suite::{Action, ActionKind, Case, CaseProblem, DEFAULT_EPOCH_MS, Suite};

/// Why a suite could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The path as given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The directory holds no case file.
    #[error("{path} holds no case files (*.toml)")]
    Empty {
        /// The directory.
        path: String,
    },
    /// Case files with problems; every problem of every file, one per line.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<CaseProblem>),
}

/// Reads a suite: every `*.toml` file directly in `path`, or `path` itself when it
/// is a file.
///
/// # Errors
/// [`SuiteError::Invalid`] with every problem of every file, or an I/O error.
pub fn load_suite(path: &Path) -> Result<Suite, SuiteError> {
    let unreadable = |source| SuiteError::Unreadable {
        path: path.display().to_string(),
        source,
    };
    let files = if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(unreadable)? {
            let file = entry.map_err(unreadable)?.path();
            if file.is_file() && file.extension().is_some_and(|e| e == "toml") {
                files.push(file);
            }
        }
        files.sort();
        files
    };
    if files.is_empty() {
        return Err(SuiteError::Empty {
            path: path.display().to_string(),
        });
    }
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| SuiteError::Unreadable {
            path: file.display().to_string(),
            source,
        })?;
        match parse_case(&text, &file) {
            Ok(case) => cases.push(case),
            Err(found) => problems.extend(found),
        }
    }
    if !problems.is_empty() {
        return Err(SuiteError::Invalid(problems));
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Suite {
        path: path.to_path_buf(),
        builtin: false,
        cases,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    case: Header,
    #[serde(default)]
    actions: Vec<Spanned<RawAction>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    description: String,
    scenario: Spanned<String>,
    seed: u64,
    until: Spanned<String>,
    profile: Option<Spanned<String>>,
    epoch: Option<i64>,
    #[serde(default)]
    rules: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    at: Spanned<String>,
    send: Option<String>,
    filter: Option<Vec<Spanned<(String, toml::Value)>>>,
    reconnect: Option<bool>,
    rule: Option<Spanned<String>>,
    literal: Option<bool>,
}

/// Reads one case file's text; `path` names it in messages and locates relative
/// scenario paths.
///
/// # Errors
/// Every problem found, each with line and column.
pub fn parse_case(text: &str, path: &Path) -> Result<Case, Vec<CaseProblem>> {
    let shown = path.display().to_string();
    let mut problems = Problems {
        path: shown.clone(),
        text,
        found: Vec::new(),
    };
    let file: CaseFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(err) => {
            problems.at(err.span().unwrap_or(0..0), err.message().trim().to_string());
            return Err(problems.found);
        }
    };
    let header = file.case;
    let until_ms = problems.duration(&header.until, "until");
    let profile = match &header.profile {
        None => Profile::Standard,
        Some(p) => match p.get_ref().as_str() {
            "standard" => Profile::Standard,
            "extended" => Profile::Extended,
            other => {
                problems.at(
                    p.span(),
                    format!("`profile` = \"{other}\" is unknown; use \"standard\" or \"extended\""),
                );
                Profile::Standard
            }
        },
    };
    let scenario = load_scenario(header.scenario.get_ref(), path, &mut problems, &header);
    let rules: Vec<Rule> = header
        .rules
        .iter()
        .filter_map(|name| problems.rule(name))
        .collect();
    let mut actions = Vec::new();
    for raw in &file.actions {
        if let Some(action) = read_action(raw, until_ms, &mut problems) {
            actions.push(action);
        }
    }
    // Stable: same-time actions keep their file order.
    actions.sort_by_key(|a| a.at_ms);
    let (Some((scenario, scenario_text)), Some(until_ms), true) =
        (scenario, until_ms, problems.found.is_empty())
    else {
        return Err(problems.found);
    };
    Ok(Case {
        name: path
            .file_stem()
            .map_or_else(|| shown.clone(), |s| s.to_string_lossy().into_owned()),
        path: path.to_path_buf(),
        description: header.description,
        scenario_name: header.scenario.into_inner(),
        scenario,
        scenario_text,
        seed: header.seed,
        until_ms,
        profile,
        epoch_ms: header.epoch.unwrap_or(DEFAULT_EPOCH_MS),
        rules,
        actions,
    })
}

/// A scenario named by a case, with its file's text: a path relative to the case
/// file, else a shipped one.
fn load_scenario(
    name: &str,
    case_path: &Path,
    problems: &mut Problems<'_>,
    header: &Header,
) -> Option<(Scenario, String)> {
    let span = header.scenario.span();
    let relative = case_path.parent().unwrap_or(Path::new(".")).join(name);
    let loaded = if relative.is_file() {
        let shown = relative.display().to_string();
        std::fs::read_to_string(&relative)
            .map_err(|source| ReadError::Unreadable {
                path: shown.clone(),
                source,
            })
            .and_then(|text| {
                let scenario = Scenario::from_toml(&text, &shown)?;
                Ok((scenario, text))
            })
    } else if let Some(found) = shipped::find(name) {
        found
            .scenario()
            .map(|scenario| (scenario, found.text.to_string()))
            .map_err(ReadError::from)
    } else {
        let names = shipped::names().join(", ");
        problems.at(
            span,
            format!(
                "`scenario` = \"{name}\" is neither a file next to this case nor a shipped scenario ({names})"
            ),
        );
        return None;
    };
    match loaded {
        Ok(loaded) => Some(loaded),
        Err(err) => {
            problems.at(
                span,
                format!("`scenario` = \"{name}\" cannot be used: {err}"),
            );
            None
        }
    }
}

fn read_action(
    raw: &Spanned<RawAction>,
    until_ms: Option<u64>,
    problems: &mut Problems<'_>,
) -> Option<Action> {
    let action = raw.get_ref();
    let span = raw.span();
    let at_ms = problems.duration(&action.at, "at")?;
    if let Some(until) = until_ms.filter(|until| at_ms > *until) {
        problems.at(
            action.at.span(),
            format!(
                "`at` = \"{}\" is after `until` ({}ms); move the action earlier or extend `until`",
                action.at.get_ref(),
                until
            ),
        );
        return None;
    }
    let given = [
        action.send.is_some(),
        action.filter.is_some(),
        action.reconnect.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        problems.at(
            span,
            "an action needs exactly one of `send = '...'`, `filter = [[\"property\", \"value\"], ...]` or `reconnect = true`",
        );
        return None;
    }
    let kind = if let Some(text) = &action.send {
        ActionKind::Send(text.clone())
    } else if let Some(entries) = &action.filter {
        ActionKind::Filter(read_filter_entries(entries, problems)?)
    } else if action.reconnect == Some(true) {
        ActionKind::Reconnect
    } else {
        problems.at(
            span,
            "`reconnect = false` does nothing; remove the action or write `reconnect = true`",
        );
        return None;
    };
    let rule = match &action.rule {
        Some(name) => Some(problems.rule(name)?),
        None => None,
    };
    let literal = action.literal.unwrap_or(false);
    if literal && matches!(kind, ActionKind::Reconnect) {
        problems.at(
            span,
            "`literal = true` keeps a message's values in differential mode; a reconnect has none, remove it",
        );
        return None;
    }
    Some(Action {
        at_ms,
        line: problems.line_of(span.start),
        kind,
        rule,
        literal,
    })
}

fn read_filter_entries(
    entries: &[Spanned<(String, toml::Value)>],
    problems: &mut Problems<'_>,
) -> Option<Vec<(String, Value)>> {
    let mut out = Vec::with_capacity(entries.len());
    let mut ok = true;
    for entry in entries {
        let (property, value) = entry.get_ref();
        let value = match value {
            toml::Value::String(s) => Value::String(s.clone()),
            toml::Value::Integer(i) => Value::from(*i),
            toml::Value::Boolean(b) => Value::Bool(*b),
            other => {
                problems.at(
                    entry.span(),
                    format!(
                        "filter value {other} must be a string, integer or boolean; send anything else with `send`"
                    ),
                );
                ok = false;
                continue;
            }
        };
        out.push((property.clone(), value));
    }
    ok.then_some(out)
}

/// Collects one file's problems with their positions.
struct Problems<'t> {
    path: String,
    text: &'t str,
    found: Vec<CaseProblem>,
}

impl Problems<'_> {
    fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let line = self.line_of(span.start);
        let line_start = self.text[..span.start.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let column = self
            .text
            .get(line_start..span.start)
            .map_or(1, |s| s.chars().count() + 1);
        self.found.push(CaseProblem {
            path: self.path.clone(),
            line,
            column,
            message: message.into(),
        });
    }

    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    /// The rule a case names, or a problem listing the rules there are.
    fn rule(&mut self, name: &Spanned<String>) -> Option<Rule> {
        let found = Rule::from_id(name.get_ref());
        if found.is_none() {
            self.at(
                name.span(),
                format!(
                    "unknown rule \"{}\"; the rules are: {}",
                    name.get_ref(),
                    Rule::ids().join(", ")
                ),
            );
        }
        found
    }

    fn duration(&mut self, text: &Spanned<String>, field: &str) -> Option<u64> {
        match parse_duration(text.get_ref()) {
            Ok(ms) => Some(ms),
            Err(reason) => {
                self.at(text.span(), format!("`{field}`: {reason}"));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Case, Vec<CaseProblem>> {
        parse_case(text, Path::new("fixtures/conformance/x.toml"))
    }

    const HEADER: &str =
        "[case]\ndescription = \"d\"\nscenario = \"smoke\"\nseed = 7\nuntil = \"5m\"\n";

    #[test]
    fn a_valid_case_reads_with_sorted_actions_and_built_messages() {
        let text = format!(
            "{HEADER}[[actions]]\nat = \"2m\"\nreconnect = true\n\n[[actions]]\nat = \"0s\"\nfilter = [[\"type\", \"hangup\"], [\"port\", 51234], [\"userCreated\", true]]\n"
        );
        let case = parse(&text).expect("valid");
        assert_eq!(case.name, "x");
        assert_eq!(case.until_ms, 300_000);
        assert_eq!(case.actions[0].at_ms, 0);
        assert_eq!(case.actions[0].line, 10);
        assert_eq!(
            case.actions[0].kind.message_text().as_deref(),
            Some(
                r#"{"type":"filter","filters":[{"property":"type","value":"hangup"},{"property":"port","value":51234},{"property":"userCreated","value":true}]}"#
            )
        );
        assert_eq!(case.actions[1].kind, ActionKind::Reconnect);
    }

    #[test]
    fn problems_name_line_and_column() {
        let text = format!(
            "{HEADER}[[actions]]\nat = \"soon\"\nsend = \"x\"\n\n[[actions]]\nat = \"1s\"\nsend = \"x\"\nreconnect = true\n"
        );
        let problems = parse(&text).unwrap_err();
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            shown[0].starts_with("fixtures/conformance/x.toml:7:6: `at`:"),
            "{shown:?}"
        );
        assert!(
            shown[1].starts_with("fixtures/conformance/x.toml:10:1: an action needs exactly one"),
            "{shown:?}"
        );
    }

    #[test]
    fn unknown_keys_and_scenarios_are_reported() {
        let problems = parse("[case]\ndescription = \"d\"\nscenario = \"smoke\"\nseed = 7\nuntil = \"5m\"\nuntill = 1\n").unwrap_err();
        assert!(
            problems[0].message.contains("unknown field `untill`"),
            "{problems:?}"
        );
        let problems =
            parse("[case]\ndescription = \"d\"\nscenario = \"nope\"\nseed = 7\nuntil = \"5m\"\n")
                .unwrap_err();
        assert_eq!((problems[0].line, problems[0].column), (3, 12));
    }
}
