//! The conformance runner: the reference suite passes in-process and replayed on our
//! own server (plain, TLS, stamped); deliberately broken filters are caught
//! in-process and through a client under test; differential mode is proven against
//! an independent server and its broken versions; reports are well-formed; the
//! binary's exit codes are right, from any directory.

mod broken_filters;
mod broken_server;
mod cli;
mod client;
mod in_process;
mod independent;
mod independent_server;
mod replay;
mod reports;
mod targets;
