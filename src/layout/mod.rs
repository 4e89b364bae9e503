//! Checks of the source tree itself, run with the unit tests: imports between
//! the files of `src/` run one way (no circle), and no file passes 500 lines.
//!
//! An import is every `use` and every path in the code (`crate::`, `super::`,
//! `self::`, and a bare `child::f` or `Imported::X`; comments, strings and the
//! trailing `#[cfg(test)] mod tests` left out), taken to the file that defines
//! what it names: a re-export is followed to its source, so a folder's `mod.rs`
//! may re-export its children while they import each other, but a `mod.rs` that
//! calls a child which imports from it is a circle.

mod graph;
mod parse;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use graph::Module;
use parse::{code_of, inline_paths, use_paths};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Longest file allowed in `src/`.
const MAX_LINES: usize = 500;

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
                let Some(first) = path.first() else {
                    continue;
                };
                let mut child = module.clone();
                child.push(first.clone());
                let through_import = match imports.get(first) {
                    Some(target) if !tree.files.contains_key(&child) => {
                        let mut absolute: Module = target.clone();
                        absolute.extend(path[1..].iter().cloned());
                        Some(absolute)
                    }
                    _ => None,
                };
                named.extend(through_import.or_else(|| tree.absolute(&module, &path)));
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

#[cfg(test)]
mod tests {
    use super::graph::{find_circle, knots};
    use super::*;

    #[test]
    fn no_file_imports_from_a_file_that_imports_from_it() {
        let tree = Tree::read();
        assert!(tree.files.len() > 100, "read {} files", tree.files.len());
        let edges = tree.edges();
        let name = |m: &Module| tree.files[m].as_str();
        let report: Vec<String> = knots(&edges)
            .iter()
            .map(|knot| {
                let circle = find_circle(knot).unwrap_or_default();
                let mut names: Vec<&str> = circle.iter().map(name).collect();
                names.extend(names.first().copied());
                let imports: Vec<String> = knot
                    .iter()
                    .flat_map(|(from, to)| to.iter().map(move |t| (from, t)))
                    .map(|(from, to)| format!("    {} imports from {}", name(from), name(to)))
                    .collect();
                format!("  {}\n{}", names.join(" -> "), imports.join("\n"))
            })
            .collect();
        assert!(
            report.is_empty(),
            "{} import circle(s) between files of src/; each with every import inside it:\n{}",
            report.len(),
            report.join("\n")
        );
    }

    #[test]
    fn the_check_follows_re_exports() {
        // server/mod.rs re-exports ServerConfig from config.rs: a use of
        // crate::server::ServerConfig is an import from config.rs.
        let tree = Tree::read();
        let path = ["crate", "server", "ServerConfig"].map(String::from);
        assert_eq!(
            tree.defining(&path, 0).map(|m| tree.files[&m].clone()),
            Some("server/config.rs".to_string())
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
