//! The client suite's cases, in one table. Each plays the suite's scenario to the
//! client on the virtual clock and checks one behaviour; what it plays is in the
//! file named next to it.

mod alive;
mod connect;
mod events;
mod reconnect;
mod restart;
mod setting;
mod stream;

use serde::Serialize;

use crate::server::Limits;

use super::stage::Stage;
use super::thresholds::Thresholds;

pub use events::admitted_templates;
pub use setting::{CUT_AT_MS, EPOCH_MS, SCENARIO, SEED, suite_player};

/// One case of the client suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientCase {
    /// Connects with Basic credentials and filters within the deadline.
    FiltersEarly,
    /// Its filter has no entry that can never match, and no duplicates.
    FilterLint,
    /// Reconnects with backoff and refilters after a 1001 close.
    ReconnectAfterGoingAway,
    /// Reconnects with backoff and refilters after a 1008 slow-consumer close.
    ReconnectAfterSlowConsumerClose,
    /// Reconnects with backoff and refilters after the TCP connection dropped.
    ReconnectAfterDroppedConnection,
    /// Reconnects, refilters and drops its old ids after a server restart.
    ServerRestart,
    /// Reads a burst of events without being closed as a slow consumer.
    KeepingUp,
    /// A duplicated event, a malformed frame and an unknown event leave it reading.
    Robustness,
    /// Answers pings and survives the idle timeout.
    StayingAlive,
}

impl ClientCase {
    /// Every case, in the order the suite runs them.
    pub const ALL: [ClientCase; 9] = [
        ClientCase::FiltersEarly,
        ClientCase::FilterLint,
        ClientCase::ReconnectAfterGoingAway,
        ClientCase::ReconnectAfterSlowConsumerClose,
        ClientCase::ReconnectAfterDroppedConnection,
        ClientCase::ServerRestart,
        ClientCase::KeepingUp,
        ClientCase::Robustness,
        ClientCase::StayingAlive,
    ];

    /// The name reports, snapshots and `--case` use.
    pub fn name(self) -> &'static str {
        match self {
            ClientCase::FiltersEarly => "filters_early",
            ClientCase::FilterLint => "filter_lint",
            ClientCase::ReconnectAfterGoingAway => "reconnect_after_going_away",
            ClientCase::ReconnectAfterSlowConsumerClose => "reconnect_after_slow_consumer_close",
            ClientCase::ReconnectAfterDroppedConnection => "reconnect_after_dropped_connection",
            ClientCase::ServerRestart => "server_restart",
            ClientCase::KeepingUp => "keeping_up",
            ClientCase::Robustness => "robustness",
            ClientCase::StayingAlive => "staying_alive",
        }
    }

    /// What the case plays and checks, in one sentence.
    pub fn description(self) -> &'static str {
        match self {
            ClientCase::FiltersEarly => {
                "connects with Basic credentials and sends a filter soon; then the whole scenario"
            }
            ClientCase::FilterLint => {
                "its filter has no entry that can never match a catalogue event, and no duplicates"
            }
            ClientCase::ReconnectAfterGoingAway => {
                "the server closes with 1001 going away: reconnect with backoff, same filter"
            }
            ClientCase::ReconnectAfterSlowConsumerClose => {
                "the server closes with 1008 slow consumer: reconnect with backoff, same filter"
            }
            ClientCase::ReconnectAfterDroppedConnection => {
                "the TCP connection drops without a close frame: reconnect with backoff, same filter"
            }
            ClientCase::ServerRestart => {
                "the server restarts with a new coreServerId and new UUIDs: reconnect, refilter, re-read ids"
            }
            ClientCase::KeepingUp => {
                "a burst of events at the burst rate: read them all without a slow-consumer close"
            }
            ClientCase::Robustness => {
                "a duplicated event, a malformed frame and an unknown event: stay connected and reading"
            }
            ClientCase::StayingAlive => {
                "no events for two idle timeouts: answer the server's pings and stay connected"
            }
        }
    }

    /// The case called `name`.
    pub fn from_name(name: &str) -> Option<ClientCase> {
        ClientCase::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The case's server limits: the defaults, but for staying alive, whose
    /// server pings often and times out soon, so the case takes seconds.
    pub fn limits(self, thresholds: &Thresholds) -> Limits {
        match self {
            ClientCase::StayingAlive => Limits {
                ping_interval: Some(thresholds.ping_interval()),
                idle_timeout: Some(thresholds.idle_timeout),
                ..Limits::default()
            },
            ClientCase::FiltersEarly
            | ClientCase::FilterLint
            | ClientCase::ReconnectAfterGoingAway
            | ClientCase::ReconnectAfterSlowConsumerClose
            | ClientCase::ReconnectAfterDroppedConnection
            | ClientCase::ServerRestart
            | ClientCase::KeepingUp
            | ClientCase::Robustness => Limits::default(),
        }
    }

    /// Plays the case on `stage`, adding its checks.
    ///
    /// # Errors
    /// A harness problem (the case's server did not answer): not the client's fault.
    pub async fn play(self, stage: &mut Stage<'_>) -> Result<(), String> {
        match self {
            ClientCase::FiltersEarly => connect::filters_early(stage).await,
            ClientCase::FilterLint => connect::filter_lint(stage).await,
            ClientCase::ReconnectAfterGoingAway => {
                reconnect::after(stage, reconnect::Cut::GoingAway).await
            }
            ClientCase::ReconnectAfterSlowConsumerClose => {
                reconnect::after(stage, reconnect::Cut::SlowConsumer).await
            }
            ClientCase::ReconnectAfterDroppedConnection => {
                reconnect::after(stage, reconnect::Cut::Dropped).await
            }
            ClientCase::ServerRestart => restart::server_restart(stage).await,
            ClientCase::KeepingUp => stream::keeping_up(stage).await,
            ClientCase::Robustness => stream::robustness(stage).await,
            ClientCase::StayingAlive => alive::staying_alive(stage).await,
        }
    }
}
