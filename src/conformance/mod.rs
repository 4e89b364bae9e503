//! The conformance runner behind `isymphony-sim conform`: proves that a client or a
//! server handles Event API filtering (spec §5) the way the specification says.
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
//! Every target ends in [`verdict`]s, rendered by [`report`].

mod case_file;
pub mod client;
pub mod compare;
pub mod differential;
pub mod inprocess;
pub mod replay;
pub mod report;
pub mod run;
pub mod sim_api;
pub mod snapshot;
pub mod suite;
pub mod transcript;
pub mod verdict;

pub use inprocess::{FilterImpl, SpecFilter, run_case};
pub use suite::{Action, ActionKind, Case, Suite, SuiteError, load_suite};
pub use transcript::{Entry, Transcript};
pub use verdict::{CaseOutcome, RunReport, Verdict};
