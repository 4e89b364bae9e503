//! `--retime`: rewrites the top-level `time` of a captured frame and nothing
//! else, so every other byte stays as captured (key order, spacing, escapes).
//! The same small scanner tells the audit the order of a frame's keys, which a
//! parsed JSON map does not keep.

/// `text` with the number of its top-level `"time"` key replaced by `time`;
/// `None` when the text is not an object with a numeric top-level `time`.
pub fn retime(text: &str, time: i64) -> Option<String> {
    let (start, end) = time_span(text)?;
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str(&text[..start]);
    out.push_str(&time.to_string());
    out.push_str(&text[end..]);
    Some(out)
}

/// The top-level keys of a JSON object text, in the order written (escapes kept
/// as written); `None` when the text is not an object this scanner can read.
pub fn top_level_keys(text: &str) -> Option<Vec<String>> {
    let mut keys = Vec::new();
    scan_object(text, |key, _, _| {
        keys.push(key.to_string());
        false
    })?;
    Some(keys)
}

/// The byte range of the value of the top-level key `time`, when it is a number.
fn time_span(text: &str) -> Option<(usize, usize)> {
    let mut span = None;
    scan_object(text, |key, start, end| {
        if key != "time" {
            return false;
        }
        let value = &text[start..end];
        let numeric = value
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
        if numeric && !value.is_empty() {
            span = Some((start, end));
        }
        true
    })?;
    span
}

/// Calls `visit(key, value_start, value_end)` for each top-level entry until it
/// returns true; `None` when the text is not a readable object.
fn scan_object(text: &str, mut visit: impl FnMut(&str, usize, usize) -> bool) -> Option<()> {
    let bytes = text.as_bytes();
    let mut i = skip_space(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_space(bytes, i);
        match bytes.get(i)? {
            b'}' => return Some(()),
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = string_end(bytes, i)?;
        let key = &text[i + 1..key_end - 1];
        i = skip_space(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        i = skip_space(bytes, i + 1);
        let value_end = value_end(bytes, i)?;
        if visit(key, i, value_end) {
            return Some(());
        }
        i = value_end;
    }
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The index just past the string starting at `i` (which holds `"`).
fn string_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The index just past the JSON value starting at `i`.
fn value_end(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes.get(i)? {
        b'"' => string_end(bytes, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match bytes.get(j)? {
                    b'"' => {
                        j = string_end(bytes, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while bytes
                .get(j)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_top_level_time_changes() {
        let text = r#"{ "type" : "x", "nested": {"time": 1}, "s": "\"time\": 2", "time" :  17 , "t":[{"time":3}]}"#;
        let out = retime(text, 1_700_000_000_000).expect("retimed");
        assert_eq!(
            out,
            r#"{ "type" : "x", "nested": {"time": 1}, "s": "\"time\": 2", "time" :  1700000000000 , "t":[{"time":3}]}"#
        );
    }

    #[test]
    fn frames_without_a_numeric_time_are_left_alone() {
        for text in [
            r#"{"type":"x"}"#,
            r#"{"time":"5"}"#,
            "[1]",
            "garbage",
            r#"{"time":"#,
        ] {
            assert_eq!(retime(text, 1), None, "{text}");
        }
        assert_eq!(
            retime(r#"{"time":5}"#, -1).as_deref(),
            Some(r#"{"time":-1}"#)
        );
    }

    #[test]
    fn keys_come_in_written_order() {
        assert_eq!(
            top_level_keys(r#"{"b":1,"a":{"z":2},"c":"}"}"#),
            Some(vec!["b".to_string(), "a".to_string(), "c".to_string()])
        );
        assert_eq!(top_level_keys("{}"), Some(vec![]));
        assert_eq!(top_level_keys("[]"), None);
    }
}
