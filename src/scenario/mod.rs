//! Scenarios: what happens on the simulated PBX, and when.
//!
//! A scenario file (TOML, written by people) describes the directory, scripted
//! steps at given moments and seeded random traffic generators. It reads into one
//! [`Scenario`]; the [`Player`] runs it on a virtual clock, sending every command
//! through the model. A run can be written back as a script ([`dump_script`]) that
//! replays it exactly.
//!
//! # File format
//!
//! ```toml
//! # What this scenario shows (every shipped file starts with such a comment).
//! [scenario]
//! name = "day"
//! description = "A small office"
//! starts_at = "08:00"   # optional: the clock time at the start; "HH:MM" times count from it
//! length = "8h"         # one run (one loop when serving)
//! seed = 42             # optional: used when no --seed is given
//! provisioned = false   # optional: true lets steps and generators name users,
//!                       # extensions, queues and rooms this file does not define,
//!                       # which a client creates through the Configuration API;
//!                       # they are looked up when they run
//!
//! [core_server]         # optional; these are the defaults
//! slug = "default"
//! name = "Default"
//! licensed = true
//! conference_rooms = true
//!
//! [[users]]
//! username = "alice"
//! name = "Alice Archer"
//! license = "full"       # or "basic"; default "full"
//! extension = "1001"     # or extensions = ["1001", "1002"]; creates the extension
//!
//! [[extensions]]         # only for extensions no user has (or to rename one)
//! number = "1099"
//! name = "Lobby phone"
//!
//! [[queues]]
//! identifier = "support"
//! name = "Support"
//! enabled = true
//! static_agents = ["1001"]    # always logged in
//! dynamic_agents = ["1002"]   # logged in by a `logins` generator
//!
//! [[rooms]]
//! identifier = "weekly"
//! name = "Weekly meeting"
//! dial_string = "8000"        # optional; default: the identifier
//!
//! [[steps]]
//! at = "08:30"                # a clock time, or a time since the start: "30m", "90s"
//! action = "dial"
//! call = "c1"                 # a name for the call, used by later steps
//! from = { number = "5550123", name = "ACME", did = "5550100" }   # or "1001" (an extension)
//! to = { queue = "support" }  # or "1002", { conference = "weekly" }, { external = "5550199" }
//!
//! [[generators]]
//! kind = "inbound_calls"
//! queue = "support"
//! per_hour = 20               # or hourly = [5, 20, 30, ...] from the start
//! talk_time = { distribution = "exponential", mean = "3m", min = "20s", max = "30m" }
//! patience = { distribution = "uniform", min = "30s", max = "4m" }
//! ```
//!
//! Step actions and their fields (booleans default to `true`):
//! `login` (user, ip, port), `logout` (user), `status` (user, status = one of the 11
//! status types, name, note, return_in, custom), `agent_login` / `agent_logout`
//! (queue, extension), `agent_pause` (queue, extension, paused), `agent_penalty`
//! (queue, extension, penalty), `dnd` (extension,
//! on), `dial` (call, from, to), `answer` (call, by), `hold` / `record` (call, on),
//! `transfer` (call, to = an extension), `hangup` (call).
//! `fault` (kind = "drop" | "close" | "delay" | "duplicate" | "malformed" |
//! "restart"; code and reason for close, ms for delay, count for duplicate; client
//! = a connection id, default every one) is ours, for testing clients: the server
//! carries it out at that moment (see [`fault`]); `play` prints it to stderr.
//!
//! Durations are written "90s", "15m", "1h30m", "250ms"; distributions as a fixed
//! duration ("3m") or `{ distribution = "fixed" | "uniform" | "exponential" |
//! "lognormal", ... }` with `value`, `min`/`max`, `mean` or `median` + `sigma`.
//! A window is `between = ["08:00", "12:00"]` (default: the whole run); a rate is
//! `per_hour = 12` or `hourly = [..]` (one rate per hour from the start, none after).
//!
//! Generator kinds and their fields (required ones first; see each settings struct
//! in [`generator`] for defaults):
//! - `inbound_calls`: queue, rate; between, did, callers = [{ number, name }],
//!   answer_delay, talk_time, patience, hold_probability, hold_time,
//!   record_probability, retry_every.
//! - `logins`: login_between; users ("all" or a list), logout_between,
//!   absent_probability, agent_delay. Users' extensions join the queues that list
//!   them in `dynamic_agents`.
//! - `status`: status, between, duration; users, name, note, probability, times,
//!   announce_return, pause_agents. Users are `available` again afterwards.
//! - `internal_calls`: rate; users, between, outbound_share, answer_probability,
//!   ring_time, give_up_after, talk_time. Only logged-in users call.
//! - `reception`: receptionists, targets, rate; between, did, callers, ring_time,
//!   greeting, answer_probability, target_ring_time, give_up_after, talk_time,
//!   message_time.
//! - `conference`: room, start; participants, guests, join_within, duration,
//!   leave_within, attendance.

mod budget;
mod definition;
mod dump;
pub mod duration;
mod error;
pub mod fault;
mod file;
pub mod generator;
pub mod limits;
mod outcome;
mod pickup;
mod player;
pub mod shipped;

use std::path::Path;

pub use definition::{Scenario, Step, StepAction};
pub use dump::dump_script;
pub use error::{Diagnostic, ReadError, ScenarioError};
pub use fault::{Fault, FaultRequest, PlacedFault};
pub use generator::{GeneratorKind, GeneratorSpec};
pub use limits::{RunLimits, RunStop, StopReason};
pub use outcome::{GeneratorFault, RecordedCommand, StepFailure};
pub use player::Player;

impl Scenario {
    /// Reads a scenario from TOML text; `path` names it in messages.
    ///
    /// # Errors
    /// Every problem of the file, each with line, column and a fix.
    pub fn from_toml(text: &str, path: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml_within(text, path, &RunLimits::default())
    }

    /// Reads a scenario from TOML text against `limits`: a generator rate, a
    /// length or a number of steps past them is a problem of the file.
    ///
    /// # Errors
    /// Every problem of the file, each with line, column and a fix.
    pub fn from_toml_within(
        text: &str,
        path: &str,
        limits: &RunLimits,
    ) -> Result<Scenario, ScenarioError> {
        file::parse(text, path, limits)
    }

    /// Reads a scenario file.
    ///
    /// # Errors
    /// [`ReadError::Unreadable`] when the file cannot be read, [`ReadError::Invalid`]
    /// with every problem otherwise.
    pub fn from_file(path: &Path) -> Result<Scenario, ReadError> {
        Scenario::from_file_within(path, &RunLimits::default())
    }

    /// Reads a scenario file against `limits` (see [`Scenario::from_toml_within`]).
    ///
    /// # Errors
    /// As [`Scenario::from_file`].
    pub fn from_file_within(path: &Path, limits: &RunLimits) -> Result<Scenario, ReadError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ReadError::Unreadable {
            path: shown.clone(),
            source,
        })?;
        Ok(Scenario::from_toml_within(&text, &shown, limits)?)
    }

    /// Opens `path_or_name`: a file if one exists there, else a shipped scenario by
    /// name ("office") or file name ("office.toml").
    ///
    /// # Errors
    /// As [`Scenario::from_file`]; [`ReadError::NotFound`] when neither exists.
    pub fn open(path_or_name: &str) -> Result<Scenario, ReadError> {
        Scenario::open_within(path_or_name, &RunLimits::default())
    }

    /// Opens `path_or_name` as [`Scenario::open`] does, a file against `limits`
    /// (the shipped scenarios are within the default limits).
    ///
    /// # Errors
    /// As [`Scenario::open`].
    pub fn open_within(path_or_name: &str, limits: &RunLimits) -> Result<Scenario, ReadError> {
        let path = Path::new(path_or_name);
        if path.exists() {
            return Scenario::from_file_within(path, limits);
        }
        match shipped::find(path_or_name) {
            Some(shipped) => Ok(shipped.scenario()?),
            None => Err(ReadError::NotFound {
                name: path_or_name.to_string(),
                shipped: shipped::names().join(", "),
            }),
        }
    }
}
