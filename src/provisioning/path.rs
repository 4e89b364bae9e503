//! Where the Configuration API lives, and a request path cut into decoded segments.

/// The base the FreePBX module uses [SEEN S22] (docs/protocol.md §9.1).
pub const CLIENT_BASE: &str = "/communication_manager/api/resource/";

/// The base the documentation gives [SEEN S20] (docs/protocol.md §1.1, §7 item 11).
pub const DOCUMENTED_BASE: &str = "/communication_manager/rest/config/";

/// Both bases; each serves every resource.
pub const BASES: [&str; 2] = [CLIENT_BASE, DOCUMENTED_BASE];

/// A path under one of the bases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The base it used, so that a `Location` can point back under the same one.
    pub base: &'static str,
    /// The rest, split on `/` and percent-decoded; one trailing slash is ignored.
    pub segments: Vec<String>,
}

/// The base and segments of `path`; `Ok(None)` when it is under neither base.
///
/// # Errors
/// A one-line reason for a bad percent escape or a segment that is not UTF-8.
pub fn locate(path: &str) -> Result<Option<Located>, String> {
    for base in BASES {
        let bare = base.trim_end_matches('/');
        let rest = if let Some(rest) = path.strip_prefix(base) {
            rest
        } else if path == bare {
            ""
        } else {
            continue;
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let segments = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/')
                .map(percent_decode)
                .collect::<Result<_, _>>()?
        };
        return Ok(Some(Located { base, segments }));
    }
    Ok(None)
}

/// `segments` percent-encoded and joined under `base`: a path that [`locate`]
/// reads back to the same segments.
pub fn under(base: &str, segments: &[&str]) -> String {
    let mut path = base.to_string();
    let encoded: Vec<String> = segments.iter().map(|s| percent_encode(s)).collect();
    path.push_str(&encoded.join("/"));
    path
}

fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-decodes one path segment (the Live API's and the Configuration API's).
///
/// # Errors
/// A one-line reason for a bad escape or a segment that is not UTF-8.
pub fn percent_decode(segment: &str) -> Result<String, String> {
    let bad = || format!("bad percent-encoding in path segment `{segment}`");
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .ok_or_else(bad)?;
            decoded.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            decoded.push(byte);
            i += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_bases_and_both_slash_spellings_give_the_same_segments() {
        for path in [
            "/communication_manager/api/resource/asterisk/cs1/extensions",
            "/communication_manager/api/resource/asterisk/cs1/extensions/",
            "/communication_manager/rest/config/asterisk/cs1/extensions",
            "/communication_manager/rest/config/asterisk/cs1/extensions/",
        ] {
            let located = locate(path).unwrap().unwrap();
            assert_eq!(
                located.segments,
                ["asterisk", "cs1", "extensions"],
                "{path}"
            );
        }
        assert_eq!(
            locate("/communication_manager/rest/config")
                .unwrap()
                .unwrap()
                .segments,
            Vec::<String>::new()
        );
        assert_eq!(locate("/communication_manager/rest/live/x").unwrap(), None);
        assert_eq!(
            locate("/communication_manager/api/resourcex").unwrap(),
            None
        );
    }

    #[test]
    fn segments_are_decoded_and_encoded_back() {
        let located = locate("/communication_manager/rest/config/a%20b/caf%C3%A9").unwrap();
        let segments = located.unwrap().segments;
        assert_eq!(segments, ["a b", "café"]);
        let again = under(DOCUMENTED_BASE, &["a b", "café", "x/y"]);
        let back = locate(&again).unwrap().unwrap().segments;
        assert_eq!(back, ["a b", "café", "x/y"]);
        assert!(locate("/communication_manager/rest/config/%zz").is_err());
    }
}
