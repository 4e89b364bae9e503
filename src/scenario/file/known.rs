//! What the scenario's directory defines, for checking the names that steps,
//! settings and generators refer to. A leaf: those readers import it while
//! `mod.rs` calls them.

use super::fields::Text;
use crate::model::Directory;
use crate::scenario::duration::{format_clock, format_duration};
use crate::scenario::error::{Problems, did_you_mean};
use crate::scenario::limits::RunLimits;

/// What the directory defines, for checking references in steps and generators.
pub(crate) struct Known<'d> {
    /// The users, extensions, queues and rooms the file defines.
    pub directory: &'d Directory,
    /// The limits the file is read against.
    pub limits: &'d RunLimits,
    /// The clock time at which the run starts.
    pub starts_at: u64,
    /// The run's length, if the file gave a valid one.
    pub length: Option<u64>,
    /// Names the file does not define are allowed: they may be provisioned by the
    /// time a step or generator uses them (`provisioned = true`).
    pub provisioned: bool,
}

impl Known<'_> {
    /// Checks that a moment is within the run; `field` names it in the message.
    pub(crate) fn within_length(
        &self,
        at: u64,
        text: &Text,
        field: &str,
        p: &mut Problems,
    ) -> bool {
        let Some(length) = self.length else {
            return true;
        };
        if at <= length {
            return true;
        }
        let end = if self.starts_at > 0 || text.value.contains(':') {
            format!("ends at {}", format_clock(self.starts_at + length))
        } else {
            format!("ends after {}", format_duration(length))
        };
        p.at(
            text.span.clone(),
            format!(
                "`{field}` = \"{}\" is past the end of the scenario (length {}, {end}); use an earlier time or a longer `length`",
                text.value,
                format_duration(length)
            ),
        );
        false
    }

    /// Checks a username.
    pub(crate) fn user(&self, name: &Text, field: &str, p: &mut Problems) -> bool {
        let names = self.directory.users.iter().map(|u| u.username.as_str());
        self.check(name, field, "user", "[[users]]", names, "", p)
    }

    /// Checks an extension number; `fix` is appended to the message.
    pub(crate) fn extension(
        &self,
        number: &Text,
        field: &str,
        fix: &str,
        p: &mut Problems,
    ) -> bool {
        let numbers = self.directory.extensions.iter().map(|e| e.number.as_str());
        self.check(
            number,
            field,
            "extension",
            "[[users]] / [[extensions]]",
            numbers,
            fix,
            p,
        )
    }

    /// Checks a queue identifier.
    pub(crate) fn queue(&self, identifier: &Text, field: &str, p: &mut Problems) -> bool {
        let ids = self.directory.queues.iter().map(|q| q.identifier.as_str());
        self.check(identifier, field, "queue", "[[queues]]", ids, "", p)
    }

    /// Checks a conference room identifier.
    pub(crate) fn room(&self, identifier: &Text, field: &str, p: &mut Problems) -> bool {
        let ids = self.directory.rooms.iter().map(|r| r.identifier.as_str());
        self.check(
            identifier,
            field,
            "conference room",
            "[[rooms]]",
            ids,
            "",
            p,
        )
    }

    /// The user's extensions, if the user exists.
    pub(crate) fn extensions_of(&self, username: &str) -> Option<&[String]> {
        let user = self
            .directory
            .users
            .iter()
            .find(|u| u.username == username)?;
        Some(&user.extensions)
    }

    /// Every username, in file order.
    pub(crate) fn usernames(&self) -> impl Iterator<Item = &str> {
        self.directory.users.iter().map(|u| u.username.as_str())
    }

    #[allow(clippy::too_many_arguments)]
    fn check<'a>(
        &self,
        wanted: &Text,
        field: &str,
        noun: &str,
        defined_by: &str,
        candidates: impl Iterator<Item = &'a str> + Clone,
        fix: &str,
        p: &mut Problems,
    ) -> bool {
        if self.provisioned || candidates.clone().any(|c| c == wanted.value) {
            return true;
        }
        let all: Vec<&str> = candidates.collect();
        let listed = if all.is_empty() {
            format!("no {noun} is defined; add it to {defined_by}")
        } else if all.len() > 12 {
            format!("the {defined_by} define {}, …", all[..12].join(", "))
        } else {
            format!("the {defined_by} define {}", all.join(", "))
        };
        p.at(
            wanted.span.clone(),
            format!(
                "`{field}` names unknown {noun} \"{}\"{}; {listed}{fix}",
                wanted.value,
                did_you_mean(&wanted.value, all.iter().copied())
            ),
        );
        false
    }
}
