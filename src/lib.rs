//! isymphony-sim: a fake iSymphony server for integration developers without a PBX.
//!
//! # Layout
//! - [`conformance`]: the conformance runner: case suites, transcripts, snapshots, targets
//!   (in-process, replay on our own serve, differential, client under test), verdicts and reports.
//! - [`load`]: the load generator: many websocket clients against an Event API server,
//!   with throughput and latency percentiles, plus a synthetic office feed.
//! - [`protocol`]: event catalogue, wire encoding, filter messages and semantics (pure).
//! - [`provisioning`]: the Configuration API as a provisioning client drives it:
//!   request in, status and JSON out, over the model's directory changes (pure).
//! - [`record`]: recording a real server (events and Live API state) into a capture
//!   file, and playing captures back on a virtual clock.
//! - [`scenario`]: scenario files (directory, scripted steps, seeded generators) and the
//!   player that runs them on a virtual clock, with record and replay.
//! - [`server`]: the server over warp: the websocket Event API (admission, sessions, fan-out
//!   bus), the REST Live API and the `/sim/` control API, over one shared simulation whose
//!   clock driver plays the scenario.
pub mod conformance;
#[cfg(test)]
mod layout;
pub mod load;
pub mod model;
pub mod protocol;
pub mod provisioning;
pub mod record;
pub mod rng;
pub mod scenario;
pub mod server;
