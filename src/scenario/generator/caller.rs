//! The outside callers of generated calls: one of the scenario's, or made up.

use super::spec::Caller;
use crate::rng::SimRng;

/// A caller for an outside call: one of `callers`, or a made-up number.
pub(crate) fn pick_caller(callers: &[Caller], rng: &mut SimRng) -> Caller {
    if !callers.is_empty() {
        return callers[rng.index(callers.len())].clone();
    }
    const NAMES: [&str; 12] = [
        "ACME Corp",
        "Globex",
        "Initech",
        "Umbrella Ltd",
        "Stark Industries",
        "Wayne Enterprises",
        "Hooli",
        "Vandelay Imports",
        "Soylent",
        "Wonka Industries",
        "WIRELESS CALLER",
        "UNKNOWN",
    ];
    Caller {
        number: format!("555{:04}", rng.between(0, 9_999)),
        name: NAMES[rng.index(NAMES.len())].to_string(),
    }
}
