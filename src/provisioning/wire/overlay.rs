//! Writing what a body sent over a configuration, and reading a stored hash.

use crate::model::{Password, PasswordHash};

/// The stored hash of a configured password (the model hashes clear ones).
pub(super) fn hash_of(password: Option<&Password>) -> Option<&PasswordHash> {
    match password {
        Some(Password::Hashed(hash)) => Some(hash),
        Some(Password::Clear(_)) | None => None,
    }
}

/// Overwrites `target` with `value` when the body had it.
pub(super) fn set<T: Clone>(target: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        target.clone_from(value);
    }
}
