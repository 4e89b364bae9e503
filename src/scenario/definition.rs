//! What a scenario is, once read: the directory, the scripted steps and the
//! generators. Reading one is in `file`; running one is the `player`'s.

use std::collections::BTreeMap;

use crate::model::{Command, Directory};
use crate::scenario::fault::FaultRequest;
use crate::scenario::generator::GeneratorSpec;

/// The length of one loop of [`Scenario::idle`]: a working day, as the shipped
/// scenarios have.
const IDLE_LENGTH_MS: u64 = 8 * 3_600_000;

/// A scenario: the directory plus scripted steps and random generators.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Virtual length of one run (one loop), in ms.
    pub length_ms: u64,
    /// The clock time at the start of the run, in ms since midnight.
    pub starts_at_ms: u64,
    /// The seed to use when none is given.
    pub seed: Option<u64>,
    /// Steps and generators may name objects the file does not define, which a
    /// client provisions through the Configuration API (`provisioned = true`):
    /// they are looked up when they run, and a step whose object is missing then
    /// is reported as a refused step.
    pub provisioned: bool,
    /// The configured PBX.
    pub directory: Directory,
    /// Queue identifier -> extensions that log in dynamically.
    pub dynamic_agents: BTreeMap<String, Vec<String>>,
    /// Scripted steps, sorted by time (same-time steps in file order).
    pub steps: Vec<Step>,
    /// Random traffic generators, in file order.
    pub generators: Vec<GeneratorSpec>,
    /// The file it came from, as named in messages.
    pub path: String,
}

impl Scenario {
    /// A scenario with no directory, no steps and no generators: what `serve
    /// --empty` plays when no scenario is named, so that nothing happens but what
    /// clients provision and do.
    pub fn idle() -> Scenario {
        Scenario {
            name: "empty".into(),
            description: "No directory and no traffic: only what clients provision".into(),
            length_ms: IDLE_LENGTH_MS,
            starts_at_ms: 0,
            seed: None,
            provisioned: true,
            directory: Directory::empty(),
            dynamic_agents: BTreeMap::new(),
            steps: Vec::new(),
            generators: Vec::new(),
            path: "(built in)".into(),
        }
    }
}

/// One scripted step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Virtual ms since the start of the loop.
    pub at_ms: u64,
    /// The moment as written in the file ("08:30").
    pub at_text: String,
    /// The line of its `[[steps]]` header.
    pub line: usize,
    /// What it does.
    pub action: StepAction,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepAction {
    /// A command applied to the model.
    Command(Command),
    /// A fault for the server to carry out (`action = "fault"`); `play` prints it
    /// to stderr as a comment, the conformance runner ignores it.
    Fault(FaultRequest),
}
