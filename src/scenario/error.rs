//! What can be wrong with a scenario file, located to the line and column.

use std::fmt;
use std::ops::Range;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong, naming the field, and how to fix it.
    pub message: String,
}

/// Every problem found in one scenario file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The file as the user named it (or the shipped file's name).
    pub path: String,
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ScenarioError {
    /// One line per problem: `path:line:column: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.path, d.line, d.column, d.message)?;
        }
        Ok(())
    }
}

impl ScenarioError {
    /// At most `max_lines` problems, one a line as [`Display`](fmt::Display) gives
    /// them, each cut at `max_line_chars` characters, then a line saying how many
    /// were left out: a bounded answer however broken the file is.
    pub fn bounded(&self, max_lines: usize, max_line_chars: usize) -> String {
        let mut out = String::new();
        for d in self.diagnostics.iter().take(max_lines) {
            if !out.is_empty() {
                out.push('\n');
            }
            let line = format!("{}:{}:{}: {}", self.path, d.line, d.column, d.message);
            match line.char_indices().nth(max_line_chars) {
                Some((cut, _)) => {
                    out.push_str(&line[..cut]);
                    out.push_str(" [...]");
                }
                None => out.push_str(&line),
            }
        }
        let left_out = self.diagnostics.len().saturating_sub(max_lines);
        if left_out > 0 {
            out.push_str(&format!(
                "\n{}: ... and {left_out} more problem(s) not shown; fix these first, or run `isymphony-sim check` on the file",
                self.path
            ));
        }
        out
    }
}

/// Why a scenario could not be read from a file or found by name.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read (a harness problem, not a scenario problem).
    #[error("cannot read scenario file {path}: {source}")]
    Unreadable {
        /// The path as given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Neither a file nor a shipped scenario has that name.
    #[error("no scenario file {name:?} and no shipped scenario of that name; shipped: {shipped}")]
    NotFound {
        /// What the user asked for.
        name: String,
        /// The shipped names, comma separated.
        shipped: String,
    },
    /// The file was read but is not a valid scenario.
    #[error(transparent)]
    Invalid(#[from] ScenarioError),
}

/// Byte offsets to 1-based line and column.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    line_starts: Vec<usize>,
    text: String,
}

impl LineIndex {
    /// Indexes `text`.
    pub(crate) fn new(text: &str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex {
            line_starts,
            text: text.to_string(),
        }
    }

    /// Line and column (in characters) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|start| *start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        let column = self
            .text
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count());
        (line, column + 1)
    }
}

/// Collects the problems of one file while it is read.
#[derive(Debug)]
pub(crate) struct Problems {
    index: LineIndex,
    found: Vec<(usize, Diagnostic)>,
}

impl Problems {
    /// A collector for `text`.
    pub(crate) fn new(text: &str) -> Self {
        Problems {
            index: LineIndex::new(text),
            found: Vec::new(),
        }
    }

    /// Records a problem at the start of `span`.
    pub(crate) fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = self.index.position(span.start);
        self.found.push((
            span.start,
            Diagnostic {
                line,
                column,
                message: message.into(),
            },
        ));
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.index.position(offset).0
    }

    /// Whether any problem was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The problems in file order, as the error for `path`.
    pub(crate) fn into_error(mut self, path: &str) -> ScenarioError {
        // Stable: problems at the same spot keep the order they were found in.
        self.found.sort_by_key(|(offset, _)| *offset);
        self.found.dedup_by(|a, b| a.1 == b.1);
        ScenarioError {
            path: path.to_string(),
            diagnostics: self.found.into_iter().map(|(_, d)| d).collect(),
        }
    }
}

/// The candidate closest to `wanted` by edit distance, if it is close enough to be a
/// likely typo.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(wanted, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// " (did you mean "x"?)" or nothing.
pub(crate) fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(wanted, candidates).map_or_else(String::new, |c| format!(" (did you mean \"{c}\"?)"))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_report_cuts_long_lines_and_counts_what_it_left_out() {
        let error = ScenarioError {
            path: "f.toml".into(),
            diagnostics: (1..=5)
                .map(|line| Diagnostic {
                    line,
                    column: 1,
                    message: "x".repeat(100),
                })
                .collect(),
        };

        let shown = error.bounded(2, 20);

        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 3, "{shown}");
        assert_eq!(lines[0], "f.toml:1:1: xxxxxxxx [...]");
        assert!(lines[2].contains("3 more problem(s)"), "{shown}");
        assert_eq!(error.bounded(10, 1000), error.to_string());
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let index = LineIndex::new("ab\nçd = 1\n");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(3), (2, 1));
        assert_eq!(index.position(6), (2, 3));
        assert_eq!(index.position(999), (3, 1));
    }

    #[test]
    fn typos_get_a_suggestion_and_strangers_do_not() {
        let actions = ["hangup", "hold", "answer"];
        assert_eq!(closest("hangupp", actions), Some("hangup"));
        assert_eq!(closest("fax", actions), None);
        assert_eq!(
            did_you_mean("anser", actions),
            " (did you mean \"answer\"?)"
        );
    }
}
