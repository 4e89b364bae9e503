//! The event kinds the run in play emits, shared with every session so that
//! filter warnings follow a profile switched by `POST /sim/scenario`.

use std::sync::{Arc, PoisonError, RwLock};

use crate::protocol::{EventKind, Profile};

/// The event kinds the run in play emits (its profile), shared with every session
/// so that filter warnings follow a profile switched by `POST /sim/scenario`.
#[derive(Debug, Clone)]
pub struct EmittedKinds(Arc<RwLock<Arc<[EventKind]>>>);

impl EmittedKinds {
    /// The kinds emitted now.
    pub fn current(&self) -> Arc<[EventKind]> {
        let kinds = self.0.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&kinds)
    }

    pub(crate) fn set(&self, profile: Profile) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = profile.kinds().into();
    }
}

impl From<Vec<EventKind>> for EmittedKinds {
    fn from(kinds: Vec<EventKind>) -> Self {
        EmittedKinds(Arc::new(RwLock::new(kinds.into())))
    }
}
