//! `record --audit`: compares a capture of a real server with our event catalogue
//! and protocol description. Every finding names the statement it confirms or
//! contradicts and that statement's tag (documented / inferred / our default), so
//! guesses can be replaced by facts.

mod events;
mod findings;
mod live;
mod outcome;
mod report;
pub mod statements;

use super::reader::Capture;
pub use outcome::{Audit, Finding, ValueSet, Verdict};
pub use report::render_text;
pub use statements::{STATEMENTS, Statement, Tag};

// The constructor lives here, not in `outcome.rs`, because it runs the passes,
// which import `Finding` from there.
impl Audit {
    /// Audits `capture`.
    pub fn of(capture: &Capture) -> Audit {
        let mut findings = Vec::new();
        let frames = events::audit(capture, &mut findings);
        live::audit(capture, &mut findings);
        findings.sort_by(|a, b| {
            (a.verdict, a.statement.id, &a.subject).cmp(&(b.verdict, b.statement.id, &b.subject))
        });
        Audit {
            capture: capture.path.clone(),
            frames: frames.frames,
            catalogue_events: frames.catalogue,
            types: frames.types,
            findings,
            values: frames.values,
            damage: capture.damage.as_ref().map(ToString::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_ids_are_unique() {
        let mut ids: Vec<&str> = STATEMENTS.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }
}
