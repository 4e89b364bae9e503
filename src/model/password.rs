//! Passwords of users and administrators: the value a client sends is kept only as
//! a salted hash (PBKDF2-HMAC-SHA256, our choice, docs/protocol.md §9.4); the clear
//! text never reaches a log, a state file or a response.

use std::fmt;
use std::num::NonZeroU32;

use ring::pbkdf2;

/// PBKDF2 rounds. Ours: enough to make a stolen state file slow to crack, cheap
/// enough for a sync of thousands of users.
pub const PASSWORD_HASH_ROUNDS: u32 = 4096;

/// How a stored hash is spelled: `pbkdf2-sha256$ROUNDS$SALT$HASH`, both in hex.
const SCHEME: &str = "pbkdf2-sha256";

const SALT_BYTES: usize = 16;
const HASH_BYTES: usize = 32;

/// A password in clear text, as a client sent it. Its `Debug` shows nothing, so
/// no log line can carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a clear-text password.
    pub fn new(clear: impl Into<String>) -> Secret {
        Secret(clear.into())
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The clear text, for the few places that must compare or write it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<not shown>)")
    }
}

/// A salted password hash, in its stored spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Hashes `secret` with `salt`.
    pub fn new(secret: &Secret, salt: [u8; SALT_BYTES]) -> PasswordHash {
        let mut hash = [0u8; HASH_BYTES];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            rounds(),
            &salt,
            secret.bytes(),
            &mut hash,
        );
        PasswordHash(format!(
            "{SCHEME}${PASSWORD_HASH_ROUNDS}${}${}",
            hex(&salt),
            hex(&hash)
        ))
    }

    /// Reads a stored spelling back (from a state file); `None` unless it is one
    /// [`PasswordHash::new`] could have written.
    pub fn parse(stored: &str) -> Option<PasswordHash> {
        let (salt, hash) = split(stored)?;
        (salt.len() == SALT_BYTES && hash.len() == HASH_BYTES)
            .then(|| PasswordHash(stored.to_string()))
    }

    /// Whether `secret` is the password this hash was made from.
    pub fn verify(&self, secret: &Secret) -> bool {
        let Some((salt, hash)) = split(&self.0) else {
            return false;
        };
        pbkdf2::verify(
            pbkdf2::PBKDF2_HMAC_SHA256,
            rounds(),
            &salt,
            secret.bytes(),
            &hash,
        )
        .is_ok()
    }

    /// The stored spelling: what the Configuration API shows as `password`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as a directory carries it: clear text on its way in, a hash once
/// the model has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Password {
    /// Just sent by a client; the model hashes it.
    Clear(Secret),
    /// Already hashed (kept unchanged, or read from a state file).
    Hashed(PasswordHash),
}

fn rounds() -> NonZeroU32 {
    NonZeroU32::new(PASSWORD_HASH_ROUNDS).unwrap_or(NonZeroU32::MIN)
}

/// The salt and hash of a stored spelling with our scheme and rounds.
fn split(stored: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut parts = stored.split('$');
    let scheme = parts.next()?;
    let rounds = parts.next()?;
    let salt = unhex(parts.next()?)?;
    let hash = unhex(parts.next()?)?;
    if parts.next().is_some() || scheme != SCHEME || rounds != PASSWORD_HASH_ROUNDS.to_string() {
        return None;
    }
    Some((salt, hash))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_reads_back() {
        let hash = PasswordHash::new(&Secret::new("s3cret"), [7; SALT_BYTES]);
        assert!(hash.verify(&Secret::new("s3cret")));
        assert!(!hash.verify(&Secret::new("s3cre")));
        assert!(!hash.as_str().contains("s3cret"));
        assert_eq!(PasswordHash::parse(hash.as_str()), Some(hash.clone()));
        let other_salt = PasswordHash::new(&Secret::new("s3cret"), [8; SALT_BYTES]);
        assert_ne!(hash, other_salt, "the salt changes the hash");
    }

    #[test]
    fn spellings_that_are_not_ours_are_refused() {
        for bad in [
            "",
            "s3cret",
            "pbkdf2-sha256$4096$00$00",
            "pbkdf2-sha256$1$0707070707070707070707070707070707$00",
            "sha1$4096$0707070707070707070707070707070707$00",
            "pbkdf2-sha256$4096$zz$zz",
        ] {
            assert_eq!(PasswordHash::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_secret_is_never_shown() {
        let shown = format!("{:?}", Password::Clear(Secret::new("hunter2")));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
