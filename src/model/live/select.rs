//! Resolving the instance selectors of a Live API path (`{uuid}` or
//! `getByName/{name}`) to the model's objects, as the Live API sees them.

use super::error::LiveError;
use crate::model::pbx::Pbx;
use crate::model::state::{Agent, CallSegment, Extension, Queue, Room, User};

/// How a path names one instance: `{uuid}` or `getByName/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Selector<'a> {
    Id(&'a str),
    Name(&'a str),
}

impl Selector<'_> {
    pub(super) fn describe(&self) -> String {
        match self {
            Selector::Id(id) => format!("id `{id}`"),
            Selector::Name(name) => format!("name `{name}`"),
        }
    }
}

/// Takes one instance selector off the front of the path.
pub(super) fn take_selector<'a>(path: &mut &[&'a str]) -> Option<Selector<'a>> {
    match *path {
        ["getByName", name, rest @ ..] => {
            *path = rest;
            Some(Selector::Name(name))
        }
        [id, rest @ ..] => {
            *path = rest;
            Some(Selector::Id(id))
        }
        [] => None,
    }
}

pub(super) fn not_found(what: &str, selector: Selector<'_>) -> LiveError {
    LiveError::NotFound(format!("no {what} with {}", selector.describe()))
}

pub(super) fn no_such_path(path: &[&str]) -> LiveError {
    LiveError::NotFound(format!("no Live API resource at `{}`", path.join("/")))
}

impl Pbx {
    /// Extensions the Live API lists: only those bound to a licensed/full user (docs/protocol.md §6.1).
    pub(super) fn live_extension(&self, selector: Selector<'_>) -> Result<&Extension, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.extensions.values().find(|e| e.id == id),
            Selector::Name(n) => self.extensions.get(n),
        };
        found
            .filter(|e| self.extension_licensed(Some(&e.number)))
            .ok_or_else(|| not_found("extension", selector))
    }

    pub(super) fn live_user(&self, selector: Selector<'_>) -> Result<&User, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.users.values().find(|u| u.id == id),
            Selector::Name(n) => self.users.get(n),
        };
        found.ok_or_else(|| not_found("user", selector))
    }

    /// Queues the Live API lists: only enabled ones (docs/protocol.md §6.1).
    pub(super) fn live_queue(&self, selector: Selector<'_>) -> Result<&Queue, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.queues.values().find(|q| q.id == id),
            Selector::Name(n) => self.queues.get(n),
        };
        found
            .filter(|q| q.enabled)
            .ok_or_else(|| not_found("queue", selector))
    }

    pub(super) fn live_room(&self, selector: Selector<'_>) -> Result<&Room, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.rooms.values().find(|r| r.id == id),
            Selector::Name(n) => self.rooms.get(n),
        };
        found.ok_or_else(|| not_found("conference room", selector))
    }

    pub(super) fn live_segment(&self, selector: Selector<'_>) -> Result<&CallSegment, LiveError> {
        let found = match selector {
            Selector::Id(id) => self.segments.get(id),
            Selector::Name(_) => None,
        };
        found.ok_or_else(|| not_found("call segment", selector))
    }

    /// Agents of a queue, hiding those whose extension is not licensed (docs/protocol.md §6.1).
    pub(super) fn live_agents<'a>(&'a self, q: &'a Queue) -> impl Iterator<Item = &'a Agent> + 'a {
        q.agents
            .values()
            .filter(|a| self.extension_licensed(Some(&a.extension)))
    }

    /// The agent entries of an extension across enabled queues, with their queue.
    pub(super) fn agents_of_extension<'a>(
        &'a self,
        number: &'a str,
    ) -> impl Iterator<Item = (&'a Queue, &'a Agent)> + 'a {
        self.queues
            .values()
            .filter(|q| q.enabled)
            .filter_map(move |q| q.agents.get(number).map(|a| (q, a)))
    }

    pub(super) fn check_core_server(&self, selector: Selector<'_>) -> Result<(), LiveError> {
        let ok = self.core.as_ref().is_some_and(|core| match selector {
            Selector::Id(id) => core.id == id,
            Selector::Name(slug) => core.slug == slug,
        });
        if ok {
            Ok(())
        } else {
            Err(not_found("core server", selector))
        }
    }

    /// An agent of a queue by id, or by extension number with getByName (INFERRED).
    pub(super) fn queue_agent<'a>(
        &'a self,
        queue: &'a Queue,
        sel: Selector<'_>,
    ) -> Result<&'a Agent, LiveError> {
        let found = match sel {
            Selector::Id(id) => self.live_agents(queue).find(|a| a.id == id),
            Selector::Name(n) => self.live_agents(queue).find(|a| a.extension == n),
        };
        found.ok_or_else(|| not_found("agent", sel))
    }
}
