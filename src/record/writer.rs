//! Writing a capture line by line. The recorder flushes at least once a second,
//! so a crash or a kill loses at most the last second; every line is whole JSON,
//! so a reader stops cleanly at a line cut off mid-way.

use std::io::{self, Write};

use super::capture::{Entry, Header};

/// A capture being written.
#[derive(Debug)]
pub struct CaptureWriter<W: Write> {
    out: W,
    lines: u64,
}

impl<W: Write> CaptureWriter<W> {
    /// Starts a capture on `out` with its header line, flushed at once.
    ///
    /// # Errors
    /// The write fails.
    pub fn start(mut out: W, header: &Header) -> io::Result<CaptureWriter<W>> {
        serde_json::to_writer(&mut out, header)?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(CaptureWriter { out, lines: 1 })
    }

    /// Appends one line (buffered; see [`CaptureWriter::flush`]).
    ///
    /// # Errors
    /// The write fails.
    pub fn write(&mut self, entry: &Entry) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, entry)?;
        self.out.write_all(b"\n")?;
        self.lines += 1;
        Ok(())
    }

    /// Pushes everything written so far to the file.
    ///
    /// # Errors
    /// The write fails.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The output, flushed first when it is a buffer (tests write to memory).
    pub fn into_inner(mut self) -> W {
        let _ = self.out.flush();
        self.out
    }

    /// Lines written, the header included.
    pub fn lines(&self) -> u64 {
        self.lines
    }
}
