//! The fake iSymphony server: the websocket Event API (spec §1, §2, §5) over warp.
//!
//! Admission comes first: [`auth`] decides who may upgrade, from HTTP Basic
//! credentials and a source-address allow-list of [`cidr`] networks.

pub mod auth;
pub mod cidr;

pub use auth::{Credentials, Gate, Refusal};
pub use cidr::{Cidr, CidrError};
