//! Simulated people pick up: a call that a REST action leaves ringing at an
//! extension (`originate`, `transfer`) is answered after a ring time, as a person
//! at that phone would (docs/protocol.md §10.8). Scenario traffic answers its own
//! calls; only calls from outside the scenario are picked up here.
//!
//! The ring time is the scenario's: the `ring_time` of its first `internal_calls`
//! generator, else that setting's default. Draws come from the ChaCha stream
//! `pick-ups`, so the same seed and the same actions at the same moments give the
//! same answers.

use super::Scenario;
use super::generator::{Distribution, GeneratorKind, InternalCalls};
use crate::model::{CallState, Command, Destination, Pbx};
use crate::rng::SimRng;

/// A pick-up planned for a ringing call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PickUp {
    /// The call.
    pub call: String,
    /// The segment that rings; if the call rings elsewhere by then (a transfer), or
    /// no longer rings, nobody picks up.
    pub segment: String,
}

/// Plans and carries out pick-ups.
pub(crate) struct PickUps {
    rng: SimRng,
    ring_time: Distribution,
}

impl PickUps {
    pub(crate) fn new(scenario: &Scenario, seed: u64) -> Self {
        let ring_time = scenario
            .generators
            .iter()
            .find_map(|g| match &g.kind {
                GeneratorKind::InternalCalls(spec) => Some(spec.ring_time.clone()),
                _ => None,
            })
            .unwrap_or(InternalCalls::RING_TIME.default);
        PickUps {
            rng: SimRng::named(seed, "pick-ups"),
            ring_time,
        }
    }

    /// After `command` came from outside and was applied: when it left a call
    /// ringing at an extension, the pick-up to plan and the ring time before it.
    pub(crate) fn plan(&mut self, pbx: &Pbx, command: &Command) -> Option<(u64, PickUp)> {
        let call = match command {
            Command::Dial {
                call,
                to: Destination::Extension(_),
                ..
            }
            | Command::Transfer { call, .. } => call,
            _ => return None,
        };
        let segment = ringing_extension(pbx, call)?;
        let delay = self.ring_time.sample(&mut self.rng);
        Some((
            delay,
            PickUp {
                call: call.clone(),
                segment,
            },
        ))
    }
}

impl PickUp {
    /// The answer, when the call still rings at the planned segment.
    pub(crate) fn answer(&self, pbx: &Pbx) -> Option<Command> {
        (ringing_extension(pbx, &self.call).as_deref() == Some(self.segment.as_str())).then(|| {
            Command::Answer {
                call: self.call.clone(),
                by: None,
            }
        })
    }
}

/// The segment at which `call` rings, when it rings at an extension.
fn ringing_extension(pbx: &Pbx, call: &str) -> Option<String> {
    let call = pbx.call(call).filter(|c| c.state == CallState::Ringing)?;
    let segment = call.callee.as_deref()?;
    pbx.segments()
        .get(segment)
        .filter(|s| s.extension.is_some())
        .map(|s| s.id.clone())
}
