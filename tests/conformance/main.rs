//! The conformance runner: the reference suite passes in-process and replayed on our
//! own server, and deliberately broken filters are caught in-process and in
//! differential mode; reports are well-formed; the binary's exit codes are right.
//! The client suite has its own test binary (`tests/conform_client`).

mod broken_filters;
mod broken_server;
mod cli;
mod differential;
mod in_process;
mod replay;
mod reports;
