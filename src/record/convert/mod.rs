//! `record --to-scenario`: a capture as a scenario file people can edit. The
//! directory comes from the Live API snapshot (or from what the events name), and
//! every captured event becomes scripted steps where the model reproduces it; the
//! rest is kept as raw events, counted. The conversion then plays its own output
//! and lists every difference from the capture's catalogue events.

pub(crate) mod directory;
pub mod ids;
mod steps;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub use directory::DirectorySource;

use super::capture::Entry;
use super::catalogue::{as_object, catalogue_kind};
use super::reader::Capture;
use crate::model::{Command, ModelError, Pbx};
use crate::protocol::Profile;
use crate::scenario::duration::format_duration;
use crate::scenario::{Player, Scenario, ScenarioError, dump_script};
use ids::IdMap;

/// The seed converted scenarios use: it only decides the objects' UUIDs, which
/// the comparison with the capture looks through.
pub const CONVERSION_SEED: u64 = 1;

/// A frame the model cannot express, kept as captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawKept {
    /// Its line in the capture.
    pub line: usize,
    /// Virtual ms in the scenario (from the first catalogue event).
    pub at_ms: u64,
    /// Why it stays raw.
    pub reason: String,
    /// The frame text.
    pub text: String,
}

/// The converted scenario and what the conversion found.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The scenario file text (TOML).
    pub toml: String,
    /// Where the directory came from.
    pub directory: DirectorySource,
    /// Which profile `play` needs (extended when the capture has `dial` events).
    pub profile: Profile,
    /// Epoch ms of virtual time zero: `play --epoch` this to get the captured times.
    pub epoch_ms: i64,
    /// Scripted steps written.
    pub steps: usize,
    /// Catalogue events in the capture.
    pub catalogue_events: usize,
    /// Frames kept raw, with why.
    pub raw: Vec<RawKept>,
    /// How `play` of the scenario differs from the capture's catalogue events
    /// (up to ids); empty when it reproduces them in order.
    pub differences: Vec<String>,
}

/// Why a capture could not be converted at all.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The model refuses the inferred directory.
    #[error("the model refuses the directory inferred from the capture: {0}")]
    Directory(ModelError),
    /// The written scenario does not read back (a bug of ours).
    #[error("the converted scenario does not read back:\n{0}")]
    Unreadable(ScenarioError),
}

/// Converts `capture`; `path` is where the scenario will be written, for messages.
///
/// # Errors
/// [`ConvertError`] when the directory is refused or the output does not read back.
pub fn to_scenario(capture: &Capture, path: &str) -> Result<Conversion, ConvertError> {
    let mut events: Vec<Map<String, Value>> = Vec::new();
    let mut lines = Vec::new();
    let mut others = Vec::new();
    for (line, entry) in &capture.entries {
        let Entry::Frame(frame) = entry else { continue };
        let Some(text) = &frame.text else { continue };
        match as_object(text) {
            Some(event) if catalogue_kind(&event).is_some() => {
                events.push(event);
                lines.push(*line);
            }
            Some(event) => others.push((
                *line,
                text.clone(),
                event.get("time").and_then(Value::as_i64),
                not_catalogue(&event),
            )),
            None => others.push((*line, text.clone(), None, "not a JSON object".to_string())),
        }
    }
    let epoch_ms = events
        .first()
        .and_then(|e| e.get("time"))
        .and_then(Value::as_i64)
        .unwrap_or(capture.header.started_ms);
    let profile = if events
        .iter()
        .any(|e| e.get("type").and_then(Value::as_str) == Some("dial"))
    {
        Profile::Extended
    } else {
        Profile::Standard
    };
    let (directory, source) = directory::infer(capture.first_snapshot(), &events);
    let pbx =
        Pbx::new(directory.clone(), CONVERSION_SEED, profile).map_err(ConvertError::Directory)?;
    let matched = steps::explain(pbx, epoch_ms, &events);

    let at_of = |time: Option<i64>| {
        time.and_then(|t| u64::try_from(t.saturating_sub(epoch_ms)).ok())
            .unwrap_or(0)
    };
    let mut raw: Vec<RawKept> = matched
        .raw
        .iter()
        .map(|&i| RawKept {
            line: lines[i],
            at_ms: at_of(events[i].get("time").and_then(Value::as_i64)),
            reason: "no command sequence reproduces it from the model's state then (a logout of a login made before the recording began, a transfer, ...)".to_string(),
            text: Value::Object(events[i].clone()).to_string(),
        })
        .collect();
    raw.extend(
        others
            .into_iter()
            .map(|(line, text, time, reason)| RawKept {
                line,
                at_ms: at_of(time),
                reason,
                text,
            }),
    );
    raw.sort_by_key(|r| r.line);

    let last = events
        .iter()
        .filter_map(|e| e.get("time").and_then(Value::as_i64))
        .map(|t| at_of(Some(t)))
        .chain(raw.iter().map(|r| r.at_ms))
        .max()
        .unwrap_or(0);
    let length_ms = last + 1;
    let mut dynamic_agents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for recorded in &matched.commands {
        if let Command::AgentLogin { queue, extension } = &recorded.command {
            let agents = dynamic_agents.entry(queue.clone()).or_default();
            if !agents.contains(extension) {
                agents.push(extension.clone());
            }
        }
    }
    let scenario = Scenario {
        name: format!("capture of {}", capture.header.target),
        description: format!(
            "Converted from {} (recorded {}).",
            capture.path, capture.header.started_at
        ),
        length_ms,
        starts_at_ms: 0,
        seed: Some(CONVERSION_SEED),
        // The capture's directory holds every object its events name.
        provisioned: false,
        directory,
        dynamic_agents,
        steps: Vec::new(),
        generators: Vec::new(),
        path: capture.path.clone(),
    };
    let mut body = dump_script(&scenario, CONVERSION_SEED, length_ms, &matched.commands);
    body.push_str(&raw_block(&raw));
    let played = play(&body, path, epoch_ms, profile)?;
    let differences = differences(&events, &lines, &played);
    let mut toml = preamble(capture, source, profile, epoch_ms, &raw, differences.len());
    toml.push_str(&body);
    Ok(Conversion {
        toml,
        directory: source,
        profile,
        epoch_ms,
        steps: matched.commands.len(),
        catalogue_events: events.len(),
        raw,
        differences,
    })
}

fn not_catalogue(event: &Map<String, Value>) -> String {
    match event.get("type").and_then(Value::as_str) {
        Some(kind) if crate::protocol::EventKind::from_name(kind).is_some() => {
            format!("a `{kind}` whose properties differ from the catalogue's")
        }
        Some(kind) => format!("`{kind}` is not a catalogue event type"),
        None => "no string `type`".to_string(),
    }
}

fn preamble(
    capture: &Capture,
    source: DirectorySource,
    profile: Profile,
    epoch_ms: i64,
    raw: &[RawKept],
    differences: usize,
) -> String {
    let directory = match source {
        DirectorySource::Snapshot => {
            "the Live API snapshot at the start, completed from the events"
        }
        DirectorySource::Events => "what the events name (the capture has no Live API snapshot)",
    };
    let profile_flag = match profile {
        Profile::Standard => "",
        Profile::Extended => " --profile extended",
    };
    format!(
        "# Converted from the capture {} of {}, recorded {}.\n\
         # Directory: {directory}.\n\
         # Play it with the captured times: isymphony-sim play --scenario FILE --epoch {epoch_ms}{profile_flag}\n\
         # Object ids differ from the capture's (the seed draws them). Ids aside, its play differs\n\
         # from the capture's catalogue events in {differences} place(s); `record --to-scenario` lists them.\n\
         # {} frame(s) the model cannot express are kept as raw events at the end of this file.\n",
        capture.path,
        capture.header.target,
        capture.header.started_at,
        raw.len()
    )
}

/// The frames the model cannot express, as comments: the scenario format has no
/// step that sends a raw event, so they are kept here, each with its moment, to
/// send with `POST /sim/inject` or to replay with `serve --replay`.
fn raw_block(raw: &[RawKept]) -> String {
    if raw.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n# Raw events: what the model cannot express, as captured (moment, capture line, why, frame).\n",
    );
    for kept in raw {
        out.push_str(&format!(
            "# raw at = \"{}\" (line {}, {}): {}\n",
            format_duration(kept.at_ms),
            kept.line,
            kept.reason,
            kept.text.replace('\n', "\\n")
        ));
    }
    out
}

fn play(
    toml: &str,
    path: &str,
    epoch_ms: i64,
    profile: Profile,
) -> Result<Vec<Map<String, Value>>, ConvertError> {
    let scenario = Scenario::from_toml(toml, path).map_err(ConvertError::Unreadable)?;
    let length = scenario.length_ms;
    let mut player = Player::new(scenario, CONVERSION_SEED, epoch_ms, profile, false)
        .map_err(ConvertError::Directory)?;
    let mut played = Vec::new();
    while player.next_due().is_some_and(|at| at <= length) {
        for event in player.advance() {
            if let Ok(Value::Object(map)) = serde_json::to_value(&event) {
                played.push(map);
            }
        }
    }
    Ok(played)
}

/// How far ahead in the played stream a captured event is looked for before it
/// counts as not reproduced.
const RESYNC_WINDOW: usize = 64;

/// Every place where the played stream differs from the captured one, up to ids:
/// both are walked in order, ids paired one to one as they first meet.
fn differences(
    captured: &[Map<String, Value>],
    lines: &[usize],
    played: &[Map<String, Value>],
) -> Vec<String> {
    let mut ids = IdMap::default();
    let mut out = Vec::new();
    let mut j = 0;
    for (i, want) in captured.iter().enumerate() {
        let found = (j..played.len().min(j + RESYNC_WINDOW))
            .find(|&k| ids.clone().matches(want, &played[k]));
        match found {
            Some(k) => {
                for (extra, event) in played.iter().enumerate().take(k).skip(j) {
                    out.push(format!(
                        "played event {}: not in the capture: {}",
                        extra + 1,
                        shown(event)
                    ));
                }
                ids.matches(want, &played[k]);
                j = k + 1;
            }
            None => out.push(format!(
                "capture line {}: not reproduced: {}",
                lines[i],
                shown(want)
            )),
        }
    }
    for (extra, event) in played.iter().enumerate().skip(j) {
        out.push(format!(
            "played event {}: not in the capture: {}",
            extra + 1,
            shown(event)
        ));
    }
    out
}

fn shown(event: &Map<String, Value>) -> String {
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("?");
    let time = event
        .get("time")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    format!("{kind} at time {time}")
}
