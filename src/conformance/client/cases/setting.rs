//! What every case plays: the shipped scenario, its seed and epoch, and the
//! moment the reconnect and restart cases cut the connection.

use crate::protocol::Profile;
use crate::scenario::{Player, shipped};

/// The shipped scenario every case plays.
pub const SCENARIO: &str = "smoke";

/// The seed every case plays it with.
pub const SEED: u64 = 7;

/// Epoch ms of virtual time zero, so event times are the same on every run.
pub const EPOCH_MS: i64 = 1_700_000_000_000;

/// Virtual time at which the reconnect and restart cases cut the connection.
pub const CUT_AT_MS: u64 = 120_000;

/// The suite's scenario player at its start.
///
/// # Errors
/// The shipped scenario does not load (a test catches that before release).
pub fn suite_player(profile: Profile) -> Result<Player, String> {
    let shipped =
        shipped::find(SCENARIO).ok_or_else(|| format!("no shipped scenario {SCENARIO}"))?;
    let scenario = shipped.scenario().map_err(|err| err.to_string())?;
    Player::new(scenario, SEED, EPOCH_MS, profile, false).map_err(|err| err.to_string())
}
