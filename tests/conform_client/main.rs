//! The client suite (`conform --client`), run as a team's CI runs it: the binary
//! against the example client in `examples/event_client.rs`. The well-behaved
//! client passes every case against the committed snapshots; each deliberately
//! broken one fails the case named for its fault; a changed filter leaves a
//! snapshot pending until it is accepted; every message a client sends is judged.

mod broken_clients;
mod good_client;
mod snapshots;
mod support;
