//! Every command block of README.md and docs/*.md runs as printed (see `run.rs` for
//! how), or is marked `<!-- not run in CI: reason -->` on the line before its fence.
//!
//! A test of our own rather than trycmd: trycmd runs one binary's commands and
//! compares whole outputs, while the docs' blocks mix curl, websocat and a
//! long-running `serve` whose output has times and ids in it; what they must show
//! is that each command works against a real server, plus the few outputs the docs
//! print as JSON comments. A new section only needs ```sh blocks; a block that
//! cannot run here (a customer's PBX, a long benchmark) gets the marker.

mod markdown;
mod run;
mod websocat;

use std::path::Path;

use markdown::{Block, blocks};
use run::Session;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The files whose blocks are run: the README and every Markdown file in docs/.
fn files() -> Vec<String> {
    let mut files = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .expect("docs/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(file)).expect("a docs file")
}

#[test]
fn every_block_that_holds_commands_is_tagged_and_every_marker_has_a_reason() {
    let problems: Vec<String> = files()
        .iter()
        .flat_map(|file| blocks(file, &read(file)).problems)
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Tools the docs suggest that are not part of a Rust toolchain, and how to get them:
/// a paragraph that suggests one says how to install it.
const TOOLS: &[(&str, &str)] = &[("cargo insta ", "cargo install cargo-insta")];

#[test]
fn a_paragraph_that_suggests_a_tool_says_how_to_install_it() {
    let mut problems = Vec::new();
    for file in files() {
        let text = read(&file);
        let mut line = 1;
        for paragraph in text.split("\n\n") {
            for (tool, install) in TOOLS {
                if paragraph.contains(tool) && !paragraph.contains(install) {
                    problems.push(format!(
                        "{file}:{line}: suggests `{}` without `{install}`",
                        tool.trim()
                    ));
                }
            }
            line += paragraph.matches('\n').count() + 2;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_command_block_of_the_docs_runs_as_printed() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let mut failures = Vec::new();
    let (mut run, mut marked) = (0, Vec::new());
    for file in files() {
        let found = blocks(&file, &read(&file));
        let mut session = Session::new(&file, scratch.path());
        for block in &found.commands {
            match &block.not_run {
                Some(reason) => marked.push(format!("{file}:{}: {reason}", block.line)),
                None => {
                    run += 1;
                    if let Err(failure) =
                        prepare(block, &session).and_then(|()| session.run_block(block))
                    {
                        failures.push(failure);
                    }
                }
            }
        }
        match session.finish() {
            Ok(log) => {
                for line in log {
                    println!("{file}:{line}");
                }
            }
            Err(failure) => failures.push(failure),
        }
    }
    println!(
        "{run} blocks run; not run in CI:\n  {}",
        marked.join("\n  ")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(run > 0, "no block ran");
}

/// Files a person would have made before a block: a capture recorded from a PBX
/// (made here from our own `serve`, see `Session::record_capture`).
const CAPTURES: [&str; 1] = ["afternoon.jsonl"];

/// Makes what `block` reads that an earlier, unrun block would have made.
fn prepare(block: &Block, session: &Session) -> Result<(), String> {
    for capture in CAPTURES {
        if block.lines.iter().any(|l| l.text.contains(capture)) {
            session.record_capture(capture)?;
        }
    }
    Ok(())
}
