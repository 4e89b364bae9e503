//! Websocket frames as the tap sees them passing (RFC 6455 §5.2): it cuts the
//! byte stream into whole frames so it can forward them one by one, unmasks what
//! the client sent, reassembles fragmented messages, and builds the few frames it
//! sends itself (its probe pings, a close at the end of a case).
//!
//! Nothing here answers or changes a frame: the client and the server talk to each
//! other through the tap exactly as they would directly.

/// Largest frame the tap accepts; more is a broken stream (our server's own
/// message limit is 1 MiB by default).
pub const MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// A complete message (or control frame), as one side sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (lossily decoded if it is not UTF-8).
    Text(String),
    /// A binary message, by size.
    Binary(usize),
    /// A close frame: its code (none in an empty close) and reason.
    Close(Option<u16>, String),
    /// A ping and its payload.
    Ping(Vec<u8>),
    /// A pong and its payload.
    Pong(Vec<u8>),
}

/// The stream is not websocket framing the tap can follow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A frame longer than [`MAX_FRAME_BYTES`].
    #[error("a frame of {0} bytes is over the tap's limit")]
    TooLong(u64),
    /// An opcode RFC 6455 does not define.
    #[error("unknown opcode {0:#x}")]
    Opcode(u8),
    /// A continuation frame with no message to continue.
    #[error("a continuation frame with nothing to continue")]
    StrayContinuation,
}

/// Cuts one direction's bytes into frames.
#[derive(Debug, Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
    /// Where the next frame starts in `buffer`: frames are cut off the front
    /// by moving this, and the buffer is compacted when more bytes come.
    start: usize,
    /// The opcode and payload so far of a fragmented message.
    partial: Option<(u8, Vec<u8>)>,
}

/// One whole frame: its bytes as they came, and the message it completes, if any.
#[derive(Debug)]
pub struct Frame {
    /// The frame's bytes, to forward unchanged.
    pub raw: Vec<u8>,
    /// The message this frame completes (none for a frame in the middle of one).
    pub message: Option<Message>,
}

impl FrameReader {
    /// Adds bytes read from the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buffer.drain(..self.start);
            self.start = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The bytes not yet cut into frames (after a [`FrameError`], the rest of
    /// the stream is forwarded unread, starting with these).
    pub fn take_buffer(&mut self) -> Vec<u8> {
        let rest = self.buffer.split_off(self.start);
        self.buffer.clear();
        self.start = 0;
        rest
    }

    /// The next whole frame, if the buffer holds one.
    ///
    /// # Errors
    /// A [`FrameError`] when the bytes are not framing the tap can follow.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        let Some((header_len, payload_len)) = self.header()? else {
            return Ok(None);
        };
        let total = header_len + payload_len;
        if self.buffer.len() - self.start < total {
            return Ok(None);
        }
        let raw = self.buffer[self.start..self.start + total].to_vec();
        self.start += total;
        let first = raw[0];
        let fin = first & 0x80 != 0;
        let opcode = first & 0x0f;
        let masked = raw[1] & 0x80 != 0;
        let mut payload = raw[header_len..].to_vec();
        if masked {
            let key = &raw[header_len - 4..header_len];
            for (i, byte) in payload.iter_mut().enumerate() {
                *byte ^= key[i % 4];
            }
        }
        let message = self.message(fin, opcode, payload)?;
        Ok(Some(Frame { raw, message }))
    }

    /// Header length and payload length of the frame at the buffer's start, once
    /// the header is complete.
    fn header(&self) -> Result<Option<(usize, usize)>, FrameError> {
        let b = &self.buffer[self.start..];
        if b.len() < 2 {
            return Ok(None);
        }
        let masked = b[1] & 0x80 != 0;
        let (mut header, length) = match b[1] & 0x7f {
            126 if b.len() < 4 => return Ok(None),
            126 => (4, u64::from(u16::from_be_bytes([b[2], b[3]]))),
            127 if b.len() < 10 => return Ok(None),
            127 => {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(&b[2..10]);
                (10, u64::from_be_bytes(bytes))
            }
            short => (2, u64::from(short)),
        };
        if masked {
            header += 4;
        }
        let length = usize::try_from(length)
            .ok()
            .filter(|n| *n <= MAX_FRAME_BYTES)
            .ok_or(FrameError::TooLong(length))?;
        Ok(Some((header, length)))
    }

    fn message(
        &mut self,
        fin: bool,
        opcode: u8,
        payload: Vec<u8>,
    ) -> Result<Option<Message>, FrameError> {
        let data = match opcode {
            0x0 => {
                let Some((_, gathered)) = self.partial.as_mut() else {
                    return Err(FrameError::StrayContinuation);
                };
                gathered.extend_from_slice(&payload);
                if !fin {
                    return Ok(None);
                }
                self.partial.take()
            }
            0x1 | 0x2 if !fin => {
                self.partial = Some((opcode, payload));
                return Ok(None);
            }
            0x1 | 0x2 => Some((opcode, payload)),
            0x8 => {
                let code =
                    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                return Ok(Some(Message::Close(code, reason.into_owned())));
            }
            0x9 => return Ok(Some(Message::Ping(payload))),
            0xA => return Ok(Some(Message::Pong(payload))),
            other => return Err(FrameError::Opcode(other)),
        };
        Ok(data.map(|(opcode, bytes)| match opcode {
            0x1 => Message::Text(String::from_utf8_lossy(&bytes).into_owned()),
            _ => Message::Binary(bytes.len()),
        }))
    }
}

/// An unmasked (server-side) ping frame with `payload` (at most 125 bytes).
pub fn server_ping(payload: &[u8]) -> Vec<u8> {
    control_frame(0x9, payload)
}

/// An unmasked (server-side) close frame with `code` and `reason`.
pub fn server_close(code: u16, reason: &str) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    payload.truncate(125);
    control_frame(0x8, &payload)
}

fn control_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let payload = &payload[..payload.len().min(125)];
    let mut frame = vec![0x80 | opcode, payload.len() as u8];
    frame.extend_from_slice(payload);
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked_text(text: &str, fin: bool, opcode: u8) -> Vec<u8> {
        let key = [1u8, 2, 3, 4];
        let mut frame = vec![if fin { 0x80 } else { 0 } | opcode, 0x80 | text.len() as u8];
        frame.extend_from_slice(&key);
        frame.extend(text.bytes().enumerate().map(|(i, b)| b ^ key[i % 4]));
        frame
    }

    #[test]
    fn masked_fragmented_text_is_reassembled_and_bytes_kept() {
        let mut reader = FrameReader::default();
        let first = masked_text("{\"type\":", false, 0x1);
        let second = masked_text("\"filter\"}", true, 0x0);
        let mut bytes = first.clone();
        bytes.extend_from_slice(&second);
        // Byte by byte: frames come out only once whole.
        let mut frames = Vec::new();
        for byte in &bytes {
            reader.push(&[*byte]);
            while let Some(frame) = reader.next_frame().expect("valid") {
                frames.push(frame);
            }
        }
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].raw, first);
        assert_eq!(frames[0].message, None);
        assert_eq!(
            frames[1].message,
            Some(Message::Text("{\"type\":\"filter\"}".to_string()))
        );
    }

    #[test]
    fn control_frames_read_back() {
        let mut reader = FrameReader::default();
        reader.push(&server_close(1001, "case over"));
        reader.push(&server_ping(b"probe 1"));
        let close = reader.next_frame().unwrap().unwrap().message;
        assert_eq!(
            close,
            Some(Message::Close(Some(1001), "case over".to_string()))
        );
        let ping = reader.next_frame().unwrap().unwrap().message;
        assert_eq!(ping, Some(Message::Ping(b"probe 1".to_vec())));
        assert!(reader.next_frame().unwrap().is_none());
    }

    #[test]
    fn long_lengths_and_bad_opcodes_are_reported() {
        let mut reader = FrameReader::default();
        let mut frame = vec![0x81, 126, 0x01, 0x00];
        frame.extend(std::iter::repeat_n(b'a', 256));
        reader.push(&frame);
        let text = reader.next_frame().unwrap().unwrap().message;
        assert_eq!(text, Some(Message::Text("a".repeat(256))));
        reader.push(&[0x83, 0]);
        assert_eq!(reader.next_frame().err(), Some(FrameError::Opcode(3)));
    }
}
