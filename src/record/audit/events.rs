//! The Event API half of the audit: types, properties and their JSON types,
//! value sets, times, key order and the order of linkEnd and hangups.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::statements::{
    AGENT_STATES, ALPHABETICAL_KEYS, BASE_PROPERTIES, DIAL_EXISTS, DIAL_PROPERTIES, EVENT_TYPES,
    LINK_END_FIRST, NO_GREETING, NULLS_SENT, ONE_CORE_SERVER, PROPERTIES, PROPERTY_TYPES,
    RETURN_TIME, STATUS_TYPES, Statement, TIME_IS_EPOCH_MS,
};
use super::{Finding, ValueSet, Verdict};
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
struct Tally {
    count: u64,
    first_line: Option<usize>,
    /// JSON types seen, for type findings.
    types: BTreeSet<&'static str>,
}

impl Tally {
    fn add(&mut self, line: usize) {
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
struct Pass {
    facts: FrameFacts,
    /// Frames of each known kind.
    of_kind: BTreeMap<EventKind, Tally>,
    unknown: BTreeMap<String, (Tally, BTreeSet<String>)>,
    missing: BTreeMap<(EventKind, &'static str), Tally>,
    extra: BTreeMap<(EventKind, String), Tally>,
    wrong_type: BTreeMap<(EventKind, &'static str), Tally>,
    null_sent: Tally,
    status_ok: Tally,
    status_bad: BTreeMap<String, Tally>,
    return_ok: Tally,
    return_bad: Tally,
    state_known: Tally,
    state_other: BTreeMap<String, Tally>,
    time_ok: Tally,
    time_off: Tally,
    sorted_keys: Tally,
    unsorted_keys: Tally,
    core_servers: BTreeMap<String, Tally>,
    /// Segment id -> index of its hangup frame.
    hung_up: BTreeMap<String, usize>,
    /// linkEnd frames waiting for their hangups: (index, line, segments).
    links: Vec<(usize, usize, [String; 2])>,
    greetings: Vec<(usize, String)>,
    not_events: Tally,
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
        for spec in properties_of(kind) {
            names.insert(spec.name);
            match event.get(spec.name) {
                None => self.missing.entry((kind, spec.name)).or_default().add(line),
                Some(value) if !fits(spec.ty, value) => {
                    let tally = self.wrong_type.entry((kind, spec.name)).or_default();
                    tally.add(line);
                    tally.types.insert(json_type(value));
                }
                Some(Value::Null) if spec.ty == PropType::NullableString => {
                    self.null_sent.add(line)
                }
                Some(_) => {}
            }
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

    fn finish(&self, findings: &mut Vec<Finding>) {
        let frames = self.facts.frames;
        let mut add = |verdict,
                       statement: &'static Statement,
                       subject: String,
                       detail: String,
                       tally: &Tally,
                       of| {
            findings.push(Finding {
                verdict,
                statement,
                subject,
                detail,
                count: tally.count,
                of,
                first_line: tally.first_line,
            });
        };
        for (name, (tally, keys)) in &self.unknown {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            add(
                Verdict::New,
                &EVENT_TYPES,
                format!("type {name}"),
                format!(
                    "an event type the catalogue does not know, with properties {}",
                    keys.join(", ")
                ),
                tally,
                frames,
            );
        }
        if let Some(tally) = self.of_kind.get(&EventKind::Dial) {
            add(
                Verdict::Confirms,
                &DIAL_EXISTS,
                "type dial".into(),
                "dial events were sent".into(),
                tally,
                frames,
            );
        }
        let of_kind = |kind: &EventKind| self.of_kind.get(kind).map_or(0, |t| t.count);
        for ((kind, name), tally) in &self.missing {
            let base = BASE_PROPERTIES_NAMES.contains(name);
            let statement = statement_for(*kind, base);
            let nullable =
                properties_of(*kind).any(|p| p.name == *name && p.ty == PropType::NullableString);
            add(
                Verdict::Contradicts,
                statement,
                format!("{}.{name}", kind.name()),
                "the property is missing".into(),
                tally,
                of_kind(kind),
            );
            if nullable {
                add(
                    Verdict::Contradicts,
                    &NULLS_SENT,
                    format!("{}.{name}", kind.name()),
                    "a nullable property was omitted rather than sent as null".into(),
                    tally,
                    of_kind(kind),
                );
            }
        }
        for ((kind, name), tally) in &self.extra {
            let types: Vec<&str> = tally.types.iter().copied().collect();
            add(
                Verdict::New,
                statement_for(*kind, false),
                format!("{}.{name}", kind.name()),
                format!(
                    "a property the catalogue does not list ({})",
                    types.join(" or ")
                ),
                tally,
                of_kind(kind),
            );
        }
        for ((kind, name), tally) in &self.wrong_type {
            let expected = properties_of(*kind)
                .find(|p| p.name == *name)
                .map_or("?", |p| p.ty.as_str());
            let types: Vec<&str> = tally.types.iter().copied().collect();
            add(
                Verdict::Contradicts,
                &PROPERTY_TYPES,
                format!("{}.{name}", kind.name()),
                format!(
                    "sent as {}, the catalogue says {expected}",
                    types.join(" or ")
                ),
                tally,
                of_kind(kind),
            );
        }
        for (kind, tally) in &self.of_kind {
            let clean = !self
                .missing
                .keys()
                .chain(self.wrong_type.keys())
                .any(|(k, _)| k == kind)
                && !self.extra.keys().any(|(k, _)| k == kind);
            if clean {
                add(
                    Verdict::Confirms,
                    statement_for(*kind, false),
                    kind.name().to_string(),
                    "every frame has exactly the catalogue's properties, of the catalogue's types"
                        .into(),
                    tally,
                    tally.count,
                );
            }
        }
        if self.null_sent.count > 0 {
            add(
                Verdict::Confirms,
                &NULLS_SENT,
                "nullable properties".into(),
                "null values were sent as null".into(),
                &self.null_sent,
                frames,
            );
        }
        let status_total =
            self.status_ok.count + self.status_bad.values().map(|t| t.count).sum::<u64>();
        if self.status_ok.count > 0 {
            add(
                Verdict::Confirms,
                &STATUS_TYPES,
                "userStatus.statusType".into(),
                "values within the documented set".into(),
                &self.status_ok,
                status_total,
            );
        }
        for (value, tally) in &self.status_bad {
            add(
                Verdict::Contradicts,
                &STATUS_TYPES,
                "userStatus.statusType".into(),
                format!("`{value}` is not one of the documented values"),
                tally,
                status_total,
            );
        }
        let return_total = self.return_ok.count + self.return_bad.count;
        if self.return_ok.count > 0 {
            add(
                Verdict::Confirms,
                &RETURN_TIME,
                "userStatus.returnTime".into(),
                "-1 or an epoch time".into(),
                &self.return_ok,
                return_total,
            );
        }
        if self.return_bad.count > 0 {
            add(
                Verdict::Contradicts,
                &RETURN_TIME,
                "userStatus.returnTime".into(),
                "negative values other than -1".into(),
                &self.return_bad,
                return_total,
            );
        }
        let state_total =
            self.state_known.count + self.state_other.values().map(|t| t.count).sum::<u64>();
        if self.state_known.count > 0 {
            add(
                Verdict::Confirms,
                &AGENT_STATES,
                "agent state".into(),
                "values among the named tokens".into(),
                &self.state_known,
                state_total,
            );
        }
        for (value, tally) in &self.state_other {
            add(
                Verdict::New,
                &AGENT_STATES,
                "agent state".into(),
                format!("`{value}` is not among the named tokens"),
                tally,
                state_total,
            );
        }
        let timed = self.time_ok.count + self.time_off.count;
        if self.time_ok.count > 0 {
            add(
                Verdict::Confirms,
                &TIME_IS_EPOCH_MS,
                "time".into(),
                "within a day of the receive time".into(),
                &self.time_ok,
                timed,
            );
        }
        if self.time_off.count > 0 {
            add(Verdict::Contradicts, &TIME_IS_EPOCH_MS, "time".into(),
                "more than a day away from the receive time (seconds rather than ms, or another clock)".into(), &self.time_off, timed);
        }
        let keyed = self.sorted_keys.count + self.unsorted_keys.count;
        if self.sorted_keys.count > 0 && self.unsorted_keys.count == 0 {
            add(
                Verdict::Confirms,
                &ALPHABETICAL_KEYS,
                "key order".into(),
                "every frame's keys are in alphabetical order".into(),
                &self.sorted_keys,
                keyed,
            );
        }
        if self.unsorted_keys.count > 0 {
            add(
                Verdict::Contradicts,
                &ALPHABETICAL_KEYS,
                "key order".into(),
                "keys not in alphabetical order".into(),
                &self.unsorted_keys,
                keyed,
            );
        }
        match self.core_servers.len() {
            0 => {}
            1 => {
                let tally = self
                    .core_servers
                    .values()
                    .next()
                    .cloned()
                    .unwrap_or_default();
                add(
                    Verdict::Confirms,
                    &ONE_CORE_SERVER,
                    "coreServerId".into(),
                    "one core server fired every event".into(),
                    &tally,
                    frames,
                );
            }
            n => {
                for (id, tally) in &self.core_servers {
                    add(
                        Verdict::New,
                        &ONE_CORE_SERVER,
                        "coreServerId".into(),
                        format!("{n} core servers (tenants, or a restart); this one is {id}"),
                        tally,
                        frames,
                    );
                }
            }
        }
        self.link_order(&mut add);
        for (line, shown) in &self.greetings {
            let known = EventKind::from_name(shown).is_some();
            let tally = Tally {
                count: 1,
                first_line: Some(*line),
                types: BTreeSet::new(),
            };
            let (verdict, detail) = if known {
                (
                    Verdict::Confirms,
                    format!("the first frame after connecting was a `{shown}` event"),
                )
            } else {
                (
                    Verdict::New,
                    format!("the first frame after connecting was `{shown}`: perhaps a greeting"),
                )
            };
            add(
                verdict,
                &NO_GREETING,
                "first frame".into(),
                detail,
                &tally,
                1,
            );
        }
        if self.not_events.count > 0 {
            add(
                Verdict::New,
                &BASE_PROPERTIES,
                "frames".into(),
                "frames that are not JSON objects with a string type".into(),
                &self.not_events,
                frames,
            );
        }
    }

    fn link_order(
        &self,
        add: &mut impl FnMut(Verdict, &'static Statement, String, String, &Tally, u64),
    ) {
        let mut before = Tally::default();
        let mut after = Tally::default();
        for (index, line, segments) in &self.links {
            for segment in segments {
                match self.hung_up.get(segment) {
                    Some(hangup) if hangup < index => before.add(*line),
                    Some(_) => after.add(*line),
                    None => {}
                }
            }
        }
        let total = before.count + after.count;
        if after.count > 0 {
            add(
                Verdict::Confirms,
                &LINK_END_FIRST,
                "linkEnd / hangup".into(),
                "the segment's hangup came after the linkEnd".into(),
                &after,
                total,
            );
        }
        if before.count > 0 {
            add(
                Verdict::Contradicts,
                &LINK_END_FIRST,
                "linkEnd / hangup".into(),
                "the segment's hangup came before the linkEnd".into(),
                &before,
                total,
            );
        }
    }
}

const BASE_PROPERTIES_NAMES: [&str; 3] = ["type", "time", "coreServerId"];

/// The statement a property finding of `kind` is about.
fn statement_for(kind: EventKind, base: bool) -> &'static Statement {
    if base {
        &BASE_PROPERTIES
    } else if kind.provenance() == Provenance::Inferred {
        &DIAL_PROPERTIES
    } else {
        &PROPERTIES
    }
}
