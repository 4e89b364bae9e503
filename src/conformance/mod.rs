//! The conformance runner behind `isymphony-sim conform`: proves that a client or a
//! server handles Event API filtering (docs/protocol.md §5) the way the specification says.
//!
//! A suite is a folder of case files ([`suite`]); a case is a scenario, a seed and
//! a client script. Targets:
//! - [`inprocess`]: the pure player plus the filter produce each case's
//!   [`transcript`], compared with its stored [`snapshot`] ([`run`]);
//! - [`replay`]: our own `serve`, controlled through `/sim/` ([`sim_api`]), playing
//!   each case so that its transcript equals the in-process one;
//! - [`differential`]: a server we do not control; a filtered and an unfiltered
//!   connection side by side, verdict per filter rule set ([`compare`]);
//! - [`client`]: the client suite, for a client under test: its own cases,
//!   behaviour checks with their provenance, and snapshots of what it does.
//!
//! Every target ends in [`verdict`]s, graded by the provenance of the [`rules`] a
//! target breaks, and rendered by [`report`]. The reference suite is compiled in
//! ([`builtin`]).

pub mod builtin;
mod case_file;
pub mod client;
pub mod compare;
pub mod connection;
pub mod diff;
pub mod differential;
pub mod fields;
pub mod inprocess;
pub mod instantiate;
pub mod learn;
mod options;
pub mod plan;
pub mod probe;
pub mod replay;
pub mod reply;
pub mod report;
pub mod rules;
pub mod run;
pub mod sim_api;
pub mod snapshot;
pub mod suite;
pub mod transcript;
pub mod verdict;
mod watch;

pub use case_file::{SuiteError, load_suite, parse_case};
pub use inprocess::{FilterImpl, SpecFilter, run_case};
pub use rules::{Provenance, Rule};
pub use suite::{Action, ActionKind, Case, Suite};
pub use transcript::{Entry, Transcript};
pub use verdict::{CaseOutcome, Finding, RunReport, Verdict};
