//! Shard files (`load --hdr-out FILE`, read by `load merge`): one load process's
//! latency histogram and counters in one text file.
//!
//! The file is an HdrHistogram interval log, the interchange format HdrHistogram's
//! own tools read (Java's `HistogramLogProcessor`, the Python, Go and JavaScript
//! ports), so a histogram can be inspected or re-merged without this program:
//!
//! ```text
//! #isymphony-sim load shard file, format 1: counters as JSON on the next line; latency in µs below
//! #isymphony-sim-load {"format":1,"runId":null,"shard":{"index":0,"count":3},...}
//! #[StartTime: 1764000000.123 (seconds since epoch)]
//! #[BaseTime: 1764000000.123 (seconds since epoch)]
//! Tag=shard-0-of-3,0.000,20.000,14111.000,HISTFAAAA...
//! ```
//!
//! - The interval line holds the whole measurement window's histogram, values in
//!   microseconds, encoded V2 + DEFLATE and base64 (the "compressed" V2 encoding
//!   the Java log reader expects); its timestamp counts from BaseTime, the window
//!   start. Tools that know nothing of us skip the `#` lines.
//! - The line starting `#isymphony-sim-load ` holds every counter
//!   ([`ShardHeader`]): the run id, shard, the run's plan, clients, window start
//!   and length, deliveries, drops, `simNotice` frames and the evictions they
//!   announce (0 when a file lacks them), setup failures and disconnects by close code,
//!   both processes' CPU and the load tool's wake-up delays.
//!
//! Files are written to `FILE.tmp` and renamed, so a reader waiting for a run's
//! shards never sees half a file.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use hdrhistogram::serialization::interval_log::{
    IntervalLogIterator, IntervalLogWriterBuilder, LogEntry, LogIteratorError, Tag,
};
use hdrhistogram::serialization::{Deserializer, V2DeflateSerializer};

use super::measured::{Measured, SHARD_FORMAT, ShardHeader};

/// How the counters line starts.
pub const HEADER_PREFIX: &str = "#isymphony-sim-load ";

/// A shard file that could not be written or read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {what}", path.display())]
pub struct ShardFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it, and the fix where there is one.
    pub what: String,
}

fn error(path: &Path, what: impl Into<String>) -> ShardFileError {
    ShardFileError {
        path: path.to_path_buf(),
        what: what.into(),
    }
}

/// The file's text.
///
/// # Errors
/// When the histogram cannot be encoded (it always can in practice).
pub fn render(measured: &Measured) -> Result<String, String> {
    let header = &measured.header;
    let json = serde_json::to_string(header).map_err(|e| e.to_string())?;
    let start = UNIX_EPOCH + Duration::from_micros(header.window_start_us);
    let tag = format!("shard-{}-of-{}", header.shard.index, header.shard.count);
    let mut text = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    {
        let mut log = IntervalLogWriterBuilder::new()
            .add_comment(&format!(
                "isymphony-sim load shard file, format {SHARD_FORMAT}: counters as JSON on the next line; latency in µs below"
            ))
            .add_comment(&format!("{}{json}", &HEADER_PREFIX[1..]))
            .with_start_time(start)
            .with_base_time(start)
            .begin_log_with(&mut text, &mut serializer)
            .map_err(|e| e.to_string())?;
        log.write_histogram(
            &measured.latency,
            Duration::ZERO,
            Duration::from_secs_f64(header.seconds.max(0.0)),
            Tag::new(&tag),
        )
        .map_err(|e| e.to_string())?;
    }
    String::from_utf8(text).map_err(|e| e.to_string())
}

/// Writes `measured` to `path` (through `path.tmp` and a rename).
///
/// # Errors
/// [`ShardFileError`] naming the file when it cannot be written.
pub fn write(path: &Path, measured: &Measured) -> Result<(), ShardFileError> {
    let text = render(measured).map_err(|e| error(path, format!("cannot encode: {e}")))?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text)
        .map_err(|e| error(&temporary, format!("cannot write: {e}")))?;
    std::fs::rename(&temporary, path).map_err(|e| error(path, format!("cannot write: {e}")))
}

/// Reads the shard file at `path`.
///
/// # Errors
/// [`ShardFileError`] naming the file and line when it cannot be read or is not
/// a shard file of this format.
pub fn read(path: &Path) -> Result<Measured, ShardFileError> {
    let bytes = std::fs::read(path).map_err(|e| error(path, format!("cannot read: {e}")))?;
    parse(path, &bytes)
}

/// Parses a shard file's bytes; `path` is for messages.
///
/// # Errors
/// As [`read`].
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Measured, ShardFileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        error(
            path,
            "not a text file, so not a shard file from `load --hdr-out`",
        )
    })?;
    let mut headers = text
        .lines()
        .enumerate()
        .filter_map(|(at, line)| Some((at + 1, line.strip_prefix(HEADER_PREFIX)?)));
    let (line, json) = headers.next().ok_or_else(|| {
        error(
            path,
            format!(
                "no `{}` line: not a shard file from `load --hdr-out`",
                HEADER_PREFIX.trim_end()
            ),
        )
    })?;
    if let Some((again, _)) = headers.next() {
        return Err(error(
            path,
            format!(
                "line {again}: a second counters line (the first is line {line}); one file holds one shard"
            ),
        ));
    }
    let format = serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("format")?.as_u64());
    if format != Some(u64::from(SHARD_FORMAT)) {
        return Err(error(
            path,
            format!(
                "line {line}: shard file format {} but this isymphony-sim reads format {SHARD_FORMAT}; \
                 merge files written by the same version",
                format.map_or("unknown".to_string(), |f| f.to_string())
            ),
        ));
    }
    let header: ShardHeader = serde_json::from_str(json)
        .map_err(|e| error(path, format!("line {line}: counters: {e}")))?;
    let mut intervals = Vec::new();
    for entry in IntervalLogIterator::new(bytes) {
        match entry {
            Ok(LogEntry::Interval(interval)) => intervals.push(interval.encoded_histogram()),
            Ok(LogEntry::StartTime(_) | LogEntry::BaseTime(_)) => {}
            Err(LogIteratorError::ParseError { offset }) => {
                let line = 1 + bytes[..offset.min(bytes.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                return Err(error(
                    path,
                    format!("line {line}: not a line of an HdrHistogram interval log"),
                ));
            }
        }
    }
    let [encoded] = intervals.as_slice() else {
        return Err(error(
            path,
            format!("{} histogram lines, expected exactly 1", intervals.len()),
        ));
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| error(path, format!("histogram line: not base64: {e}")))?;
    let latency = Deserializer::new()
        .deserialize(&mut decoded.as_slice())
        .map_err(|e| error(path, format!("histogram line: not a V2 histogram: {e:?}")))?;
    Ok(Measured { header, latency })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::fixtures::shard;

    #[test]
    fn a_shard_file_reads_back_as_written() {
        let measured = shard(1, 3, Some("job-1"), &[5, 900, 14_000, 14_000, 2_000_000]);

        let text = render(&measured).expect("renders");
        let back = parse(Path::new("s1.hlog"), text.as_bytes()).expect("parses");

        assert_eq!(back.header, measured.header);
        assert_eq!(back.latency, measured.latency);
        assert!(
            text.lines()
                .any(|l| l.starts_with("Tag=shard-1-of-3,0.000,10.000,")),
            "{text}"
        );
    }

    #[test]
    fn a_file_written_before_notices_were_counted_reads_them_as_zero() {
        let mut measured = shard(0, 1, None, &[7]);
        measured.header.counts.notices = 2;
        measured.header.counts.evicted_announced = 40;
        let text = render(&measured).expect("renders");
        assert!(
            text.contains(r#""notices":2,"evictedAnnounced":40,"#),
            "{text}"
        );
        let old = text.replace(r#""notices":2,"evictedAnnounced":40,"#, "");

        let back = parse(Path::new("old.hlog"), old.as_bytes()).expect("parses");

        assert_eq!(
            (
                back.header.counts.notices,
                back.header.counts.evicted_announced
            ),
            (0, 0)
        );
        assert_eq!(back.header.counts.drops, measured.header.counts.drops);
    }

    #[test]
    fn a_file_that_is_not_a_shard_file_is_refused_naming_it_and_the_line() {
        let good = render(&shard(0, 1, None, &[7])).expect("renders");
        let path = Path::new("bad.hlog");
        let cases = [
            (
                "#just a comment\n".to_string(),
                "bad.hlog: no `#isymphony-sim-load` line",
            ),
            (
                good.replace("\"format\":1", "\"format\":9"),
                "bad.hlog: line 2: shard file format 9",
            ),
            (
                good.replace("\"clients\":30", "\"clients\":\"x\""),
                "bad.hlog: line 2: counters:",
            ),
            (
                format!("{good}{}", good.lines().nth(1).unwrap_or_default()),
                "bad.hlog: line 6: a second counters line",
            ),
            (
                good.lines()
                    .filter(|l| l.starts_with('#'))
                    .map(|l| format!("{l}\n"))
                    .collect::<String>(),
                "bad.hlog: 0 histogram lines",
            ),
            (
                format!("{good}garbage\n"),
                "bad.hlog: line 6: not a line of an HdrHistogram",
            ),
            (good.replace("HISTF", "HISTx"), "bad.hlog: histogram line"),
        ];
        for (text, expected) in cases {
            let err = parse(path, text.as_bytes())
                .expect_err(expected)
                .to_string();
            assert!(err.starts_with(expected), "{err}\nexpected: {expected}");
        }
    }
}
