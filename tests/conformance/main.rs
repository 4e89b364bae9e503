//! The conformance runner: the reference suite passes in-process and replayed on our
//! own server, and deliberately broken filters are caught in-process, in
//! differential mode and through a client under test; reports are well-formed; the
//! binary's exit codes are right.

mod broken_filters;
mod broken_server;
mod cli;
mod client;
mod differential;
mod in_process;
mod replay;
mod reports;
