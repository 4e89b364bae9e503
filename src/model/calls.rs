//! Transitions of calls: dial, answer, hold, record, transfer, hangup, conferences.
//!
//! Event sequences follow docs/protocol.md §4: a bridged call that ends gives `linkEnd`, then a
//! `hangup` for each segment; leaving a conference gives `confRoomCallLeave`, then
//! `hangup`; a blind transfer gives `linkEnd` and the dropped side's `hangup`.

use super::command::{Destination, Party};
use super::error::ModelError;
use super::pbx::Pbx;
use super::state::{Call, CallSegment, CallState, CallerId, SegmentKind};
use crate::protocol::EventBody;
use crate::protocol::event::{ConfRoomCallLeave, Dial, LinkEnd, SegmentHangup};

impl Pbx {
    pub(crate) fn dial(
        &mut self,
        label: &str,
        from: &Party,
        to: &Destination,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        if self.calls.contains_key(label) {
            return Err(ModelError::refused(
                "dial",
                format!("call `{label}`"),
                "a live call already has that label; choose another or hang it up first",
            ));
        }
        // Check everything before creating anything, so a refusal changes nothing.
        if let Party::Extension(n) = from {
            self.require_free(n, "dial from")?;
        }
        match to {
            Destination::Extension(n) => self.require_reachable(n)?,
            Destination::Queue(q) => match self.queues.get(q) {
                None => return Err(ModelError::UnknownQueue(q.clone())),
                Some(queue) if !queue.enabled => {
                    return Err(ModelError::refused(
                        "dial",
                        format!("queue `{q}`"),
                        "the queue is disabled",
                    ));
                }
                Some(_) => {}
            },
            Destination::Conference(r) => {
                if !self.rooms.contains_key(r) {
                    return Err(ModelError::UnknownRoom(r.clone()));
                }
                if !self.core.conference_rooms {
                    return Err(ModelError::refused(
                        "join",
                        format!("conference room `{r}`"),
                        "conference rooms are disabled on this core server",
                    ));
                }
            }
            Destination::External(_) => {}
        }
        let caller = self.new_caller_segment(label, from);
        let caller_id = caller.id.clone();
        self.segments.insert(caller_id.clone(), caller);
        let (state, callee) = match to {
            Destination::Extension(n) => {
                let seg = self.new_extension_segment(label, n, true);
                (CallState::Ringing, Some(seg))
            }
            Destination::External(number) => {
                let seg = self.new_external_segment(label, number, number, None, true);
                (CallState::Ringing, Some(seg))
            }
            Destination::Queue(q) => {
                if let Some(seg) = self.segments.get_mut(&caller_id) {
                    seg.queue = Some(q.clone());
                }
                (CallState::Queued, None)
            }
            Destination::Conference(r) => {
                if let Some(seg) = self.segments.get_mut(&caller_id) {
                    seg.room = Some(r.clone());
                }
                (CallState::Conference, None)
            }
        };
        let callee_id = callee.map(|seg| {
            let id = seg.id.clone();
            self.segments.insert(id.clone(), seg);
            id
        });
        if let Some(callee_id) = &callee_id {
            self.peer(&caller_id, callee_id);
            self.emit_dial(&caller_id, callee_id, out);
        }
        self.calls.insert(
            label.to_string(),
            Call {
                label: label.to_string(),
                state,
                caller: caller_id,
                callee: callee_id,
            },
        );
        Ok(())
    }

    pub(crate) fn answer(
        &mut self,
        label: &str,
        by: Option<&str>,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        let call = self.live_call(label)?.clone();
        match call.state {
            CallState::Ringing => {
                let callee_id = call.callee.clone().unwrap_or_default();
                let ringing_at = self
                    .segments
                    .get(&callee_id)
                    .and_then(|s| s.extension.clone());
                if let Some(by) = by
                    && ringing_at.as_deref() != Some(by)
                {
                    return Err(ModelError::refused(
                        "answer",
                        format!("call `{label}` at extension `{by}`"),
                        format!(
                            "it is ringing at {}",
                            ringing_at.map_or("an outside number".to_string(), |n| format!(
                                "extension `{n}`"
                            ))
                        ),
                    ));
                }
                self.link(&call.caller, &callee_id);
                self.set_state(label, CallState::Connected, Some(callee_id));
                Ok(())
            }
            CallState::Queued => {
                let caller = self.segments.get(&call.caller);
                let queue = caller.and_then(|s| s.queue.clone()).unwrap_or_default();
                let Some(agent) = by else {
                    return Err(ModelError::refused(
                        "answer",
                        format!("call `{label}`"),
                        format!("it waits in queue `{queue}`; name the answering agent with `by`"),
                    ));
                };
                if !self.is_agent(&queue, agent) {
                    return Err(ModelError::refused(
                        "answer",
                        format!("call `{label}` at extension `{agent}`"),
                        format!("extension `{agent}` is not an agent of queue `{queue}`"),
                    ));
                }
                if self.is_paused(&queue, agent) {
                    return Err(ModelError::refused(
                        "answer",
                        format!("call `{label}` at extension `{agent}`"),
                        format!("the agent is paused in queue `{queue}`"),
                    ));
                }
                self.require_free(agent, "answer at")?;
                let seg = self.new_extension_segment(label, agent, true);
                let callee_id = seg.id.clone();
                self.segments.insert(callee_id.clone(), seg);
                if let Some(s) = self.segments.get_mut(&call.caller) {
                    s.queue = None;
                }
                if let Some(a) = self
                    .queues
                    .get_mut(&queue)
                    .and_then(|q| q.agents.get_mut(agent))
                {
                    a.calls_taken += 1;
                }
                self.emit_dial(&call.caller, &callee_id, out);
                self.link(&call.caller, &callee_id);
                self.set_state(label, CallState::Connected, Some(callee_id));
                Ok(())
            }
            other => Err(ModelError::refused(
                "answer",
                format!("call `{label}`"),
                format!("it is {}, not ringing or queued", other.as_str()),
            )),
        }
    }

    pub(crate) fn hold(&mut self, label: &str, on: bool) -> Result<(), ModelError> {
        let call = self.connected_call(label, if on { "hold" } else { "unhold" })?;
        if let Some(seg) = self.segments.get_mut(&call.caller) {
            seg.on_hold = on;
        }
        Ok(())
    }

    pub(crate) fn record(&mut self, label: &str, on: bool) -> Result<(), ModelError> {
        let call = self.connected_call(label, "record")?;
        for id in [Some(call.caller), call.callee].into_iter().flatten() {
            if let Some(seg) = self.segments.get_mut(&id) {
                seg.recording = on;
            }
        }
        Ok(())
    }

    pub(crate) fn transfer(
        &mut self,
        label: &str,
        to: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        let call = self.connected_call(label, "transfer")?;
        let callee_id = call.callee.clone().unwrap_or_default();
        if self
            .segments
            .get(&callee_id)
            .and_then(|s| s.extension.as_deref())
            == Some(to)
        {
            return Err(ModelError::refused(
                "transfer",
                format!("call `{label}` to extension `{to}`"),
                "the call is already connected to that extension",
            ));
        }
        self.require_reachable(to)?;
        self.emit_link_end(&call.caller, &callee_id, out);
        self.unlink(&call.caller, &callee_id);
        self.emit_hangup(&callee_id, out);
        self.segments.remove(&callee_id);
        if let Some(seg) = self.segments.get_mut(&call.caller) {
            seg.on_hold = false;
        }
        let seg = self.new_extension_segment(label, to, true);
        let new_id = seg.id.clone();
        self.segments.insert(new_id.clone(), seg);
        self.peer(&call.caller, &new_id);
        self.emit_dial(&call.caller, &new_id, out);
        self.set_state(label, CallState::Ringing, Some(new_id));
        Ok(())
    }

    pub(crate) fn hangup(
        &mut self,
        label: &str,
        out: &mut Vec<EventBody>,
    ) -> Result<(), ModelError> {
        let call = self.live_call(label)?.clone();
        let callee = call.callee.clone();
        match call.state {
            CallState::Connected => {
                let callee = callee.as_deref().unwrap_or_default();
                self.emit_link_end(&call.caller, callee, out);
                self.unlink(&call.caller, callee);
                self.emit_hangup(&call.caller, out);
                self.emit_hangup(callee, out);
            }
            CallState::Ringing => {
                self.emit_hangup(&call.caller, out);
                if let Some(callee) = &callee {
                    self.emit_hangup(callee, out);
                }
            }
            CallState::Queued => self.emit_hangup(&call.caller, out),
            CallState::Conference => {
                self.emit_conf_leave(&call.caller, out);
                self.emit_hangup(&call.caller, out);
            }
        }
        self.segments.remove(&call.caller);
        if let Some(callee) = callee {
            self.segments.remove(&callee);
        }
        self.calls.remove(label);
        Ok(())
    }

    fn live_call(&self, label: &str) -> Result<&Call, ModelError> {
        self.calls
            .get(label)
            .ok_or_else(|| ModelError::UnknownCall(label.into()))
    }

    fn connected_call(&self, label: &str, action: &'static str) -> Result<Call, ModelError> {
        let call = self.live_call(label)?;
        if call.state != CallState::Connected {
            return Err(ModelError::refused(
                action,
                format!("call `{label}`"),
                format!("it is {}, not connected", call.state.as_str()),
            ));
        }
        Ok(call.clone())
    }

    fn set_state(&mut self, label: &str, state: CallState, callee: Option<String>) {
        if let Some(call) = self.calls.get_mut(label) {
            call.state = state;
            call.callee = callee;
        }
    }

    /// The extension exists and has no live segment (it may place or take a call).
    fn require_free(&self, number: &str, action: &'static str) -> Result<(), ModelError> {
        if !self.extensions.contains_key(number) {
            return Err(ModelError::UnknownExtension(number.into()));
        }
        if let Some(seg) = self.segment_of_extension(number) {
            return Err(ModelError::refused(
                action,
                format!("extension `{number}`"),
                format!("it is busy on call `{}`", seg.call),
            ));
        }
        Ok(())
    }

    /// The extension exists, is free and has no DND: it can ring.
    fn require_reachable(&self, number: &str) -> Result<(), ModelError> {
        self.require_free(number, "ring")?;
        if self.extensions.get(number).is_some_and(|e| e.dnd) {
            return Err(ModelError::refused(
                "ring",
                format!("extension `{number}`"),
                "Do Not Disturb is on",
            ));
        }
        Ok(())
    }

    fn new_caller_segment(&mut self, label: &str, from: &Party) -> CallSegment {
        match from {
            Party::Extension(n) => self.new_extension_segment(label, n, false),
            Party::External { number, name, did } => {
                self.new_external_segment(label, number, name, did.clone(), false)
            }
        }
    }

    fn new_extension_segment(&mut self, label: &str, number: &str, incoming: bool) -> CallSegment {
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

    fn new_external_segment(
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

    fn peer(&mut self, a: &str, b: &str) {
        if let Some(s) = self.segments.get_mut(a) {
            s.last_peer = Some(b.into());
        }
        if let Some(s) = self.segments.get_mut(b) {
            s.last_peer = Some(a.into());
        }
    }

    fn link(&mut self, a: &str, b: &str) {
        self.peer(a, b);
        if let Some(s) = self.segments.get_mut(a) {
            s.linked = Some(b.into());
        }
        if let Some(s) = self.segments.get_mut(b) {
            s.linked = Some(a.into());
        }
    }

    fn unlink(&mut self, a: &str, b: &str) {
        for id in [a, b] {
            if let Some(s) = self.segments.get_mut(id) {
                s.linked = None;
            }
        }
    }

    fn segment_licensed(&self, id: &str) -> bool {
        self.segments
            .get(id)
            .is_some_and(|s| self.extension_licensed(s.extension.as_deref()))
    }

    /// Related extension number, extension id, user id and username of a segment.
    fn relations(&self, seg: &CallSegment) -> [Option<String>; 4] {
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

    fn emit_link_end(&self, a: &str, b: &str, out: &mut Vec<EventBody>) {
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

    fn emit_hangup(&self, id: &str, out: &mut Vec<EventBody>) {
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

    fn emit_conf_leave(&self, id: &str, out: &mut Vec<EventBody>) {
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

    fn emit_dial(&self, from: &str, to: &str, out: &mut Vec<EventBody>) {
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
