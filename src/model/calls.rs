//! Transitions of calls: dial, answer, hold, record, transfer, hangup, conferences.
//!
//! Event sequences follow docs/protocol.md §4: a bridged call that ends gives `linkEnd`, then a
//! `hangup` for each segment; leaving a conference gives `confRoomCallLeave`, then
//! `hangup`; a blind transfer gives `linkEnd` and the dropped side's `hangup`.

use super::command::{Destination, Party};
use super::error::ModelError;
use super::limits::CallLimit;
use super::pbx::Pbx;
use super::state::{Call, CallState};
use crate::protocol::EventBody;

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
        if self.calls.len() >= self.limits.max_live_calls {
            return Err(ModelError::LimitReached {
                action: "dial",
                limit: CallLimit::LiveCalls,
                max: self.limits.max_live_calls,
            });
        }
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
                Some(_) if self.waiting_in(q) >= self.limits.max_queue_callers => {
                    return Err(ModelError::LimitReached {
                        action: "dial",
                        limit: CallLimit::QueueCallers,
                        max: self.limits.max_queue_callers,
                    });
                }
                Some(_) => {}
            },
            Destination::Conference(r) => {
                if !self.rooms.contains_key(r) {
                    return Err(ModelError::UnknownRoom(r.clone()));
                }
                if !self.core.as_ref().is_some_and(|c| c.conference_rooms) {
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
                *self.waiting.entry(q.clone()).or_default() += 1;
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
                self.leave_queue(&queue);
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
            CallState::Queued => {
                let queue = self
                    .segments
                    .get(&call.caller)
                    .and_then(|s| s.queue.clone());
                if let Some(queue) = queue {
                    self.leave_queue(&queue);
                }
                self.emit_hangup(&call.caller, out);
            }
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

    /// One caller fewer waits in `queue`.
    fn leave_queue(&mut self, queue: &str) {
        if let Some(count) = self.waiting.get_mut(queue) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.waiting.remove(queue);
            }
        }
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
}
