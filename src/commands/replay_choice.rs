//! `serve --replay`: the options that play a capture instead of a scenario.

use std::path::PathBuf;

use anyhow::Context as _;
use isymphony_sim::record::{Capture, Replay, ReplayFeed, ReplayOptions};

/// Which capture to replay, and how.
#[derive(Debug, clap::Args)]
pub struct ReplayChoice {
    /// Replay a capture written by `record` instead of a scenario: its frames byte
    /// for byte at their original relative times on the virtual clock (--speed,
    /// --paused and /sim/step apply), looped; per-connection filters apply; the
    /// Live API answers from the capture's snapshot; actions answer 409.
    #[arg(long, value_name = "CAPTURE", conflicts_with_all = ["scenario", "profile"])]
    pub replay: Option<PathBuf>,

    /// With --replay: rewrite each frame's `time` to --epoch (default: now) plus
    /// its virtual ms; nothing else in the frame changes.
    #[arg(long, requires = "replay")]
    pub retime: bool,

    /// With --replay: apply Live API actions on top of the replay, to a model of
    /// the capture's directory; their events carry that model's ids, not the
    /// capture's, and GETs still answer from the snapshot.
    #[arg(long, requires = "replay")]
    pub replay_live: bool,
}

impl ReplayChoice {
    /// The feed for `--replay`, or `None` without it; `epoch` is for `--retime`.
    /// A damaged capture is replayed up to the damage, which is reported on stderr.
    ///
    /// # Errors
    /// The capture cannot be read or has no header; `--replay-live`'s model
    /// refuses the capture's directory.
    pub fn feed(
        &self,
        epoch: impl FnOnce() -> anyhow::Result<i64>,
    ) -> anyhow::Result<Option<ReplayFeed>> {
        let Some(path) = &self.replay else {
            return Ok(None);
        };
        let capture = Capture::read(path)?;
        let options = ReplayOptions {
            retime_epoch: if self.retime { Some(epoch()?) } else { None },
            looping: true,
        };
        let replay = Replay::new(&capture, options);
        if let Some(damage) = replay.damage() {
            eprintln!(
                "{}: damaged capture: {damage}; replaying the {} frames before it",
                capture.path,
                replay.frames().len()
            );
        }
        if replay.skipped_binary() > 0 {
            eprintln!(
                "{}: {} binary frame(s) are not replayed",
                capture.path,
                replay.skipped_binary()
            );
        }
        let feed = ReplayFeed::new(replay);
        let feed = if self.replay_live {
            feed.with_live_actions(&capture)
                .context("--replay-live: the model refuses the capture's directory")?
        } else {
            feed
        };
        Ok(Some(feed))
    }
}
