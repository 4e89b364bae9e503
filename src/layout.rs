//! Checks of the source tree itself, run with the unit tests: imports between
//! the files of `src/` run one way (no circle), and no file passes 500 lines.
//!
//! An import is every `use` and every `crate::`/`super::`/`self::` path in the
//! code (comments, strings and the trailing `#[cfg(test)] mod tests` left out),
//! taken to the file that defines what it names: a re-export is followed to its
//! source, so a folder's `mod.rs` may re-export its children while they import
//! each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Longest file allowed in `src/`.
const MAX_LINES: usize = 500;

/// A module path: `["crate", "server", "fanout"]`; the binary's root is `bin`.
type Module = Vec<String>;

/// Every `.rs` file below `dir`, as paths relative to `src/`.
fn rust_files(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && let Ok(relative) = path.strip_prefix(SRC)
        {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The module a file holds: `server/fanout/mod.rs` is `crate::server::fanout`;
/// `main.rs` and `commands/` belong to the binary.
fn module_of(relative: &str) -> Module {
    let mut parts: Vec<String> = relative
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.first().map(String::as_str) {
        Some("lib") if parts.len() == 1 => vec!["crate".into()],
        Some("main") if parts.len() == 1 => vec!["bin".into()],
        Some("commands") => std::iter::once("bin".to_string()).chain(parts).collect(),
        _ => std::iter::once("crate".to_string()).chain(parts).collect(),
    }
}

/// The code of a file: comments, string and character literals blanked, and the
/// trailing unit-test module cut off.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut code = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        match chars[i] {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                code.push_str("\"\"");
            }
            // A character literal ('x', '\n', '"'); a lifetime ('a) stays.
            '\'' if next == Some('\\') => {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            '\'' if chars.get(i + 2) == Some(&'\'') => i += 3,
            c => {
                code.push(c);
                i += 1;
            }
        }
    }
    code
}

/// The paths of `body`, a use tree: `a::{b, c::{d, e}}` gives a::b, a::c::d, a::c::e.
fn expand(prefix: &[String], body: &str, out: &mut Vec<Vec<String>>) {
    let mut depth = 0;
    let mut start = 0;
    let mut items = Vec::new();
    for (at, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&body[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&body[start..]);
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        match item.find('{') {
            Some(open) if item.ends_with('}') => {
                let mut inner = prefix.to_vec();
                inner.extend(
                    item[..open]
                        .split("::")
                        .filter(|p| !p.is_empty())
                        .map(String::from),
                );
                expand(&inner, &item[open + 1..item.len() - 1], out);
            }
            _ => {
                let item = item.split(" as ").next().unwrap_or_default();
                let mut path = prefix.to_vec();
                path.extend(item.split("::").map(String::from));
                out.push(path);
            }
        }
    }
}

/// A use tree on one line, with no space but the ones around `as`.
fn tidy(tree: &str) -> String {
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut out = String::new();
    for pair in words.windows(2) {
        out.push_str(pair[0]);
        if pair[0] == "as" || pair[1] == "as" {
            out.push(' ');
        }
    }
    out.push_str(words.last().copied().unwrap_or_default());
    out
}

/// Every path named by a `use` item of `code`.
fn use_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let boundary = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let after = &rest[at + 4..];
        let Some(end) = after.find(';') else {
            break;
        };
        if boundary {
            expand(&[], &tidy(&after[..end]), &mut paths);
        }
        rest = &after[end..];
    }
    paths
}

/// Every `crate::`, `super::` or `self::` path written in `code` outside `use`.
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(root) {
            let before = at.checked_sub(1).map(|b| bytes[b]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':') {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            // `super::{...}` and `self::*` are use trees, read by `use_paths`.
            if path.ends_with(':') {
                continue;
            }
            paths.push(
                path.split("::")
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect(),
            );
        }
    }
    paths
}

/// The source tree's modules, what each imports by name, and the paths it uses.
struct Tree {
    files: BTreeMap<Module, String>,
    /// Per module: each name brought in by a `use`, with its absolute path.
    imports: BTreeMap<Module, BTreeMap<String, Module>>,
    /// Per module: every absolute path its code names.
    named: BTreeMap<Module, Vec<Module>>,
}

impl Tree {
    fn read() -> Tree {
        let mut relative = Vec::new();
        rust_files(Path::new(SRC), &mut relative);
        let files: BTreeMap<Module, String> =
            relative.into_iter().map(|r| (module_of(&r), r)).collect();
        let mut tree = Tree {
            files,
            imports: BTreeMap::new(),
            named: BTreeMap::new(),
        };
        let modules: Vec<Module> = tree.files.keys().cloned().collect();
        for module in modules {
            let text = std::fs::read_to_string(Path::new(SRC).join(&tree.files[&module]))
                .unwrap_or_default();
            let code = code_of(&text);
            let mut imports = BTreeMap::new();
            let mut named = Vec::new();
            for path in use_paths(&code) {
                let Some(last) = path.last().cloned() else {
                    continue;
                };
                if let Some(absolute) = tree.absolute(&module, &path) {
                    let (name, target) = if last == "self" {
                        let mut target = absolute;
                        target.pop();
                        (target.last().cloned().unwrap_or_default(), target)
                    } else {
                        (last, absolute)
                    };
                    imports.insert(name, target.clone());
                    named.push(target);
                }
            }
            for path in inline_paths(&code) {
                named.extend(tree.absolute(&module, &path));
            }
            tree.imports.insert(module.clone(), imports);
            tree.named.insert(module, named);
        }
        tree
    }

    /// `path` as written in `module`, made absolute; `None` for other crates.
    fn absolute(&self, module: &[String], path: &[String]) -> Option<Module> {
        let (first, rest) = path.split_first()?;
        let mut base: Module = match first.as_str() {
            "crate" | "isymphony_sim" => vec!["crate".into()],
            "self" => module.to_vec(),
            "super" => module[..module.len().saturating_sub(1)].to_vec(),
            _ => {
                let mut child = module.to_vec();
                child.push(first.clone());
                if !self.files.contains_key(&child) {
                    return None;
                }
                module.to_vec()
            }
        };
        let mut rest = rest;
        if first == "super" {
            while let Some(("super", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
                base.pop();
                rest = tail;
            }
        }
        if !matches!(first.as_str(), "crate" | "isymphony_sim" | "self" | "super") {
            base.push(first.clone());
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file that defines what `path` names, through re-exports.
    fn defining(&self, path: &[String], hops: usize) -> Option<Module> {
        for n in (1..=path.len()).rev() {
            let module = &path[..n];
            if self.files.contains_key(module) {
                let rest = &path[n..];
                if let Some(first) = rest.first()
                    && let Some(source) = self.imports.get(module).and_then(|i| i.get(first))
                    && hops < 16
                {
                    let mut followed = source.clone();
                    followed.extend(rest[1..].iter().cloned());
                    return self.defining(&followed, hops + 1);
                }
                return Some(module.to_vec());
            }
        }
        None
    }

    /// Which files each file imports from.
    fn edges(&self) -> BTreeMap<Module, BTreeSet<Module>> {
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (module, named) in &self.named {
            for path in named {
                if let Some(target) = self.defining(path, 0)
                    && &target != module
                {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
        edges
    }
}

/// One circle of `edges`, as the files it passes through, if there is any.
fn find_circle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        at: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        done: &mut BTreeSet<Module>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(from) = stack.iter().position(|m| m == at) {
            return Some(stack[from..].to_vec());
        }
        if done.contains(at) {
            return None;
        }
        stack.push(at.clone());
        for next in edges.get(at).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, done, stack) {
                return Some(circle);
            }
        }
        stack.pop();
        done.insert(at.clone());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut done, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_imports_from_a_file_that_imports_from_it() {
        let tree = Tree::read();
        assert!(tree.files.len() > 100, "read {} files", tree.files.len());
        let edges = tree.edges();
        if let Some(circle) = find_circle(&edges) {
            let names: Vec<&str> = circle.iter().map(|m| tree.files[m].as_str()).collect();
            panic!(
                "an import circle between files of src/: {} -> {}",
                names.join(" -> "),
                names[0]
            );
        }
    }

    #[test]
    fn the_check_sees_re_exports_and_circles() {
        // server/mod.rs re-exports ServerConfig from config.rs: a use of
        // crate::server::ServerConfig is an import from config.rs.
        let tree = Tree::read();
        let path = ["crate", "server", "ServerConfig"].map(String::from);
        assert_eq!(
            tree.defining(&path, 0).map(|m| tree.files[&m].clone()),
            Some("server/config.rs".to_string())
        );
        let m = |name: &str| vec![name.to_string()];
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        edges.entry(m("a")).or_default().insert(m("b"));
        edges.entry(m("b")).or_default().insert(m("c"));
        assert_eq!(find_circle(&edges), None);
        edges.entry(m("c")).or_default().insert(m("a"));
        assert_eq!(find_circle(&edges).map(|c| c.len()), Some(3));
    }

    #[test]
    fn use_trees_expand_to_every_path() {
        let mut paths = Vec::new();
        expand(&[], &tidy("super::{a, b::{\n c, d}, e as f}"), &mut paths);
        let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
        assert_eq!(
            joined,
            ["super::a", "super::b::c", "super::b::d", "super::e"]
        );
        assert_eq!(
            code_of("let c = '\"'; // crate::x\nlet s = \"super::y\";"),
            "let c = ; \nlet s = \"\";"
        );
    }

    #[test]
    fn no_file_in_src_is_over_500_lines() {
        let tree = Tree::read();
        let long: Vec<String> = tree
            .files
            .values()
            .filter_map(|relative| {
                let text = std::fs::read_to_string(Path::new(SRC).join(relative)).ok()?;
                let lines = text.lines().count();
                (lines > MAX_LINES).then(|| format!("src/{relative}: {lines} lines"))
            })
            .collect();
        assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
    }
}
