//! Reading one TOML table field by field, recording every problem with its span.
//!
//! The scenario reader works on toml's spanned document tree rather than on serde
//! structs so that it can report every problem of a file at once, each with the
//! field's position, instead of stopping at the first.

use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::scenario::duration::{self, DURATION_HINT, MOMENT_HINT};
use crate::scenario::error::{Problems, did_you_mean};

/// A byte range in the file.
pub(crate) type Span = Range<usize>;

/// A string value with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    /// The string.
    pub value: String,
    /// Where it was written.
    pub span: Span,
}

/// One value of the document with its span.
pub(crate) type Node<'i> = Spanned<DeValue<'i>>;

/// The fields of one table, handed out one at a time. Reading a field declares it
/// known; [`Fields::finish`] reports the fields nobody asked for.
pub(crate) struct Fields<'a, 'i> {
    table: &'a DeTable<'i>,
    span: Span,
    what: String,
    known: Vec<&'static str>,
}

impl<'a, 'i> Fields<'a, 'i> {
    /// The fields of `table`, written at `span`, described in messages as `what`
    /// (e.g. `[[steps]] "dial"`).
    pub(crate) fn new(table: &'a DeTable<'i>, span: Span, what: impl Into<String>) -> Self {
        Fields {
            table,
            span,
            what: what.into(),
            known: Vec::new(),
        }
    }

    /// Reads a node that is a table as fields; `None` (and a problem) otherwise.
    pub(crate) fn of_node(
        node: &'a Node<'i>,
        what: impl Into<String>,
        p: &mut Problems,
    ) -> Option<Self> {
        let what = what.into();
        match node.get_ref() {
            DeValue::Table(table) => Some(Fields::new(table, node.span(), what)),
            other => {
                p.at(
                    node.span(),
                    format!("{what} must be a table, got {}", other.type_str()),
                );
                None
            }
        }
    }

    /// Renames the table in later messages (once its kind is known).
    pub(crate) fn rename(&mut self, what: impl Into<String>) {
        self.what = what.into();
    }

    /// Where the table was written.
    pub(crate) fn span(&self) -> Span {
        self.span.clone()
    }

    /// Declares `key` known and returns its value, if present.
    pub(crate) fn get(&mut self, key: &'static str) -> Option<&'a Node<'i>> {
        self.known.push(key);
        self.table.get(key)
    }

    /// Whether `key` is present (does not declare it known).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    /// Records that a required field is missing, with an example of what to add.
    pub(crate) fn missing(&self, key: &str, example: &str, p: &mut Problems) {
        p.at(
            self.span(),
            format!("{} has no `{key}`; add e.g. `{key} = {example}`", self.what),
        );
    }

    /// A required string.
    pub(crate) fn text(
        &mut self,
        key: &'static str,
        example: &str,
        p: &mut Problems,
    ) -> Option<Text> {
        let found = self.opt_text(key, p);
        if found.is_none() && !self.has(key) {
            self.missing(key, &format!("\"{example}\""), p);
        }
        found
    }

    /// An optional string.
    pub(crate) fn opt_text(&mut self, key: &'static str, p: &mut Problems) -> Option<Text> {
        let node = self.get(key)?;
        expect_text(node, key, p)
    }

    /// An optional boolean, `default` when absent.
    pub(crate) fn flag(&mut self, key: &'static str, default: bool, p: &mut Problems) -> bool {
        let Some(node) = self.get(key) else {
            return default;
        };
        match node.get_ref() {
            DeValue::Boolean(b) => *b,
            other => {
                p.at(
                    node.span(),
                    format!("`{key}` must be true or false, got {}", describe(other)),
                );
                default
            }
        }
    }

    /// An optional number (integer or float), `None` when absent or wrong.
    pub(crate) fn opt_number(
        &mut self,
        key: &'static str,
        p: &mut Problems,
    ) -> Option<(f64, Span)> {
        let node = self.get(key)?;
        expect_number(node, key, p).map(|n| (n, node.span()))
    }

    /// An optional probability in [0, 1], `default` when absent.
    pub(crate) fn probability(&mut self, key: &'static str, default: f64, p: &mut Problems) -> f64 {
        match self.opt_number(key, p) {
            None => default,
            Some((n, _)) if (0.0..=1.0).contains(&n) => n,
            Some((n, span)) => {
                p.at(
                    span,
                    format!(
                        "`{key}` = {n} is not a probability; write a number from 0 to 1, e.g. 0.25"
                    ),
                );
                default
            }
        }
    }

    /// An optional non-negative whole number that fits `max`.
    pub(crate) fn opt_count(
        &mut self,
        key: &'static str,
        max: u64,
        p: &mut Problems,
    ) -> Option<u64> {
        let node = self.get(key)?;
        let value = match node.get_ref() {
            DeValue::Integer(i) => i.as_str().parse::<u64>().ok().filter(|n| *n <= max),
            _ => None,
        };
        if value.is_none() {
            p.at(
                node.span(),
                format!(
                    "`{key}` must be a whole number from 0 to {max}, got {}",
                    describe(node.get_ref())
                ),
            );
        }
        value
    }

    /// An optional duration in milliseconds.
    pub(crate) fn opt_duration(&mut self, key: &'static str, p: &mut Problems) -> Option<u64> {
        let text = self.opt_text_of_kind(key, DURATION_HINT, p)?;
        match duration::parse_duration(&text.value) {
            Ok(ms) => Some(ms),
            Err(reason) => {
                p.at(text.span, format!("`{key}`: {reason}"));
                None
            }
        }
    }

    /// An optional moment of the run (clock time or time since start) in
    /// milliseconds since the start, with its text.
    pub(crate) fn opt_moment(
        &mut self,
        key: &'static str,
        starts_at: u64,
        p: &mut Problems,
    ) -> Option<(u64, Text)> {
        let node = self.get(key)?;
        moment(node, key, starts_at, p)
    }

    /// An optional list of strings.
    pub(crate) fn opt_text_list(
        &mut self,
        key: &'static str,
        example: &str,
        p: &mut Problems,
    ) -> Option<Vec<Text>> {
        let node = self.get(key)?;
        let DeValue::Array(items) = node.get_ref() else {
            p.at(
                node.span(),
                format!(
                    "`{key}` must be a list such as {example}, got {}",
                    describe(node.get_ref())
                ),
            );
            return None;
        };
        Some(
            items
                .iter()
                .filter_map(|item| expect_text(item, key, p))
                .collect(),
        )
    }

    /// Reports every field that was not read, naming the fields this table accepts.
    pub(crate) fn finish(self, p: &mut Problems) {
        // The known fields in the order they were read, once each.
        let mut seen = BTreeSet::new();
        let list: Vec<&str> = self
            .known
            .iter()
            .copied()
            .filter(|k| seen.insert(*k))
            .collect();
        for (key, value) in self.table.iter() {
            let name: &str = key.get_ref();
            if seen.contains(name) {
                continue;
            }
            let noun = match value.get_ref() {
                DeValue::Table(_) => "table",
                DeValue::Array(a) if a.iter().all(|i| i.get_ref().is_table()) && !a.is_empty() => {
                    "table list"
                }
                _ => "field",
            };
            p.at(
                key.span(),
                format!(
                    "unknown {noun} `{name}` in {}{}; expected one of {}",
                    self.what,
                    did_you_mean(name, list.iter().copied()),
                    list.join(", ")
                ),
            );
        }
    }

    fn opt_text_of_kind(
        &mut self,
        key: &'static str,
        hint: &str,
        p: &mut Problems,
    ) -> Option<Text> {
        let node = self.get(key)?;
        match node.get_ref() {
            DeValue::String(s) => Some(Text {
                value: s.to_string(),
                span: node.span(),
            }),
            other => {
                p.at(
                    node.span(),
                    format!(
                        "`{key}` must be a quoted string, got {}; {hint}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }
}

/// A node that must be a string.
pub(crate) fn expect_text(node: &Node<'_>, key: &str, p: &mut Problems) -> Option<Text> {
    match node.get_ref() {
        DeValue::String(s) => Some(Text {
            value: s.to_string(),
            span: node.span(),
        }),
        other => {
            p.at(
                node.span(),
                format!("`{key}` must be a quoted string, got {}", describe(other)),
            );
            None
        }
    }
}

/// A node that must be a number.
pub(crate) fn expect_number(node: &Node<'_>, key: &str, p: &mut Problems) -> Option<f64> {
    let number = match node.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f.as_str().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    };
    if number.is_none() {
        p.at(
            node.span(),
            format!("`{key}` must be a number, got {}", describe(node.get_ref())),
        );
    }
    number
}

/// "a string ("x")", "an integer (5)": what was found, for messages.
pub(crate) fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("the string \"{s}\""),
        DeValue::Integer(i) => format!("the integer {i}"),
        DeValue::Float(f) => format!("the number {f}"),
        DeValue::Boolean(b) => format!("{b}"),
        DeValue::Datetime(d) => format!("the date-time {d}"),
        DeValue::Array(_) => "a list".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// The tables of an array of tables (`[[users]]`), each as fields named `[[name]]`.
pub(crate) fn table_list<'a, 'i>(
    node: Option<&'a Node<'i>>,
    name: &str,
    p: &mut Problems,
) -> Vec<Fields<'a, 'i>> {
    let Some(node) = node else { return Vec::new() };
    let DeValue::Array(items) = node.get_ref() else {
        p.at(
            node.span(),
            format!(
                "`{name}` must be a list of tables written [[{name}]], got {}",
                describe(node.get_ref())
            ),
        );
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| Fields::of_node(item, format!("[[{name}]]"), p))
        .collect()
}

/// A moment of the run written as a string ("08:30", "1h30m") or as an unquoted TOML
/// local time (08:30), in milliseconds since the start, with its text.
pub(crate) fn moment(
    node: &Node<'_>,
    key: &str,
    starts_at: u64,
    p: &mut Problems,
) -> Option<(u64, Text)> {
    let value = match node.get_ref() {
        DeValue::String(s) => s.to_string(),
        // An unquoted `at = 08:30` is a TOML local time; take it as the clock time it means.
        DeValue::Datetime(d) if d.date.is_none() && d.offset.is_none() && d.time.is_some() => {
            let time = d.time?;
            match time.second.unwrap_or(0) {
                0 => format!("{:02}:{:02}", time.hour, time.minute),
                second => format!("{:02}:{:02}:{second:02}", time.hour, time.minute),
            }
        }
        other => {
            p.at(
                node.span(),
                format!(
                    "`{key}` must be a quoted string, got {}; {MOMENT_HINT}",
                    describe(other)
                ),
            );
            return None;
        }
    };
    let text = Text {
        value,
        span: node.span(),
    };
    match duration::parse_moment(&text.value, starts_at) {
        Ok(ms) => Some((ms, text)),
        Err(reason) => {
            p.at(text.span, format!("`{key}`: {reason}"));
            None
        }
    }
}
