//! `serve --empty` and `serve --state FILE`: which directory the server starts
//! with, and where it is kept (docs/protocol.md §10.7).

use std::path::PathBuf;

use anyhow::Context as _;
use isymphony_sim::model::Directory;
use isymphony_sim::provisioning::state_file;
use isymphony_sim::scenario::Scenario;
use isymphony_sim::server::DirectoryReader;

/// Where the directory comes from, and where it goes at exit.
#[derive(Debug, clap::Args)]
pub struct DirectoryChoice {
    /// Start with an empty directory: no core server, user or extension until a
    /// client creates them through the Configuration API (as the FreePBX
    /// module's sync does). Without --scenario nothing else plays; with one, its
    /// steps and generators act on what exists when they run.
    #[arg(long, conflicts_with = "replay")]
    pub empty: bool,

    /// Load the directory from FILE at start, when FILE exists, and save it there
    /// at exit (atomically), so a provisioned server survives restarts. The file
    /// wins over --empty and over the scenario's own directory.
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub state: Option<PathBuf>,
}

impl DirectoryChoice {
    /// The directory to start with, and where it came from (for the banner): the
    /// state file's when it exists, else an empty one with --empty, else the
    /// scenario's.
    ///
    /// # Errors
    /// The state file cannot be read or is damaged: its line and the problem.
    pub fn starting(&self, scenario: &Scenario) -> anyhow::Result<(Directory, String)> {
        if let Some(path) = &self.state
            && let Some(directory) = state_file::load(path)?
        {
            return Ok((directory, format!("loaded from {}", path.display())));
        }
        if self.empty {
            return Ok((Directory::empty(), "empty (--empty)".into()));
        }
        Ok((
            scenario.directory.clone(),
            format!("the scenario's ({})", scenario.name),
        ))
    }

    /// What the banner adds about saving: where the directory goes at exit.
    pub fn saved_to(&self) -> String {
        self.state.as_ref().map_or_else(String::new, |p| {
            format!("; saved to {} at exit", p.display())
        })
    }

    /// Saves the directory for `--state`, at exit.
    ///
    /// # Errors
    /// The file cannot be written; it is then left as it was.
    pub fn save(&self, reader: &DirectoryReader) -> anyhow::Result<()> {
        let Some(path) = &self.state else {
            return Ok(());
        };
        let directory = reader
            .directory()
            .context("no model played, so there is no directory to save")?;
        state_file::save(path, &directory)
            .with_context(|| format!("cannot save the directory to {}", path.display()))?;
        tracing::info!(file = %path.display(), "saved the directory");
        Ok(())
    }
}
