//! The client suite behind `isymphony-sim conform --client CMD`: checks that a
//! client of the Event API behaves as a good client must, and keeps a snapshot
//! of what it does, reviewed like insta's.
//!
//! Per [case](cases), the runner starts our own server ([`backend`]) paused on
//! the suite's scenario, links the [`tap`] to it (the address the client is
//! given; it follows [`frames`] and HTTP [`head`]s), starts the client ([`process`]), plays the case on the virtual clock
//! through the server's control API ([`stage`]), stops the client, and decides:
//! the behaviour [`check`]s, each with its provenance (documented, inferred or our
//! recommendation), from the case's [`journal`] ([`judge`], [`lint`]); the
//! [`transcript`], compared with its snapshot ([`snapshots`]). Thresholds have one
//! default each ([`thresholds`]). [`suite`] runs the cases; [`outcome`] holds what
//! they found and [`report`] renders it.
//!
//! The server suite (`fixtures/conformance`, the rest of [`super`]) checks
//! servers; this one checks clients.

pub mod backend;
pub mod cases;
pub mod check;
pub mod frames;
pub mod head;
pub mod journal;
pub mod judge;
pub mod lint;
pub mod outcome;
pub mod process;
pub mod report;
pub mod snapshots;
pub mod stage;
pub mod suite;
pub mod tap;
pub mod thresholds;
pub mod transcript;

pub use cases::ClientCase;
pub use check::{Check, CheckId, CheckState, Provenance};
pub use outcome::{ClientCaseOutcome, ClientRun, ClientVerdict};
pub use suite::{ClientRunOptions, ClientTarget, Reporter, run_client_suite};
pub use thresholds::Thresholds;
