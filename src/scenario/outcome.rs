//! What a run reports besides its events: the commands it applied, the scripted
//! steps the model refused, and generator commands the model refused (bugs).

use std::fmt;

use super::duration::format_duration;
use crate::model::Command;

/// A command the player applied, with when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCommand {
    /// Virtual ms since the start of the run.
    pub at_ms: u64,
    /// The command.
    pub command: Command,
}

/// A scripted step the model refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    /// The scenario file.
    pub path: String,
    /// The step's line.
    pub line: usize,
    /// The step's moment as written.
    pub at_text: String,
    /// The step's action.
    pub action: &'static str,
    /// Which loop (0 = the first run).
    pub loop_index: u64,
    /// The model's reason.
    pub reason: String,
}

impl fmt::Display for StepFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: step at {} \"{}\" failed: {}",
            self.path, self.line, self.at_text, self.action, self.reason
        )?;
        if self.loop_index > 0 {
            write!(f, " (loop {})", self.loop_index + 1)?;
        }
        Ok(())
    }
}

/// A command a generator issued that the model refused: a bug in the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorFault {
    /// The scenario file.
    pub path: String,
    /// The line of the generator's `[[generators]]` header.
    pub line: usize,
    /// The generator's kind.
    pub kind: &'static str,
    /// Virtual ms since the start of the run.
    pub at_ms: u64,
    /// The refused command.
    pub command: Command,
    /// The model's reason.
    pub reason: String,
    /// The run's seed, to reproduce it.
    pub seed: u64,
}

impl fmt::Display for GeneratorFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bug: the \"{}\" generator at {}:{} issued \"{}\" at {} and the model refused: {}; rerun with --seed {}",
            self.kind,
            self.path,
            self.line,
            self.command.action_name(),
            format_duration(self.at_ms),
            self.reason,
            self.seed
        )
    }
}
