//! A change resolved from a request, and how its answer is made once the model
//! has taken it.

use crate::model::DirectoryChange;
use crate::provisioning::routes::{Params, Resource};

/// A change to make, and how to answer once it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The change.
    pub change: DirectoryChange,
    /// What to answer when it is accepted.
    pub(crate) after: After,
    /// A refusal `NotFound` is about this body field (422), not the path (404).
    pub(crate) not_found_field: Option<&'static str>,
}

/// How an accepted change is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum After {
    /// 201, showing `instance` (its GET) with the new id in `slot`, and its path.
    Created {
        instance: Resource,
        params: Params,
        slot: IdSlot,
    },
    /// 201, showing the identifier bound, as a JSON string.
    Bound { params: Params, identifier: String },
    /// 200, showing `instance` with `params`.
    Shown { instance: Resource, params: Params },
    /// 204.
    Deleted,
}

/// Where a created object's id goes in its instance path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdSlot {
    /// `{cs}`.
    CoreServer,
    /// `{id}`.
    Id,
    /// `{pid}`.
    Nested,
}

impl Pending {
    pub(super) fn new(change: DirectoryChange, after: After) -> Pending {
        Pending {
            change,
            after,
            not_found_field: None,
        }
    }
}

pub(super) fn created(
    change: DirectoryChange,
    instance: Resource,
    params: &Params,
    slot: IdSlot,
) -> Pending {
    let after = After::Created {
        instance,
        params: params.clone(),
        slot,
    };
    Pending::new(change, after)
}

pub(super) fn shown(change: DirectoryChange, instance: Resource, params: &Params) -> Pending {
    let after = After::Shown {
        instance,
        params: params.clone(),
    };
    Pending::new(change, after)
}

pub(super) fn deleted(change: DirectoryChange) -> Pending {
    Pending::new(change, After::Deleted)
}
