//! Reading paths out of Rust source text: comments and literals blanked, `use`
//! trees expanded, and the paths written in the code itself.

/// The code of a file: comments, string and character literals blanked, and the
/// trailing unit-test module cut off.
pub(super) fn code_of(text: &str) -> String {
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
pub(super) fn use_paths(code: &str) -> Vec<Vec<String>> {
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

/// `code` with its `use` items blanked: their paths are read by `use_paths`.
fn without_uses(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let boundary = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let Some(end) = rest[at..].find(';').map(|end| at + end) else {
            break;
        };
        out.push_str(&rest[..if boundary { at } else { end }]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Every path written in `code` outside `use`: `crate::x`, `super::x`,
/// `self::x`, and bare ones such as `values::exact_value(ctx)` (a call into a
/// child module, or through a name imported by `use`), which `Tree::read`
/// resolves or drops.
pub(super) fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let code = without_uses(code);
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for (at, &b) in bytes.iter().enumerate() {
        let starts = (b.is_ascii_alphabetic() || b == b'_')
            && at
                .checked_sub(1)
                .is_none_or(|before| !(word(bytes[before]) || bytes[before] == b':'));
        if !starts {
            continue;
        }
        let path: String = code[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        // `super::{...}`, `Vec::<u8>` and plain words are not paths to a file.
        if !path.contains("::") || path.ends_with(':') {
            continue;
        }
        paths.push(
            path.split("::")
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect(),
        );
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_expand_to_every_path() {
        let mut paths = Vec::new();
        expand(&[], &tidy("super::{a, b::{\n c, d}, e as f}"), &mut paths);
        let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
        assert_eq!(
            joined,
            ["super::a", "super::b::c", "super::b::d", "super::e"]
        );
        // A call into a child module by its bare name is a path too; `use`
        // items are left to `use_paths`, turbofish and plain words are no paths.
        let inline: Vec<String> = inline_paths(
            "use a::b::{c, d::E};\nfn f() { values::exact(x); Vec::<u8>::new(); super::g::h(); y }",
        )
        .iter()
        .map(|p| p.join("::"))
        .collect();
        assert_eq!(inline, ["values::exact", "super::g::h"]);
        assert_eq!(
            code_of("let c = '\"'; // crate::x\nlet s = \"super::y\";"),
            "let c = ; \nlet s = \"\";"
        );
    }
}
