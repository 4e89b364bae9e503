//! The `isymphony-sim` command line. Argument parsing and exit codes only; the work is
//! done by the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;

/// A fake iSymphony server: the Event API (websocket) and Live API over the real
/// protocol, driven by scripted or seeded-random PBX activity.
#[derive(Debug, Parser)]
#[command(name = "isymphony-sim", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the Event API on a websocket, driven by a scenario in (scaled) real time.
    Serve(Box<commands::serve::ServeArgs>),
    /// Print a scenario's event stream as JSON lines, as fast as possible.
    Play(commands::play::PlayArgs),
    /// Validate scenario files; exit 1 on any error.
    Check(commands::check::CheckArgs),
    /// List the event catalogue with each entry's provenance and properties.
    Events(commands::events::EventsArgs),
    /// Load-test an Event API server with many clients; report rate and latency.
    Load(commands::load::LoadArgs),
    /// Run a conformance suite in-process, against a server, or against a client under test.
    Conform(Box<commands::conform::ConformArgs>),
    /// Record a real server's Event API and Live API into a capture; convert or audit captures.
    Record(commands::record::RecordArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(*args),
        Command::Play(args) => commands::play::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Events(args) => commands::events::run(args),
        Command::Load(args) => commands::load::run(args),
        Command::Conform(args) => commands::conform::run(*args),
        Command::Record(args) => commands::record::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
