//! Turning the frame pass's tallies into findings, each tied to its statement.

use std::collections::BTreeSet;

use super::events::{BASE_PROPERTIES_NAMES, Pass, Tally, statement_for};
use super::statements::{
    AGENT_STATES, ALPHABETICAL_KEYS, BASE_PROPERTIES, DIAL_EXISTS, EVENT_TYPES, LINK_END_FIRST,
    NO_GREETING, NULLS_SENT, ONE_CORE_SERVER, PROPERTY_TYPES, RETURN_TIME, STATUS_TYPES, Statement,
    TIME_IS_EPOCH_MS,
};
use super::{Finding, Verdict};
use crate::protocol::EventKind;
use crate::protocol::event::PropType;
use crate::record::catalogue::properties_of;

impl Pass {
    pub(super) fn finish(&self, findings: &mut Vec<Finding>) {
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
