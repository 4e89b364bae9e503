//! Every reference in the repository leads somewhere inside it: each section of
//! docs/protocol.md that code, tests, benches, case files, the README or the docs cite
//! is a heading there, each rule of docs/architecture.md they cite is a rule heading
//! there, and nothing cites a document that lives outside the repository.
//!
//! The scan works on each file with its comment markers taken off and its lines joined,
//! so a citation wrapped across two comment lines is still read as one. A `§` with no
//! document named before it counts as a section of docs/protocol.md in code, case
//! files, the README (whose table names the document in its header) and
//! docs/protocol.md itself; it is left alone in other prose files such as
//! BENCHMARKS.md, whose bare `§` are their own.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The documents citations name. Built from pieces so that this file, which the scan
/// reads too, holds no citation of its own.
const PROTOCOL_DOC: &str = concat!("docs/protocol", ".md");
const ARCHITECTURE_RULE: &str = concat!("docs/architecture", ".md, rule: ");

/// Texts that name documents outside the repository, with what to cite instead.
const OUTSIDE: &[(&str, &str)] = &[
    (
        concat!("ARCHITECTURE", " rule"),
        "the rule's name in docs/architecture.md",
    ),
    (concat!("ARCHITECTURE", ".md"), "docs/architecture.md"),
    (concat!("STYLE", ".md"), "docs/architecture.md"),
    (concat!("research", "/"), "BENCHMARKS.md or a bench"),
    (concat!("shared", "/spec"), "docs/protocol.md §N"),
    (concat!("isymphony-api", ".md"), "docs/protocol.md §N"),
    (concat!("config-api", ".md"), "docs/protocol.md §9"),
    (concat!("rest", ".json"), "docs/protocol.md §6.3"),
    (concat!("events", ".json"), "docs/protocol.md §4"),
];

/// Folders whose files are scanned, and the single files.
const FOLDERS: &[&str] = &["src", "tests", "benches", "fixtures", "scenarios", "docs"];
const FILES: &[&str] = &["README.md", "BENCHMARKS.md", "Cargo.toml"];

/// How a file's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Rust or TOML: comment markers are stripped, and a bare `§` cites docs/protocol.md.
    Code,
    /// The README and docs/protocol.md: read as is; a bare `§` cites docs/protocol.md.
    CitingProse,
    /// Other Markdown: read as is; a bare `§` is the file's own business.
    Prose,
}

/// One thing wrong, at a file and line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Problem {
    file: String,
    line: usize,
    message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// What the scan found in every file.
#[derive(Debug, Default)]
struct Findings {
    /// Sections of docs/protocol.md that are cited but are no heading there.
    missing_sections: Vec<Problem>,
    /// Rules of docs/architecture.md that are cited but are no rule heading there.
    missing_rules: Vec<Problem>,
    /// Citations of "spec §N", a document outside the repository.
    spec_citations: Vec<Problem>,
    /// Other names of documents outside the repository.
    outside: Vec<Problem>,
}

/// A file's text with comment markers removed and lines joined by spaces, and where
/// each line starts in it.
struct Flat {
    text: String,
    line_starts: Vec<usize>,
}

impl Flat {
    fn new(source: &str, kind: Kind) -> Flat {
        let mut text = String::with_capacity(source.len());
        let mut line_starts = Vec::new();
        for line in source.lines() {
            line_starts.push(text.len());
            let line = match kind {
                Kind::Code => strip_comment_marker(line),
                Kind::CitingProse | Kind::Prose => line,
            };
            text.push_str(line);
            text.push(' ');
        }
        Flat { text, line_starts }
    }

    /// The 1-based line of byte offset `at`.
    fn line_of(&self, at: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= at)
    }
}

fn strip_comment_marker(line: &str) -> &str {
    let trimmed = line.trim_start();
    for marker in ["//!", "///", "//", "/*", "*", "#"] {
        if let Some(rest) = trimmed.strip_prefix(marker) {
            return rest;
        }
    }
    line
}

/// Which document a `§` belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cited {
    Protocol,
    Spec,
    /// Another document of the repository or an RFC; not checked here.
    Other,
    /// No document named before it.
    Bare,
}

/// The document named right before a `§`, from the text before it.
fn cited_document(before: &str) -> Cited {
    let before = before.trim_end();
    let last_word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '`' || c == '[')
        .next()
        .unwrap_or("");
    if last_word.eq_ignore_ascii_case(PROTOCOL_DOC) {
        return Cited::Protocol;
    }
    if last_word.eq_ignore_ascii_case("spec") {
        return Cited::Spec;
    }
    // `BENCHMARKS.md §5`, `RFC 6455 §7.4.1`.
    let other_file = last_word.ends_with(".md");
    let rfc_number = !last_word.is_empty() && last_word.chars().all(|c| c.is_ascii_digit());
    if other_file || rfc_number {
        return Cited::Other;
    }
    Cited::Bare
}

/// Whether the text between two section numbers continues the first citation
/// (`§1, §2`, `§1 and §2`, `§1 or §2`, `§1/§2`, `§1-§3`).
fn continues(between: &str) -> bool {
    matches!(
        between.trim(),
        "," | "and" | ", and" | "or" | "/" | "&" | "-" | "–"
    )
}

/// A section number such as `5`, `5.2` or `10.4` at the start of `text`.
fn section_number(text: &str) -> Option<&str> {
    let mut end = 0;
    let bytes = text.as_bytes();
    loop {
        let digits = bytes[end..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            break;
        }
        end += digits;
        let more =
            bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        if !more {
            break;
        }
        end += 1;
    }
    (end > 0).then(|| &text[..end])
}

/// The sections a citation starting right after a `§` names (both ends of a range such
/// as `3-4`), and where it ends.
fn citation_at(text: &str) -> Option<(Vec<String>, usize)> {
    let first = section_number(text)?;
    let mut len = first.len();
    let mut sections = vec![first.to_string()];
    for dash in ["-", "–"] {
        if let Some(rest) = text[len..].strip_prefix(dash)
            && let Some(last) = section_number(rest)
        {
            sections.push(last.to_string());
            len += dash.len() + last.len();
            break;
        }
    }
    Some((sections, len))
}

/// The sections in reading order (`§2` before `§10`), for messages.
fn listed(sections: &BTreeSet<String>) -> String {
    let mut sorted: Vec<(Vec<u32>, &String)> = sections
        .iter()
        .map(|s| (s.split('.').filter_map(|n| n.parse().ok()).collect(), s))
        .collect();
    sorted.sort();
    sorted
        .iter()
        .map(|(_, s)| format!("§{s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Scans one file's text.
fn scan(
    file: &str,
    source: &str,
    kind: Kind,
    sections: &BTreeSet<String>,
    rules: &BTreeSet<String>,
) -> Findings {
    let flat = Flat::new(source, kind);
    let text = flat.text.as_str();
    let mut found = Findings::default();
    let problem = |at: usize, message: String| Problem {
        file: file.to_string(),
        line: flat.line_of(at),
        message,
    };

    let mut previous: Option<(usize, Cited)> = None;
    for (at, _) in text.match_indices('§') {
        let after = at + '§'.len_utf8();
        let Some((cited_sections, len)) = citation_at(&text[after..]) else {
            continue;
        };
        let document = match previous {
            Some((end, document)) if continues(&text[end..at]) => document,
            _ => {
                let start = text[..at]
                    .char_indices()
                    .rev()
                    .nth(59)
                    .map_or(0, |(i, _)| i);
                cited_document(&text[start..at])
            }
        };
        previous = Some((after + len, document));
        let checks_protocol = match (document, kind) {
            (Cited::Protocol, _) | (Cited::Bare, Kind::Code | Kind::CitingProse) => true,
            (Cited::Spec, _) => {
                found.spec_citations.push(problem(
                    at,
                    format!(
                        "cites the spec's §{}, a document outside the repository; cite {PROTOCOL_DOC} §{} (same numbers)",
                        cited_sections[0], cited_sections[0]
                    ),
                ));
                true
            }
            (Cited::Other, _) | (Cited::Bare, Kind::Prose) => false,
        };
        if checks_protocol {
            for section in cited_sections {
                if !sections.contains(&section) {
                    found.missing_sections.push(problem(
                        at,
                        format!(
                            "cites {PROTOCOL_DOC} §{section}, which is no heading of {PROTOCOL_DOC}; its sections are {}",
                            listed(sections)
                        ),
                    ));
                }
            }
        }
    }

    for (at, _) in text.match_indices(ARCHITECTURE_RULE) {
        let rest = &text[at + ARCHITECTURE_RULE.len()..];
        let name = normalise(rule_name(rest));
        if !rules.contains(&name) {
            found.missing_rules.push(problem(
                at,
                format!(
                    "cites rule \"{name}\" of docs/architecture.md, which has no heading \"rule: {name}\"; its rules are {}",
                    rules.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }

    for (pattern, instead) in OUTSIDE {
        for (at, _) in text.match_indices(pattern) {
            found.outside.push(problem(
                at,
                format!(
                    "names `{pattern}`, which is not in the repository; cite {instead} instead"
                ),
            ));
        }
    }
    found
}

/// The rule name at the start of `text`: up to a closing bracket, a comma, a
/// semicolon, a quote or a full stop that ends a sentence.
fn rule_name(text: &str) -> &str {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let sentence_end = c == '.' && chars.peek().is_none_or(|(_, next)| next.is_whitespace());
        if sentence_end || matches!(c, ')' | '(' | ']' | ';' | ',' | '"' | '`') {
            return &text[..i];
        }
    }
    text
}

fn normalise(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The section numbers of the headings of docs/protocol.md (`## §5 ...` gives `5`).
fn protocol_sections(doc: &str) -> BTreeSet<String> {
    doc.lines()
        .filter_map(|line| {
            let heading = line.strip_prefix('#')?.trim_start_matches('#').trim_start();
            let number = heading.strip_prefix('§')?;
            section_number(number).map(str::to_string)
        })
        .collect()
}

/// The names of the `rule: NAME` headings of docs/architecture.md.
fn architecture_rules(doc: &str) -> BTreeSet<String> {
    doc.lines()
        .filter_map(|line| {
            let heading = line.strip_prefix('#')?.trim_start_matches('#').trim_start();
            let name = heading.strip_prefix("rule:")?;
            Some(normalise(name))
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// Every scanned file of the repository, sorted, with how to read it.
fn scanned_files() -> Vec<(PathBuf, Kind)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Kind)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if let Some(kind) = kind_of(&path) {
                out.push((path, kind));
            }
        }
    }
    let root = Path::new(ROOT);
    let mut files = Vec::new();
    for folder in FOLDERS {
        walk(&root.join(folder), &mut files);
    }
    for file in FILES {
        let path = root.join(file);
        if let Some(kind) = kind_of(&path) {
            files.push((path, kind));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn kind_of(path: &Path) -> Option<Kind> {
    if path.ends_with("README.md") || path.ends_with("docs/protocol.md") {
        return Some(Kind::CitingProse);
    }
    match path.extension()?.to_str()? {
        "rs" | "toml" => Some(Kind::Code),
        "md" => Some(Kind::Prose),
        _ => None,
    }
}

/// Scans the whole repository against its two documents.
fn scan_repository() -> Findings {
    let root = Path::new(ROOT);
    let sections = protocol_sections(&read(&root.join("docs/protocol.md")));
    let rules = architecture_rules(&read(&root.join("docs/architecture.md")));
    let mut all = Findings::default();
    for (path, kind) in scanned_files() {
        let label = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let found = scan(&label, &read(&path), kind, &sections, &rules);
        all.missing_sections.extend(found.missing_sections);
        all.missing_rules.extend(found.missing_rules);
        all.spec_citations.extend(found.spec_citations);
        all.outside.extend(found.outside);
    }
    all
}

fn report(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_cited_section_is_a_heading_of_docs_protocol_md() {
    let found = scan_repository();
    assert!(
        found.missing_sections.is_empty(),
        "{} citation(s) of sections that do not exist:\n{}",
        found.missing_sections.len(),
        report(&found.missing_sections)
    );
}

#[test]
fn every_cited_rule_is_a_rule_heading_of_docs_architecture_md() {
    let found = scan_repository();
    assert!(
        found.missing_rules.is_empty(),
        "{} citation(s) of rules that do not exist:\n{}",
        found.missing_rules.len(),
        report(&found.missing_rules)
    );
}

// Fails until the code comments' `spec §N` citations are rewritten as
// `docs/protocol.md §N` (the server re-layout of issue #16 does that in src/).
#[test]
fn nothing_cites_spec_sections() {
    let found = scan_repository();
    assert!(
        found.spec_citations.is_empty(),
        "{} citation(s) of the spec, which is not in the repository:\n{}",
        found.spec_citations.len(),
        report(&found.spec_citations)
    );
}

// Fails until the code comments that cite the shared architecture notes by rule
// number, and the research notes, cite docs/architecture.md and BENCHMARKS.md instead
// (issue #16, in src/server/).
#[test]
fn nothing_names_a_document_outside_the_repository() {
    let found = scan_repository();
    assert!(
        found.outside.is_empty(),
        "{} reference(s) to documents outside the repository:\n{}",
        found.outside.len(),
        report(&found.outside)
    );
}

#[test]
fn the_documents_have_the_headings_code_relies_on() {
    let root = Path::new(ROOT);
    let sections = protocol_sections(&read(&root.join("docs/protocol.md")));
    let rules = architecture_rules(&read(&root.join("docs/architecture.md")));

    let top: Vec<String> = (1..=10).map(|n| n.to_string()).collect();
    let missing: Vec<&String> = top.iter().filter(|n| !sections.contains(*n)).collect();

    assert!(missing.is_empty(), "docs/protocol.md lacks §{missing:?}");
    for rule in [
        "encode once",
        "nothing dropped silently",
        "one filter definition",
    ] {
        assert!(
            rules.contains(rule),
            "docs/architecture.md lacks rule: {rule}"
        );
    }
}

/// The scanner itself, on texts made up here: it must find what is wrong.
mod scanner {
    use super::*;

    fn sections() -> BTreeSet<String> {
        ["1", "1.1", "3", "4", "5", "5.2"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn rules() -> BTreeSet<String> {
        ["encode once".to_string()].into_iter().collect()
    }

    fn code(text: &str) -> Findings {
        scan("made-up.rs", text, Kind::Code, &sections(), &rules())
    }

    #[test]
    fn a_citation_of_a_missing_section_is_found_with_its_line() {
        let text = format!(
            "fn a() {{}}\n/// Admitted as {PROTOCOL_DOC} §{} says.\n",
            "9.9"
        );

        let found = code(&text);

        assert_eq!(found.missing_sections.len(), 1, "{found:?}");
        assert_eq!(found.missing_sections[0].line, 2);
        assert!(
            found.missing_sections[0]
                .message
                .contains(&format!("§{}", "9.9"))
        );
    }

    #[test]
    fn existing_sections_ranges_and_lists_pass_and_their_missing_members_do_not() {
        let ok = format!(
            "//! See {PROTOCOL_DOC} §{}, §{} and §{}-{}.\n",
            "1.1", "5", "3", "4"
        );
        let bad = format!("//! See {PROTOCOL_DOC} §{}, §{}.\n", "1", "7");

        assert!(code(&ok).missing_sections.is_empty(), "{:?}", code(&ok));
        assert_eq!(code(&bad).missing_sections.len(), 1);
    }

    #[test]
    fn spec_citations_are_found_even_when_wrapped_across_comment_lines() {
        let one_line = format!("// Spec §{}: only for licensed users.\n", "4");
        let wrapped = format!(
            "//! the plain reading of spec\n//! §{} on random events\n",
            "5.2"
        );

        assert_eq!(code(&one_line).spec_citations.len(), 1);
        assert_eq!(code(&wrapped).spec_citations.len(), 1);
        assert_eq!(code(&wrapped).spec_citations[0].line, 2);
    }

    #[test]
    fn other_documents_are_left_alone_and_bare_sections_count_only_in_code() {
        let text = format!(
            "// RFC 6455 §{}, BENCHMARKS.md §{}; bare (§{}).\n",
            "7.4.1", "8", "6.6"
        );

        let in_code = code(&text);
        let in_prose = scan("made-up.md", &text, Kind::Prose, &sections(), &rules());

        assert_eq!(in_code.missing_sections.len(), 1, "{in_code:?}");
        assert!(
            in_code.missing_sections[0]
                .message
                .contains(&format!("§{}", "6.6"))
        );
        assert!(in_prose.missing_sections.is_empty());
    }

    #[test]
    fn rules_and_outside_documents_are_checked() {
        let text = format!(
            "// {ARCHITECTURE_RULE}encode once). {ARCHITECTURE_RULE}encode twice.\n// ({} 5)\n",
            OUTSIDE[0].0
        );

        let found = code(&text);

        assert_eq!(found.missing_rules.len(), 1, "{found:?}");
        assert!(found.missing_rules[0].message.contains("encode twice"));
        assert_eq!(found.outside.len(), 1);
        assert_eq!(found.outside[0].line, 2);
    }
}
