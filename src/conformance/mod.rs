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
//! - [`client`]: a client under test, started by the runner and served each case.
//!
//! Every target ends in [`verdict`]s, rendered by [`report`].

mod case_file;
pub mod client;
mod client_process;
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

pub use case_file::{SuiteError, load_suite, parse_case};
pub use inprocess::{FilterImpl, SpecFilter, run_case};
pub use suite::{Action, ActionKind, Case, Suite};
pub use transcript::{Entry, Transcript};
pub use verdict::{CaseOutcome, RunReport, Verdict};
