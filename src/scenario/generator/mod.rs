//! Seeded random traffic. Each `[[generators]]` entry of a scenario becomes one
//! [`GeneratorSpec`]; the player turns each into a running generator with its own
//! named RNG stream. Generators read the model's state before every command, so the
//! commands they issue are ones the model accepts.

mod caller;
mod conference;
mod defaults;
mod distribution;
mod inbound;
mod internal;
mod logins;
mod reception;
mod spec;
mod status;
mod turn;

pub use defaults::{Millis, Setting, defaults_markdown};
pub use distribution::{Distribution, Rate, Window};
pub use spec::{
    Caller, Conference, GeneratorKind, GeneratorSpec, InboundCalls, InternalCalls, KindName,
    Logins, Member, Reception, StatusChanges, UnknownKind,
};
pub(crate) use turn::{Timers, Traffic, Turn};

use crate::rng::SimRng;

/// Builds the running generator for `spec`, number `index` in the file, with its own
/// RNG stream under `seed`.
pub(crate) fn start(spec: &GeneratorSpec, index: usize, seed: u64) -> Box<dyn Traffic> {
    let rng = SimRng::named(seed, &format!("generator:{index}:{}", spec.kind.name()));
    let label = format!("g{index}");
    match &spec.kind {
        GeneratorKind::InboundCalls(s) => {
            Box::new(inbound::InboundTraffic::new(s.clone(), rng, label))
        }
        GeneratorKind::Logins(s) => Box::new(logins::LoginTraffic::new(s.clone(), rng)),
        GeneratorKind::Status(s) => Box::new(status::StatusTraffic::new(s.clone(), rng)),
        GeneratorKind::InternalCalls(s) => {
            Box::new(internal::InternalTraffic::new(s.clone(), rng, label))
        }
        GeneratorKind::Reception(s) => {
            Box::new(reception::ReceptionTraffic::new(s.clone(), rng, label))
        }
        GeneratorKind::Conference(s) => {
            Box::new(conference::ConferenceTraffic::new(s.clone(), rng, label))
        }
    }
}
