//! Reading a capture back. A capture cut off by a crash, or with lines damaged
//! later, still gives everything before the first bad line, and says which line
//! that was and why: damage is reported, never fatal, never a panic.

use std::fmt;
use std::path::Path;

use super::capture::{CAPTURE_MARK, Entry, FORMAT_VERSION, Frame, Header, Snapshot, Summary};

/// Why a file cannot be read as a capture at all.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Line 1 is not a capture header.
    #[error(
        "{path}:1: not a capture: {reason}; a capture starts with a header line written by `isymphony-sim record` (see docs/capture.md)"
    )]
    NoHeader {
        /// The file.
        path: String,
        /// What is wrong with line 1.
        reason: String,
    },
    /// Written by a newer format.
    #[error(
        "{path}:1: capture format {found}, but this build reads format {FORMAT_VERSION}; use a newer isymphony-sim"
    )]
    NewerFormat {
        /// The file.
        path: String,
        /// The format it names.
        found: u32,
    },
}

/// Where a capture stops being readable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The 1-based line number of the first bad line.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {}; everything before it is used, nothing after it",
            self.line, self.reason
        )
    }
}

/// A capture as read: its header, every good line in order with its line number,
/// and the damage that stopped the reading, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Capture {
    /// The file, as named in messages.
    pub path: String,
    /// Line 1.
    pub header: Header,
    /// (line number, entry), in file order.
    pub entries: Vec<(usize, Entry)>,
    /// The first bad line, if reading stopped early.
    pub damage: Option<Damage>,
}

impl Capture {
    /// Reads the capture at `path`.
    ///
    /// # Errors
    /// [`CaptureError`] when the file cannot be read or has no header; damage
    /// after the header is in [`Capture::damage`] instead.
    pub fn read(path: &Path) -> Result<Capture, CaptureError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| CaptureError::Unreadable {
            path: shown.clone(),
            source,
        })?;
        Capture::parse(&bytes, &shown)
    }

    /// Reads a capture from its bytes; `path` names it in messages.
    ///
    /// # Errors
    /// As [`Capture::read`].
    pub fn parse(bytes: &[u8], path: &str) -> Result<Capture, CaptureError> {
        let mut lines = bytes.split(|b| *b == b'\n').enumerate().peekable();
        let no_header = |reason: String| CaptureError::NoHeader {
            path: path.to_string(),
            reason,
        };
        let first = lines
            .next()
            .map(|(_, line)| line)
            .filter(|line| !line.is_empty())
            .ok_or_else(|| no_header("the file is empty".to_string()))?;
        let header = read_header(first).map_err(no_header)?;
        if header.format > FORMAT_VERSION {
            return Err(CaptureError::NewerFormat {
                path: path.to_string(),
                found: header.format,
            });
        }
        let mut entries = Vec::new();
        let mut damage = None;
        while let Some((index, line)) = lines.next() {
            let number = index + 1;
            let last = lines.peek().is_none();
            if line.is_empty() {
                // The end of the file after its last newline; a blank line inside is damage.
                if last {
                    break;
                }
                damage = Some(Damage {
                    line: number,
                    reason: "an empty line".to_string(),
                });
                break;
            }
            match read_entry(line) {
                Ok(entry) => entries.push((number, entry)),
                Err(reason) => {
                    let reason = if last {
                        format!("the last line is cut off mid-line ({reason})")
                    } else {
                        reason
                    };
                    damage = Some(Damage {
                        line: number,
                        reason,
                    });
                    break;
                }
            }
        }
        Ok(Capture {
            path: path.to_string(),
            header,
            entries,
            damage,
        })
    }

    /// Every frame, in order.
    pub fn frames(&self) -> impl Iterator<Item = &Frame> {
        self.entries.iter().filter_map(|(_, entry)| match entry {
            Entry::Frame(frame) => Some(frame),
            _ => None,
        })
    }

    /// The first snapshot of the recording (its start), if one was taken.
    pub fn first_snapshot(&self) -> Option<&Snapshot> {
        self.entries.iter().find_map(|(_, entry)| match entry {
            Entry::Live(snapshot) => Some(snapshot),
            _ => None,
        })
    }

    /// The closing summary, when the recorder got to write it.
    pub fn summary(&self) -> Option<&Summary> {
        self.entries.iter().find_map(|(_, entry)| match entry {
            Entry::End(summary) => Some(summary),
            _ => None,
        })
    }
}

fn read_header(line: &[u8]) -> Result<Header, String> {
    let text = std::str::from_utf8(line).map_err(|_| "line 1 is not UTF-8 text".to_string())?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("line 1 is not JSON ({err})"))?;
    if value.get("capture").and_then(serde_json::Value::as_str) != Some(CAPTURE_MARK) {
        return Err(format!("line 1 has no \"capture\": \"{CAPTURE_MARK}\""));
    }
    serde_json::from_value(value).map_err(|err| format!("the header is incomplete ({err})"))
}

fn read_entry(line: &[u8]) -> Result<Entry, String> {
    let text = std::str::from_utf8(line).map_err(|_| "not UTF-8 text".to_string())?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("not JSON ({err})"))?;
    let kind = value
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .ok_or("a JSON line without a string \"kind\"")?
        .to_string();
    serde_json::from_value(value).map_err(|err| format!("a bad \"{kind}\" line ({err})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"capture":"isymphony-sim capture","format":1,"tool":"t","target":"ws://h/x","live":null,"startedMs":0,"startedAt":"","recorded":["events"]}"#;

    fn frame(ms: u64) -> String {
        format!(r#"{{"kind":"frame","ms":{ms},"text":"{{\"type\":\"a\"}}","catalogue":false}}"#)
    }

    #[test]
    fn a_whole_capture_reads_without_damage() {
        let text = format!("{HEADER}\n{}\n{}\n", frame(1), frame(2));
        let capture = Capture::parse(text.as_bytes(), "c.jsonl").expect("a capture");
        assert_eq!(capture.frames().count(), 2);
        assert_eq!(capture.damage, None);
        assert_eq!(capture.entries[1].0, 3, "line numbers count the header");
    }

    #[test]
    fn a_line_cut_off_keeps_what_came_before_and_names_the_line() {
        let full = format!("{HEADER}\n{}\n{}\n", frame(1), frame(2));
        let cut = &full.as_bytes()[..full.len() - 12];
        let capture = Capture::parse(cut, "c.jsonl").expect("a capture");
        assert_eq!(capture.frames().count(), 1);
        let damage = capture.damage.expect("damage");
        assert_eq!(damage.line, 3);
        assert!(damage.reason.contains("cut off"), "{}", damage.reason);
    }

    #[test]
    fn garbage_in_the_middle_stops_the_reading_there() {
        for garbage in ["not json", "{\"kind\":\"frame\"}", "[1]", "", "\u{1}"] {
            let text = format!("{HEADER}\n{}\n{garbage}\n{}\n", frame(1), frame(2));
            let capture = Capture::parse(text.as_bytes(), "c.jsonl").expect("a capture");
            assert_eq!(capture.frames().count(), 1, "{garbage:?}");
            assert_eq!(capture.damage.map(|d| d.line), Some(3), "{garbage:?}");
        }
        let bytes = [HEADER.as_bytes(), b"\n\xff\xfe\n"].concat();
        let capture = Capture::parse(&bytes, "c.jsonl").expect("a capture");
        assert_eq!(capture.damage.map(|d| d.line), Some(2));
    }

    #[test]
    fn a_file_without_a_header_is_refused_with_line_one() {
        for text in ["", "{}", "frames", "{\"capture\":\"other\"}"] {
            let err = Capture::parse(text.as_bytes(), "c.jsonl").expect_err(text);
            assert!(
                err.to_string().starts_with("c.jsonl:1: not a capture"),
                "{err}"
            );
        }
        let newer = HEADER.replace("\"format\":1", "\"format\":99");
        assert!(matches!(
            Capture::parse(newer.as_bytes(), "c.jsonl"),
            Err(CaptureError::NewerFormat { found: 99, .. })
        ));
    }
}
