//! The record-and-replay tests: an independent fake server recorded by the real
//! `record` command, captures replayed, converted and audited.

mod audit;
mod common;
mod damage;
mod fake;
mod recording;
mod round_trip;
mod serve_replay;
mod served;
