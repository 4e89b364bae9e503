//! isymphony-sim: a fake iSymphony server for integration developers without a PBX.
//!
//! # Layout
//! - [`protocol`]: event catalogue, wire encoding, filter messages and semantics (pure).
//! - [`server`]: the websocket Event API over warp: admission, sessions, fan-out bus, feed driver.
pub mod model;
pub mod protocol;
pub mod rng;
pub mod server;
