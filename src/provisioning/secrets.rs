//! Passwords over the Configuration API (docs/protocol.md §9.4), our choices:
//!
//! - Whatever a client sends as `password`, over `noHash` or not, is treated as the
//!   password and kept only as a salted hash. (The FreePBX module sends, over
//!   `noHash`, a SHA-1 it made itself [SEEN S22]; to us that text is the password.)
//! - A GET shows, as `password`, the stored hash (`pbkdf2-sha256$4096$SALT$HASH`),
//!   or an empty string when none is set; never the clear text.
//! - A PUT that sends that same hash back (an object read, changed and returned
//!   whole) leaves the password as it is; an empty string removes it.

use crate::model::{Password, PasswordHash, Secret};

/// What a GET shows as `password`.
pub fn shown(hash: Option<&PasswordHash>) -> Secret {
    Secret::new(hash.map_or("", PasswordHash::as_str))
}

/// The password after a client sent `sent`, given the stored one.
pub fn received(current: Option<&PasswordHash>, sent: &Secret) -> Option<Password> {
    if sent.expose().is_empty() {
        return None;
    }
    match current {
        Some(hash) if hash.as_str() == sent.expose() => Some(Password::Hashed(hash.clone())),
        _ => Some(Password::Clear(sent.clone())),
    }
}
