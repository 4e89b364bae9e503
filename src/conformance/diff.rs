//! Comparing two transcripts: line by line on what matters (events without the
//! fields the catalogue lacks, JSON whatever its key order), a diff with context,
//! and the first differing entry told field by field.
//!
//! The diff works on lines, not on text: a last line without a newline is the same
//! line as one with it (diffing text showed an identical last line as removed and
//! re-added).

use serde::Serialize;
use serde_json::{Map, Value};
use similar::{Algorithm, ChangeTag, DiffOp, capture_diff_slices, group_diff_ops};

use super::fields::{ExtraFields, extra_fields, without_extra_fields};

/// Unchanged lines kept around each change.
const CONTEXT: usize = 2;

/// One transcript line, taken apart (see [`Entry::line`](super::transcript::Entry::line)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLine<'a> {
    /// The virtual time as shown (`1m10s`).
    pub time: &'a str,
    /// `client`, `reply`, `event` or `reconnect`.
    pub word: &'a str,
    /// The message or event text.
    pub text: &'a str,
}

impl<'a> ParsedLine<'a> {
    /// Splits a line into time, kind and text; a line of another shape is all text.
    pub fn parse(line: &'a str) -> ParsedLine<'a> {
        let rest = line.trim_start();
        let (time, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let rest = rest.trim_start();
        let (word, text) = rest.split_once(' ').unwrap_or((rest, ""));
        ParsedLine {
            time,
            word,
            text: text.trim_start(),
        }
    }

    /// The event object, for an event line whose text is a JSON object.
    pub fn event(&self) -> Option<Map<String, Value>> {
        if self.word != "event" {
            return None;
        }
        self.object()
    }

    fn object(&self) -> Option<Map<String, Value>> {
        match serde_json::from_str::<Value>(self.text) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        }
    }

    /// What two lines must share to be the same entry: time, kind and content;
    /// JSON compared whatever its key order, events without their extra fields.
    pub fn key(&self) -> String {
        let content = match (self.word, self.object()) {
            ("event", Some(event)) => Value::Object(without_extra_fields(&event)).to_string(),
            (_, Some(object)) => Value::Object(object).to_string(),
            (_, None) => self.text.to_string(),
        };
        format!("{} {} {content}", self.time, self.word)
    }
}

/// One line of a transcript diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    /// `-` expected only, `+` actual only, ` ` both, `…` a run of unchanged lines left out.
    pub tag: char,
    /// The transcript line (or how many lines were left out).
    pub text: String,
}

fn keys(text: &str) -> (Vec<&str>, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let keys = lines.iter().map(|l| ParsedLine::parse(l).key()).collect();
    (lines, keys)
}

/// Whether two transcripts hold the same entries (extra fields and key order aside).
pub fn same_entries(expected: &str, actual: &str) -> bool {
    keys(expected).1 == keys(actual).1
}

/// A line diff from `expected` to `actual`, unchanged runs shortened to `CONTEXT`
/// lines around each change. Lines that differ only in extra fields count as equal
/// and are shown as the actual side has them.
pub fn diff_lines(expected: &str, actual: &str) -> Vec<DiffLine> {
    let (old_lines, old_keys) = keys(expected);
    let (new_lines, new_keys) = keys(actual);
    let ops = capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys);
    let mut out = Vec::new();
    for group in group_diff_ops(ops, CONTEXT) {
        if !out.is_empty() {
            out.push(DiffLine {
                tag: '…',
                text: "unchanged lines left out".to_string(),
            });
        }
        for op in group {
            for change in op.iter_changes(&old_keys, &new_keys) {
                let (tag, text) = match change.tag() {
                    ChangeTag::Delete => ('-', old_lines[change.old_index().unwrap_or(0)]),
                    ChangeTag::Insert => ('+', new_lines[change.new_index().unwrap_or(0)]),
                    ChangeTag::Equal => (' ', new_lines[change.new_index().unwrap_or(0)]),
                };
                out.push(DiffLine {
                    tag,
                    text: text.to_string(),
                });
            }
        }
    }
    out
}

/// Which side of a diff a changed line is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Only in the expected transcript.
    Expected,
    /// Only in the actual transcript.
    Actual,
}

/// Every line that is not common to both transcripts: its side, its index among
/// that side's lines, and the line.
pub fn changed_lines(expected: &str, actual: &str) -> Vec<(Side, usize, String)> {
    let (old_lines, old_keys) = keys(expected);
    let (new_lines, new_keys) = keys(actual);
    let mut out = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys) {
        if matches!(op, DiffOp::Equal { .. }) {
            continue;
        }
        for i in op.old_range() {
            out.push((Side::Expected, i, old_lines[i].to_string()));
        }
        for j in op.new_range() {
            out.push((Side::Actual, j, new_lines[j].to_string()));
        }
    }
    out
}

/// The first entry where two transcripts part, told field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirstDifference {
    /// The expected line, when the expected side has one there.
    pub expected: Option<String>,
    /// The actual line, when the actual side has one there.
    pub actual: Option<String>,
    /// What differs, one item per field (`simSentUs: only in actual (ignored: ...)`).
    pub fields: Vec<String>,
}

/// The first differing entry of two transcripts, `None` when they hold the same.
pub fn first_difference(expected: &str, actual: &str) -> Option<FirstDifference> {
    let (old_lines, old_keys) = keys(expected);
    let (new_lines, new_keys) = keys(actual);
    let ops = capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys);
    let op = ops
        .into_iter()
        .find(|op| !matches!(op, DiffOp::Equal { .. }))?;
    let old = old_lines.get(op.old_range().start).copied();
    let new = new_lines.get(op.new_range().start).copied();
    let (old, new) = match op {
        DiffOp::Delete { .. } => (old, None),
        DiffOp::Insert { .. } => (None, new),
        _ => (old, new),
    };
    let fields = match (old, new) {
        (Some(old), Some(new)) => fields_of(&ParsedLine::parse(old), &ParsedLine::parse(new)),
        (Some(_), None) => vec!["this entry is only in expected".to_string()],
        (None, Some(_)) => vec!["this entry is only in actual".to_string()],
        (None, None) => Vec::new(),
    };
    Some(FirstDifference {
        expected: old.map(str::to_string),
        actual: new.map(str::to_string),
        fields,
    })
}

fn fields_of(old: &ParsedLine<'_>, new: &ParsedLine<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if old.time != new.time {
        out.push(format!(
            "virtual time: expected {}, actual {}",
            old.time, new.time
        ));
    }
    if old.word != new.word {
        out.push(format!("entry: expected {}, actual {}", old.word, new.word));
    }
    match (old.object(), new.object()) {
        (Some(a), Some(b)) => {
            let extra = if new.word == "event" {
                extra_fields(&b)
            } else {
                Vec::new()
            };
            let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
            names.sort();
            names.dedup();
            for name in names {
                let ignored = if extra.contains(name) {
                    " (ignored: the catalogue has no such field)"
                } else {
                    ""
                };
                match (a.get(name), b.get(name)) {
                    (Some(x), Some(y)) if x == y => {}
                    (Some(x), Some(y)) => {
                        out.push(format!("{name}: expected {x}, actual {y}{ignored}"));
                    }
                    (Some(_), None) => out.push(format!("{name}: only in expected")),
                    (None, Some(_)) => out.push(format!("{name}: only in actual{ignored}")),
                    (None, None) => {}
                }
            }
        }
        _ if old.text != new.text => {
            out.push(format!("text: expected {}, actual {}", old.text, new.text))
        }
        _ => {}
    }
    out
}

/// Counts the extra fields of every event line of a transcript text into `extra`.
pub fn note_transcript_fields(extra: &mut ExtraFields, text: &str) {
    for line in text.lines() {
        if let Some(event) = ParsedLine::parse(line).event() {
            extra.note(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(lines: Vec<DiffLine>) -> Vec<String> {
        lines
            .into_iter()
            .map(|l| format!("{}{}", l.tag, l.text))
            .collect()
    }

    #[test]
    fn diffs_keep_context_and_mark_both_sides() {
        let expected = "a\nb\nc\nd\ne\nf\ng\n";
        let actual = "a\nb\nc\nX\ne\nf\ng\n";
        assert_eq!(
            shown(diff_lines(expected, actual)),
            vec![" b", " c", "-d", "+X", " e", " f"]
        );
    }

    #[test]
    fn regression_issue_15_an_identical_last_line_is_not_removed_and_re_added() {
        // The snapshot body has no final newline; the actual transcript one more line.
        assert_eq!(
            shown(diff_lines("a\nb", "a\nb\nc\n")),
            vec![" a", " b", "+c"]
        );
    }

    #[test]
    fn events_differing_only_in_extra_fields_are_the_same_entry() {
        let expected = r#"        0s event     {"type":"hangup","time":1,"coreServerId":"c"}"#;
        let actual = r#"        0s event     {"coreServerId":"c","simSentUs":9,"simSeq":0,"time":1,"type":"hangup"}"#;
        assert!(same_entries(expected, actual));
        assert_eq!(first_difference(expected, actual), None);
    }

    #[test]
    fn the_first_difference_is_told_field_by_field() {
        let expected = "        0s reply     {}\n        1m event     {\"type\":\"hangup\",\"time\":1,\"username\":\"a\"}";
        let actual = "        0s reply     {}\n        1m event     {\"type\":\"hangup\",\"time\":1,\"username\":\"b\",\"simSeq\":3}";
        let first = first_difference(expected, actual).expect("a difference");
        assert_eq!(
            first.fields,
            vec![
                "simSeq: only in actual (ignored: the catalogue has no such field)",
                "username: expected \"a\", actual \"b\""
            ]
        );
        let only_actual = first_difference("a", "a\nb").expect("a difference");
        assert_eq!(only_actual.actual.as_deref(), Some("b"));
        assert_eq!(only_actual.fields, vec!["this entry is only in actual"]);
    }
}
