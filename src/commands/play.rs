//! `isymphony-sim play`.

use std::process::ExitCode;

/// Arguments of `play`.
#[derive(Debug, clap::Args)]
pub struct PlayArgs {}

/// Runs `play`.
pub fn run(_args: PlayArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`play` is not built yet")
}
