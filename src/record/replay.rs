//! A capture played back on a virtual clock: each frame at its original offset
//! from the first frame, as captured byte for byte, or with only its `time`
//! rewritten (`--retime`). `play --replay` prints it; `serve --replay` publishes it.

use super::capture::{Entry, Snapshot};
use super::reader::{Capture, Damage};
use super::retime::retime;
use crate::protocol::{FilterSet, RawEvent};

/// How a capture is played back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplayOptions {
    /// With `Some(epoch)`, each frame's `time` becomes `epoch + virtual ms` (the
    /// `--retime` flag); without, frames go out exactly as captured.
    pub retime_epoch: Option<i64>,
    /// Start over after the capture's span, as `serve` loops scenarios.
    pub looping: bool,
}

/// One frame on the replay timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayFrame {
    /// Virtual ms since the first frame.
    pub at_ms: u64,
    /// The captured text.
    pub text: String,
    /// Its line in the capture.
    pub line: usize,
}

/// A frame as it goes out: its text (retimed if asked) with the view filters read.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The text to send.
    pub text: String,
    /// The same frame as the server publishes it; a frame that is not an event
    /// object has no properties, so only a connection without filters receives it.
    pub event: RawEvent,
}

impl Outgoing {
    /// Whether a connection with `filters` receives this frame.
    pub fn admitted_by(&self, filters: &FilterSet) -> bool {
        filters.admits_with(|name| self.event.property(name))
    }
}

/// A capture on a virtual clock.
#[derive(Debug, Clone)]
pub struct Replay {
    frames: Vec<ReplayFrame>,
    next: usize,
    loop_index: u64,
    /// Virtual ms one pass takes: the first frame to the end of the recording.
    span_ms: u64,
    options: ReplayOptions,
    snapshot: Option<Snapshot>,
    skipped_binary: usize,
    damage: Option<Damage>,
    path: String,
}

impl Replay {
    /// The frames of `capture` on a timeline that starts at its first frame.
    pub fn new(capture: &Capture, options: ReplayOptions) -> Replay {
        let mut frames = Vec::new();
        let mut skipped_binary = 0;
        let mut first = None;
        let mut last_ms = 0;
        for (line, entry) in &capture.entries {
            let Entry::Frame(frame) = entry else { continue };
            let Some(text) = &frame.text else {
                skipped_binary += 1;
                continue;
            };
            let origin = *first.get_or_insert(frame.ms);
            // Clocks never go back; a capture edited by hand might.
            last_ms = last_ms.max(frame.ms.saturating_sub(origin));
            frames.push(ReplayFrame {
                at_ms: last_ms,
                text: text.clone(),
                line: *line,
            });
        }
        let end = capture
            .summary()
            .map(|s| s.ms.saturating_sub(first.unwrap_or(0)))
            .unwrap_or(0);
        Replay {
            span_ms: end.max(last_ms + 1),
            frames,
            next: 0,
            loop_index: 0,
            options,
            snapshot: capture.first_snapshot().cloned(),
            skipped_binary,
            damage: capture.damage.clone(),
            path: capture.path.clone(),
        }
    }

    /// Virtual ms of the next batch; `None` when the replay is over (never while looping).
    pub fn next_due(&self) -> Option<u64> {
        let frame = self.frames.get(self.next)?;
        Some(
            self.loop_index
                .saturating_mul(self.span_ms)
                .saturating_add(frame.at_ms),
        )
    }

    /// Every frame due at `next_due()`, in capture order.
    pub fn advance(&mut self) -> Vec<Outgoing> {
        let Some(due) = self.next_due() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        while self.next_due() == Some(due) {
            let frame = &self.frames[self.next];
            out.push(self.outgoing(&frame.text, due));
            self.next += 1;
            if self.next == self.frames.len() && self.options.looping {
                self.next = 0;
                self.loop_index += 1;
            }
        }
        out
    }

    fn outgoing(&self, text: &str, due: u64) -> Outgoing {
        let text = match self.options.retime_epoch {
            Some(epoch) => {
                let time = epoch.saturating_add(i64::try_from(due).unwrap_or(i64::MAX));
                retime(text, time).unwrap_or_else(|| text.to_string())
            }
            None => text.to_string(),
        };
        let event = RawEvent::captured(&text);
        Outgoing { text, event }
    }

    /// Starts the replay over from its first frame.
    pub fn rewind(&mut self) {
        self.next = 0;
        self.loop_index = 0;
    }

    /// The `time` of the first frame that has one: the capture's own epoch.
    pub fn first_time(&self) -> Option<i64> {
        self.frames.iter().find_map(|frame| {
            serde_json::from_str::<serde_json::Value>(&frame.text)
                .ok()?
                .get("time")?
                .as_i64()
        })
    }

    /// The frames on the timeline.
    pub fn frames(&self) -> &[ReplayFrame] {
        &self.frames
    }

    /// Virtual ms of one pass.
    pub fn span_ms(&self) -> u64 {
        self.span_ms
    }

    /// Which pass is playing (0 = the first).
    pub fn loop_index(&self) -> u64 {
        self.loop_index
    }

    /// How the replay plays.
    pub fn options(&self) -> ReplayOptions {
        self.options
    }

    /// The Live API snapshot taken at the start of the recording.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }

    /// Binary frames, which are not replayed.
    pub fn skipped_binary(&self) -> usize {
        self.skipped_binary
    }

    /// Where the capture stopped being readable.
    pub fn damage(&self) -> Option<&Damage> {
        self.damage.as_ref()
    }

    /// The capture file.
    pub fn path(&self) -> &str {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::FilterRule;

    fn capture(frames: &[(u64, &str)], end: Option<u64>) -> Capture {
        let header = r#"{"capture":"isymphony-sim capture","format":1,"tool":"t","target":"ws://h/x","live":null,"startedMs":0,"startedAt":"","recorded":["events"]}"#;
        let mut text = format!("{header}\n");
        for (ms, frame) in frames {
            let line = serde_json::json!({"kind":"frame","ms":ms,"text":frame,"catalogue":false});
            text.push_str(&format!("{line}\n"));
        }
        if let Some(ms) = end {
            text.push_str(&format!(
                r#"{{"kind":"end","ms":{ms},"frames":0,"types":{{}},"bytes":0,"gaps":0,"reason":"x"}}"#
            ));
            text.push('\n');
        }
        Capture::parse(text.as_bytes(), "c").expect("a capture")
    }

    #[test]
    fn frames_keep_their_offsets_from_the_first_and_batch_by_instant() {
        let c = capture(
            &[(100, r#"{"type":"a","time":1}"#), (100, "x"), (350, "{}")],
            None,
        );
        let mut replay = Replay::new(&c, ReplayOptions::default());
        assert_eq!(replay.next_due(), Some(0));
        let batch: Vec<String> = replay.advance().into_iter().map(|o| o.text).collect();
        assert_eq!(batch, vec![r#"{"type":"a","time":1}"#, "x"]);
        assert_eq!(replay.next_due(), Some(250));
        replay.advance();
        assert_eq!(replay.next_due(), None);
    }

    #[test]
    fn looping_starts_over_after_the_recording_span() {
        let c = capture(&[(10, "{}"), (20, "{}")], Some(1010));
        let mut replay = Replay::new(
            &c,
            ReplayOptions {
                retime_epoch: Some(1000),
                looping: true,
            },
        );
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(replay.next_due());
            replay.advance();
        }
        assert_eq!(seen, vec![Some(0), Some(10), Some(1000), Some(1010)]);
    }

    #[test]
    fn retime_rewrites_time_and_filters_read_the_frame() {
        let c = capture(
            &[(5, r#"{"type":"parked","time":1,"slot":701}"#), (6, "nope")],
            None,
        );
        let mut replay = Replay::new(
            &c,
            ReplayOptions {
                retime_epoch: Some(5000),
                looping: false,
            },
        );
        let first = replay.advance().remove(0);
        assert_eq!(first.text, r#"{"type":"parked","time":5000,"slot":701}"#);
        let slot = FilterSet::from_rules(vec![FilterRule::new("slot", "701")]);
        assert!(first.admitted_by(&slot));
        let garbage = replay.advance().remove(0);
        assert!(!garbage.admitted_by(&slot));
        assert!(garbage.admitted_by(&FilterSet::allow_all()));
    }
}
