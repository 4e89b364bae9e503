//! isymphony-sim: a fake iSymphony server for integration developers without a PBX.
//!
//! # Layout
//! - [`protocol`]: event catalogue, wire encoding, filter messages and semantics (pure).
pub mod model;
pub mod protocol;
pub mod rng;
