//! The command blocks of a Markdown file: fenced blocks tagged `sh` (or `bash`,
//! `shell`, `console`), each with its lines and line numbers, and whether the line
//! before its fence marks it as not run in CI.

/// The comment that leaves the next block out of CI, with a reason after the colon.
pub const NOT_RUN: &str = "<!-- not run in CI:";

/// How to mark a block, for failure messages.
pub const HOW_TO_MARK: &str = "to leave a block out of CI, put `<!-- not run in CI: the reason -->` on the line just before its fence";

/// Info strings of blocks that are commands.
const COMMAND_TAGS: [&str; 4] = ["sh", "bash", "shell", "console"];

/// First words that make an untagged block look like commands (a block of output
/// is tagged `text`).
const COMMAND_WORDS: [&str; 5] = ["cargo ", "curl ", "isymphony-sim ", "websocat ", "U="];

/// One line of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the file.
    pub number: usize,
    /// Its text, continuation lines (`\` at the end) joined.
    pub text: String,
}

/// A command block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of its opening fence.
    pub line: usize,
    /// Why it is not run, when it is marked so.
    pub not_run: Option<String>,
    /// Its lines, continuations joined.
    pub lines: Vec<Line>,
}

/// What a file holds: its command blocks, and blocks that look like commands but are
/// not tagged as such (each a problem: "file:line: ...").
#[derive(Debug, Default)]
pub struct Blocks {
    pub commands: Vec<Block>,
    pub problems: Vec<String>,
}

/// Reads the blocks of `text`, named `file` in problems.
pub fn blocks(file: &str, text: &str) -> Blocks {
    let mut found = Blocks::default();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].trim_start().strip_prefix("```") else {
            i += 1;
            continue;
        };
        let open = i;
        let tag = info
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        i += 1;
        let body_start = i;
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            i += 1;
        }
        let body = &lines[body_start..i.min(lines.len())];
        if i >= lines.len() {
            found
                .problems
                .push(format!("{file}:{}: a fence that is never closed", open + 1));
        }
        i += 1;
        let marker = mark_before(&lines, open);
        if COMMAND_TAGS.contains(&tag.as_str()) {
            match marker {
                Some(Err(problem)) => found
                    .problems
                    .push(format!("{file}:{}: {problem}", open + 1)),
                Some(Ok(reason)) => found.commands.push(Block {
                    line: open + 1,
                    not_run: Some(reason),
                    lines: join(body, body_start + 1),
                }),
                None => found.commands.push(Block {
                    line: open + 1,
                    not_run: None,
                    lines: join(body, body_start + 1),
                }),
            }
        } else if tag.is_empty()
            && body
                .iter()
                .map(|l| l.trim_start())
                .find(|l| !l.is_empty())
                .is_some_and(|l| COMMAND_WORDS.iter().any(|w| l.starts_with(w)))
        {
            found.problems.push(format!(
                "{file}:{}: this block holds commands but is not tagged: open it with ```sh so the test runs it ({HOW_TO_MARK})",
                open + 1
            ));
        } else if marker.is_some() {
            found.problems.push(format!(
                "{file}:{}: `{NOT_RUN} ...` stands before a block that is not a command block",
                open + 1
            ));
        }
    }
    found
}

/// The marker on the line before the fence at `open`: the reason, or why the
/// marker is malformed.
fn mark_before(lines: &[&str], open: usize) -> Option<Result<String, String>> {
    let before = lines.get(open.checked_sub(1)?)?.trim();
    let rest = before.strip_prefix(NOT_RUN)?;
    let reason = rest.strip_suffix("-->").map(str::trim);
    Some(match reason {
        Some(reason) if !reason.is_empty() => Ok(reason.to_string()),
        _ => Err(format!(
            "a `{NOT_RUN}` marker needs a reason and a closing `-->`"
        )),
    })
}

/// Joins continuation lines; each logical line keeps the number of its first line.
fn join(body: &[&str], first: usize) -> Vec<Line> {
    let mut joined: Vec<Line> = Vec::new();
    let mut open: Option<Line> = None;
    for (offset, raw) in body.iter().enumerate() {
        let (text, continues) = match raw.trim_end().strip_suffix('\\') {
            Some(head) => (head.trim_end().to_string(), true),
            None => (raw.trim_end().to_string(), false),
        };
        let line = match open.take() {
            Some(mut started) => {
                started.text.push(' ');
                started.text.push_str(text.trim_start());
                started
            }
            None => Line {
                number: first + offset,
                text,
            },
        };
        if continues {
            open = Some(line);
        } else {
            joined.push(line);
        }
    }
    joined.extend(open);
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Title\n\n```sh\ncurl a \\\n  b   # a comment\necho c\n```\n\n<!-- not run in CI: a customer's PBX -->\n```sh\nrecord --target wss://pbx\n```\n\n```\ncurl -u x y\n```\n\n```toml\n[a]\n```\n";

    #[test]
    fn command_blocks_are_found_with_their_lines_and_marks() {
        let found = blocks("DOC.md", DOC);

        assert_eq!(found.commands.len(), 2);
        assert_eq!(found.commands[0].line, 3);
        assert_eq!(
            found.commands[0].lines,
            [
                Line {
                    number: 4,
                    text: "curl a b   # a comment".into()
                },
                Line {
                    number: 6,
                    text: "echo c".into()
                }
            ]
        );
        assert_eq!(found.commands[0].not_run, None);
        assert_eq!(
            found.commands[1].not_run.as_deref(),
            Some("a customer's PBX")
        );
        assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
        assert!(
            found.problems[0].starts_with("DOC.md:14: this block holds commands but is not tagged"),
            "{:?}",
            found.problems
        );
    }

    #[test]
    fn a_marker_needs_a_reason() {
        let found = blocks("DOC.md", "<!-- not run in CI: -->\n```sh\nx\n```\n");
        assert!(found.commands.is_empty());
        assert_eq!(found.problems.len(), 1);
        assert!(
            found.problems[0].contains("needs a reason"),
            "{:?}",
            found.problems
        );
    }
}
