//! When the message a client is sending began. tungstenite gathers a fragmented
//! message (or a large frame) inside and shows only whole messages, so a client
//! could keep a first fragment just under the size limit open for ever, pinging
//! to look alive. [`Watched`] reads the frame headers as the bytes pass (it
//! buffers nothing but a header) and [`MessageClock`] tells the session since
//! when a data message has been incomplete, so it can close one that takes too
//! long (RFC 6455 §5.2, §5.4: control frames may come between fragments and do
//! not complete a message).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// Since when the client's current data message is incomplete; shared by the
/// reader that sees the bytes and the session that enforces the time limit.
#[derive(Debug, Default)]
pub struct MessageClock {
    started: Mutex<Option<Instant>>,
    /// Wakes the session when a message starts, so it can arm its deadline.
    begun: Notify,
}

impl MessageClock {
    /// When the incomplete data message began; `None` between messages.
    pub fn started(&self) -> Option<Instant> {
        *self.started.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves when a data message begins.
    pub async fn begun(&self) {
        self.begun.notified().await;
    }

    fn begin(&self) {
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        if started.is_none() {
            *started = Some(Instant::now());
            self.begun.notify_one();
        }
    }

    fn complete(&self) {
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Where the reader is in the client's frame stream.
#[derive(Debug)]
enum Reading {
    /// A frame header, `have` of its bytes so far.
    Header { bytes: [u8; 14], have: usize },
    /// A frame's payload, `left` bytes of it still to come.
    Payload { left: u64, ends_message: bool },
}

/// Frame-header bookkeeping over the client's bytes.
#[derive(Debug)]
struct FrameTracker {
    reading: Reading,
    clock: Arc<MessageClock>,
}

impl FrameTracker {
    fn new(clock: Arc<MessageClock>) -> Self {
        FrameTracker {
            reading: Reading::Header {
                bytes: [0; 14],
                have: 0,
            },
            clock,
        }
    }

    /// Follows `data`, the next bytes from the client.
    fn feed(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match &mut self.reading {
                Reading::Header { bytes, have } => {
                    let wanted = header_len(&bytes[..*have]).unwrap_or(2);
                    let take = (wanted - *have).min(data.len());
                    bytes[*have..*have + take].copy_from_slice(&data[..take]);
                    *have += take;
                    data = &data[take..];
                    if header_len(&bytes[..*have]) == Some(*have) {
                        let header = *bytes;
                        let have = *have;
                        self.start_frame(&header[..have]);
                    }
                }
                Reading::Payload { left, ends_message } => {
                    let take = (*left).min(data.len() as u64);
                    *left -= take;
                    data = &data[take as usize..];
                    if *left == 0 {
                        let ends = *ends_message;
                        self.end_frame(ends);
                    }
                }
            }
        }
    }

    fn start_frame(&mut self, header: &[u8]) {
        let fin = header[0] & 0x80 != 0;
        let opcode = header[0] & 0x0f;
        // 0 continues a data message, 1 and 2 start one; control frames are 8 and up.
        let data = opcode < 8;
        let left = payload_len(header);
        if data {
            self.clock.begin();
        }
        let ends_message = data && fin;
        if left == 0 {
            self.end_frame(ends_message);
        } else {
            self.reading = Reading::Payload { left, ends_message };
        }
    }

    fn end_frame(&mut self, ends_message: bool) {
        if ends_message {
            self.clock.complete();
        }
        self.reading = Reading::Header {
            bytes: [0; 14],
            have: 0,
        };
    }
}

/// The full length of a header that starts with `so_far`, once its first two
/// bytes are known.
fn header_len(so_far: &[u8]) -> Option<usize> {
    let second = *so_far.get(1)?;
    let extended = match second & 0x7f {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    Some(2 + extended + mask)
}

fn payload_len(header: &[u8]) -> u64 {
    match header[1] & 0x7f {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(&header[2..10]);
            u64::from_be_bytes(bytes)
        }
        short => u64::from(short),
    }
}

/// An IO whose incoming bytes are followed frame by frame.
#[derive(Debug)]
pub struct Watched<I> {
    inner: I,
    tracker: FrameTracker,
}

impl<I> Watched<I> {
    /// Follows what `inner` reads, reporting to `clock`.
    pub fn new(inner: I, clock: Arc<MessageClock>) -> Self {
        Watched {
            inner,
            tracker: FrameTracker::new(clock),
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Watched<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = read {
            this.tracker.feed(&buf.filled()[before..]);
        }
        read
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Watched<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame.
    fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut bytes = vec![u8::from(fin) << 7 | opcode];
        match payload.len() {
            n if n < 126 => bytes.push(0x80 | n as u8),
            n if n <= usize::from(u16::MAX) => {
                bytes.push(0x80 | 126);
                bytes.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                bytes.push(0x80 | 127);
                bytes.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        bytes.extend_from_slice(&[1, 2, 3, 4]);
        bytes.extend_from_slice(payload);
        bytes
    }

    #[tokio::test(start_paused = true)]
    async fn a_message_is_open_from_its_first_frame_to_its_last_and_pings_do_not_close_it() {
        let clock = Arc::new(MessageClock::default());
        let mut tracker = FrameTracker::new(Arc::clone(&clock));

        tracker.feed(&frame(true, 1, b"{}"));
        let after_whole = clock.started();
        tracker.feed(&frame(false, 1, &[b'a'; 300]));
        let opened = clock.started();
        tracker.feed(&frame(true, 9, b"ping"));
        let after_ping = clock.started();
        // The last fragment, one byte at a time.
        for byte in frame(true, 0, &[b'b'; 70_000]) {
            tracker.feed(&[byte]);
        }

        assert_eq!(after_whole, None);
        assert!(opened.is_some());
        assert_eq!(
            after_ping, opened,
            "a ping between fragments completes nothing"
        );
        assert_eq!(clock.started(), None, "the final fragment completes it");
    }

    #[test]
    fn header_lengths_follow_rfc_6455() {
        assert_eq!(header_len(&[0x81]), None);
        assert_eq!(header_len(&[0x81, 0x85]), Some(6));
        assert_eq!(header_len(&[0x81, 0xfe]), Some(8));
        assert_eq!(header_len(&[0x81, 0xff]), Some(14));
        assert_eq!(payload_len(&frame(true, 2, &[0; 70_000])[..14]), 70_000);
    }
}
