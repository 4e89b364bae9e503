//! The Event API half of the audit: types, properties and their JSON types,
//! value sets, times, key order and the order of linkEnd and hangups.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::statements::{BASE_PROPERTIES, DIAL_PROPERTIES, PROPERTIES, Statement};
use super::{Finding, ValueSet};
use crate::model::StatusType;
use crate::protocol::EventKind;
use crate::protocol::event::{PropType, Provenance};
use crate::record::capture::{Entry, NOT_AN_EVENT};
use crate::record::catalogue::{as_object, catalogue_kind, fits, json_type, properties_of};
use crate::record::reader::Capture;
use crate::record::retime::top_level_keys;

/// A frame's `time` further than this from when it was received is not epoch ms.
const TIME_TOLERANCE_MS: i64 = 24 * 3600 * 1000;

/// Agent states the spec names (the first documented, the rest inferred).
const AGENT_STATE_NAMES: [&str; 7] = [
    "NOT_INUSE",
    "INUSE",
    "BUSY",
    "RINGING",
    "UNAVAILABLE",
    "ONHOLD",
    "UNKNOWN",
];

/// Properties whose value sets the audit lists, by event type.
const VALUE_SETS: [(&str, &str); 5] = [
    ("userStatus", "statusType"),
    ("userStatus", "name"),
    ("agentLogin", "state"),
    ("agentLogout", "state"),
    ("userStatus", "userCreated"),
];

/// Counts behind one finding: how many, and the first line.
#[derive(Debug, Default, Clone)]
pub(super) struct Tally {
    pub(super) count: u64,
    pub(super) first_line: Option<usize>,
    /// JSON types seen, for type findings.
    pub(super) types: BTreeSet<&'static str>,
}

impl Tally {
    pub(super) fn add(&mut self, line: usize) {
        self.count += 1;
        self.first_line.get_or_insert(line);
    }
}

/// What the frame pass hands back besides findings.
#[derive(Debug, Default)]
pub(super) struct FrameFacts {
    pub frames: u64,
    pub catalogue: u64,
    pub types: BTreeMap<String, u64>,
    pub values: BTreeMap<String, ValueSet>,
}

#[derive(Default)]
pub(super) struct Pass {
    pub(super) facts: FrameFacts,
    /// Frames of each known kind.
    pub(super) of_kind: BTreeMap<EventKind, Tally>,
    pub(super) unknown: BTreeMap<String, (Tally, BTreeSet<String>)>,
    pub(super) missing: BTreeMap<(EventKind, &'static str), Tally>,
    pub(super) extra: BTreeMap<(EventKind, String), Tally>,
    pub(super) wrong_type: BTreeMap<(EventKind, &'static str), Tally>,
    pub(super) null_sent: Tally,
    pub(super) status_ok: Tally,
    pub(super) status_bad: BTreeMap<String, Tally>,
    pub(super) return_ok: Tally,
    pub(super) return_bad: Tally,
    pub(super) state_known: Tally,
    pub(super) state_other: BTreeMap<String, Tally>,
    pub(super) time_ok: Tally,
    pub(super) time_off: Tally,
    pub(super) sorted_keys: Tally,
    pub(super) unsorted_keys: Tally,
    pub(super) core_servers: BTreeMap<String, Tally>,
    /// Segment id -> index of its hangup frame.
    pub(super) hung_up: BTreeMap<String, usize>,
    /// linkEnd frames waiting for their hangups: (index, line, segments).
    pub(super) links: Vec<(usize, usize, [String; 2])>,
    pub(super) greetings: Vec<(usize, String)>,
    pub(super) not_events: Tally,
}

/// Audits every frame of `capture`; pushes findings and returns the counts.
pub(super) fn audit(capture: &Capture, findings: &mut Vec<Finding>) -> FrameFacts {
    let mut pass = Pass::default();
    let mut fresh_connection = true;
    for (index, (line, entry)) in capture.entries.iter().enumerate() {
        let frame = match entry {
            Entry::Frame(frame) => frame,
            Entry::Resume(_) => {
                fresh_connection = true;
                continue;
            }
            Entry::Gap(_) | Entry::Live(_) | Entry::End(_) => continue,
        };
        pass.facts.frames += 1;
        let Some(text) = &frame.text else {
            pass.not_events.add(*line);
            continue;
        };
        let received = capture
            .header
            .started_ms
            .saturating_add(i64::try_from(frame.ms).unwrap_or(i64::MAX));
        let first = std::mem::take(&mut fresh_connection);
        pass.frame(index, *line, text, received, first);
    }
    pass.finish(findings);
    pass.facts
}

impl Pass {
    fn frame(&mut self, index: usize, line: usize, text: &str, received: i64, first: bool) {
        let Some(event) = as_object(text) else {
            self.not_events.add(line);
            *self
                .facts
                .types
                .entry(NOT_AN_EVENT.to_string())
                .or_default() += 1;
            return;
        };
        let type_name = event
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_string);
        let shown = type_name
            .clone()
            .unwrap_or_else(|| NOT_AN_EVENT.to_string());
        *self.facts.types.entry(shown.clone()).or_default() += 1;
        if first {
            self.greetings.push((line, shown));
        }
        if catalogue_kind(&event).is_some() {
            self.facts.catalogue += 1;
        }
        if let Some(keys) = top_level_keys(text) {
            if keys.windows(2).all(|w| w[0] <= w[1]) {
                self.sorted_keys.add(line);
            } else {
                self.unsorted_keys.add(line);
            }
        }
        if let Some(time) = event.get("time").and_then(Value::as_i64) {
            if (time - received).abs() <= TIME_TOLERANCE_MS {
                self.time_ok.add(line);
            } else {
                self.time_off.add(line);
            }
        }
        if let Some(core) = event.get("coreServerId").and_then(Value::as_str) {
            self.core_servers
                .entry(core.to_string())
                .or_default()
                .add(line);
        }
        let Some(type_name) = type_name else {
            self.not_events.add(line);
            return;
        };
        match EventKind::from_name(&type_name) {
            Some(kind) => self.known(kind, index, line, &event),
            None => {
                let (tally, keys) = self.unknown.entry(type_name).or_default();
                tally.add(line);
                keys.extend(event.keys().cloned());
            }
        }
    }

    fn known(&mut self, kind: EventKind, index: usize, line: usize, event: &Map<String, Value>) {
        self.of_kind.entry(kind).or_default().add(line);
        let mut names = BTreeSet::new();
        let mut sent_null = false;
        for spec in properties_of(kind) {
            names.insert(spec.name);
            match event.get(spec.name) {
                None => self.missing.entry((kind, spec.name)).or_default().add(line),
                Some(value) if !fits(spec.ty, value) => {
                    let tally = self.wrong_type.entry((kind, spec.name)).or_default();
                    tally.add(line);
                    tally.types.insert(json_type(value));
                }
                Some(Value::Null) if spec.ty == PropType::NullableString => sent_null = true,
                Some(_) => {}
            }
        }
        // Counted by frame, so the finding reads "N of M frames".
        if sent_null {
            self.null_sent.add(line);
        }
        for key in event.keys().filter(|k| !names.contains(k.as_str())) {
            let tally = self.extra.entry((kind, key.clone())).or_default();
            tally.add(line);
            if let Some(value) = event.get(key) {
                tally.types.insert(json_type(value));
            }
        }
        for (type_name, property) in VALUE_SETS {
            if kind.name() == type_name
                && let Some(value) = event.get(property)
            {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                let set = self
                    .facts
                    .values
                    .entry(format!("{type_name}.{property}"))
                    .or_default();
                *set.entry(text).or_default() += 1;
            }
        }
        let text_of = |name: &str| event.get(name).and_then(Value::as_str).map(str::to_string);
        match kind {
            EventKind::UserStatus => {
                if let Some(status) = text_of("statusType") {
                    if StatusType::from_name(&status).is_some() {
                        self.status_ok.add(line);
                    } else {
                        self.status_bad.entry(status).or_default().add(line);
                    }
                }
                if let Some(time) = event.get("returnTime").and_then(Value::as_i64) {
                    if time == -1 || time >= 0 {
                        self.return_ok.add(line);
                    } else {
                        self.return_bad.add(line);
                    }
                }
            }
            EventKind::AgentLogin | EventKind::AgentLogout => {
                if let Some(state) = text_of("state") {
                    if AGENT_STATE_NAMES.contains(&state.as_str()) {
                        self.state_known.add(line);
                    } else {
                        self.state_other.entry(state).or_default().add(line);
                    }
                }
            }
            EventKind::Hangup => {
                if let Some(segment) = text_of("callSegmentId") {
                    self.hung_up.entry(segment).or_insert(index);
                }
            }
            EventKind::LinkEnd => {
                if let (Some(one), Some(two)) =
                    (text_of("callSegmentId1"), text_of("callSegmentId2"))
                {
                    self.links.push((index, line, [one, two]));
                }
            }
            EventKind::UserLogin
            | EventKind::UserLogout
            | EventKind::ConfRoomCallLeave
            | EventKind::Dial => {}
        }
    }
}

pub(super) const BASE_PROPERTIES_NAMES: [&str; 3] = ["type", "time", "coreServerId"];

/// The statement a property finding of `kind` is about.
pub(super) fn statement_for(kind: EventKind, base: bool) -> &'static Statement {
    if base {
        &BASE_PROPERTIES
    } else if kind.provenance() == Provenance::Inferred {
        &DIAL_PROPERTIES
    } else {
        &PROPERTIES
    }
}
