//! An integer's decimal text on the stack: what filters compare a number by
//! (its JSON text), produced for every numeric property of every event without
//! an allocation.

/// A stack buffer for an integer's decimal text, so rows need no allocation.
#[derive(Default)]
pub(crate) struct IntText {
    len: usize,
    bytes: [u8; 24],
}

impl IntText {
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for IntText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let target = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        target.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
