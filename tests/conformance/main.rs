//! The conformance runner: the reference suite passes in-process and replayed on our
//! own server (plain, TLS, stamped); deliberately broken filters are caught
//! in-process; differential mode is proven against an independent server and its
//! broken versions; reports are well-formed; the binary's exit codes are right,
//! from any directory. The client suite has its own test binary (`tests/conform_client`).

mod broken_filters;
mod broken_server;
mod cli;
mod in_process;
mod independent;
mod independent_server;
mod replay;
mod reports;
mod targets;
