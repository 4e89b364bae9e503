//! Call segments: creating them, bridging and unbridging them, and the event
//! bodies they give (docs/protocol.md §4): `linkEnd`, `hangup`,
//! `confRoomCallLeave` and `dial`, each only for licensed segments.

use super::command::Party;
use super::pbx::Pbx;
use super::state::{CallSegment, CallerId, SegmentKind};
use crate::protocol::EventBody;
use crate::protocol::event::{ConfRoomCallLeave, Dial, LinkEnd, SegmentHangup};

impl Pbx {
    pub(super) fn new_caller_segment(&mut self, label: &str, from: &Party) -> CallSegment {
        match from {
            Party::Extension(n) => self.new_extension_segment(label, n, false),
            Party::External { number, name, did } => {
                self.new_external_segment(label, number, name, did.clone(), false)
            }
        }
    }

    pub(super) fn new_extension_segment(
        &mut self,
        label: &str,
        number: &str,
        incoming: bool,
    ) -> CallSegment {
        let name = self
            .extensions
            .get(number)
            .map(|e| e.display_name.clone())
            .unwrap_or_default();
        CallSegment {
            id: self.ids.uuid(),
            kind: SegmentKind::Internal,
            caller_id: CallerId {
                id: self.ids.uuid(),
                name,
                number: number.into(),
            },
            did: None,
            extension: Some(number.into()),
            on_hold: false,
            recording: false,
            incoming,
            queue: None,
            room: None,
            linked: None,
            last_peer: None,
            call: label.into(),
        }
    }

    pub(super) fn new_external_segment(
        &mut self,
        label: &str,
        number: &str,
        name: &str,
        did: Option<String>,
        incoming: bool,
    ) -> CallSegment {
        CallSegment {
            id: self.ids.uuid(),
            kind: SegmentKind::External,
            caller_id: CallerId {
                id: self.ids.uuid(),
                name: name.into(),
                number: number.into(),
            },
            did,
            extension: None,
            on_hold: false,
            recording: false,
            incoming,
            queue: None,
            room: None,
            linked: None,
            last_peer: None,
            call: label.into(),
        }
    }

    pub(super) fn peer(&mut self, a: &str, b: &str) {
        if let Some(s) = self.segments.get_mut(a) {
            s.last_peer = Some(b.into());
        }
        if let Some(s) = self.segments.get_mut(b) {
            s.last_peer = Some(a.into());
        }
    }

    pub(super) fn link(&mut self, a: &str, b: &str) {
        self.peer(a, b);
        if let Some(s) = self.segments.get_mut(a) {
            s.linked = Some(b.into());
        }
        if let Some(s) = self.segments.get_mut(b) {
            s.linked = Some(a.into());
        }
    }

    pub(super) fn unlink(&mut self, a: &str, b: &str) {
        for id in [a, b] {
            if let Some(s) = self.segments.get_mut(id) {
                s.linked = None;
            }
        }
    }

    pub(super) fn segment_licensed(&self, id: &str) -> bool {
        self.segments
            .get(id)
            .is_some_and(|s| self.extension_licensed(s.extension.as_deref()))
    }

    /// Related extension number, extension id, user id and username of a segment.
    pub(super) fn relations(&self, seg: &CallSegment) -> [Option<String>; 4] {
        let ext = seg
            .extension
            .as_deref()
            .and_then(|n| self.extensions.get(n));
        let user = ext
            .and_then(|e| e.user.as_deref())
            .and_then(|u| self.users.get(u));
        [
            ext.map(|e| e.number.clone()),
            ext.map(|e| e.id.clone()),
            user.map(|u| u.id.clone()),
            user.map(|u| u.username.clone()),
        ]
    }

    pub(super) fn emit_link_end(&self, a: &str, b: &str, out: &mut Vec<EventBody>) {
        // docs/protocol.md §4.6: only for extensions bound to licensed/full users.
        if !(self.segment_licensed(a) || self.segment_licensed(b)) {
            return;
        }
        let (Some(s1), Some(s2)) = (self.segments.get(a), self.segments.get(b)) else {
            return;
        };
        let [number1, ext_id1, user_id1, username1] = self.relations(s1);
        let [number2, ext_id2, user_id2, username2] = self.relations(s2);
        out.push(EventBody::LinkEnd(LinkEnd {
            call_segment_id1: s1.id.clone(),
            caller_id_name1: s1.caller_id.name.clone(),
            caller_id_number1: s1.caller_id.number.clone(),
            did1: s1.did.clone(),
            extension_id1: ext_id1,
            extension_number1: number1,
            user_id1,
            username1,
            call_segment_id2: s2.id.clone(),
            caller_id_name2: s2.caller_id.name.clone(),
            caller_id_number2: s2.caller_id.number.clone(),
            did2: s2.did.clone(),
            extension_id2: ext_id2,
            extension_number2: number2,
            user_id2,
            username2,
        }));
    }

    pub(super) fn emit_hangup(&self, id: &str, out: &mut Vec<EventBody>) {
        let Some(seg) = self.segments.get(id) else {
            return;
        };
        // docs/protocol.md §4.7: the segment's extension is licensed, or its last peer's is.
        let peer_licensed = seg
            .last_peer
            .as_deref()
            .is_some_and(|p| self.segment_licensed(p));
        if !(self.segment_licensed(id) || peer_licensed) {
            return;
        }
        let [extension_number, extension_id, user_id, username] = self.relations(seg);
        out.push(EventBody::Hangup(SegmentHangup {
            call_segment_id: seg.id.clone(),
            caller_id_name: seg.caller_id.name.clone(),
            caller_id_number: seg.caller_id.number.clone(),
            did: seg.did.clone(),
            extension_id,
            extension_number,
            user_id,
            username,
        }));
    }

    pub(super) fn emit_conf_leave(&self, id: &str, out: &mut Vec<EventBody>) {
        let Some(seg) = self.segments.get(id) else {
            return;
        };
        let Some(room) = seg.room.as_deref().and_then(|r| self.rooms.get(r)) else {
            return;
        };
        let [extension_number, extension_id, user_id, username] = self.relations(seg);
        out.push(EventBody::ConfRoomCallLeave(ConfRoomCallLeave {
            call_segment_id: seg.id.clone(),
            caller_id_name: seg.caller_id.name.clone(),
            caller_id_number: seg.caller_id.number.clone(),
            did: seg.did.clone(),
            conference_room_id: room.id.clone(),
            conference_room_name: room.name.clone(),
            extension_id,
            extension_number,
            user_id,
            username,
        }));
    }

    pub(super) fn emit_dial(&self, from: &str, to: &str, out: &mut Vec<EventBody>) {
        if !(self.segment_licensed(from) || self.segment_licensed(to)) {
            return;
        }
        let (Some(s1), Some(s2)) = (self.segments.get(from), self.segments.get(to)) else {
            return;
        };
        let [number1, _, _, username1] = self.relations(s1);
        let [number2, _, _, username2] = self.relations(s2);
        out.push(EventBody::Dial(Dial {
            call_segment_id1: s1.id.clone(),
            caller_id_name1: s1.caller_id.name.clone(),
            caller_id_number1: s1.caller_id.number.clone(),
            extension_number1: number1,
            username1,
            call_segment_id2: s2.id.clone(),
            caller_id_number2: s2.caller_id.number.clone(),
            extension_number2: number2,
            username2,
        }));
    }
}
