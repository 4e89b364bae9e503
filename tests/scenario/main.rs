//! Scenario files, the player, record/replay and the `play` / `check` commands.

mod broken_files;
mod cli;
mod determinism;
mod faults;
mod filter;
mod format;
mod generators;
mod harness;
mod limits;
mod looping;
mod opening;
mod pickups;
mod provisioned;
mod replay;
mod shipped;
