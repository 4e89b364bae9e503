//! The event kinds the run in play emits, shared with every session so that
//! filter warnings follow a profile switched by `POST /sim/scenario`.

use std::sync::{Arc, PoisonError, RwLock};

use crate::protocol::{EventKind, Profile};

/// The event kinds the run in play emits (its profile), shared with every session
/// so that filter warnings follow a profile switched by `POST /sim/scenario`.
/// `None` while a feed plays that may send anything (a replayed capture): then
/// no rule can be called one that never matches.
#[derive(Debug, Clone)]
pub struct EmittedKinds(Arc<RwLock<Option<Arc<[EventKind]>>>>);

impl EmittedKinds {
    /// The kinds emitted now; `None` when anything may come.
    pub fn current(&self) -> Option<Arc<[EventKind]>> {
        let kinds = self.0.read().unwrap_or_else(PoisonError::into_inner);
        kinds.clone()
    }

    pub(crate) fn set(&self, profile: Option<Profile>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) =
            profile.map(|profile| profile.kinds().into());
    }
}

impl From<Vec<EventKind>> for EmittedKinds {
    fn from(kinds: Vec<EventKind>) -> Self {
        EmittedKinds(Arc::new(RwLock::new(Some(kinds.into()))))
    }
}

impl From<Option<Profile>> for EmittedKinds {
    /// The kinds of `profile`; `None`: anything may come.
    fn from(profile: Option<Profile>) -> Self {
        EmittedKinds(Arc::new(RwLock::new(profile.map(|p| p.kinds().into()))))
    }
}
