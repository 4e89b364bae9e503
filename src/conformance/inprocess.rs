//! The in-process target: the pure scenario player plus the filter, driven by a
//! case's client script on the virtual clock. No sockets, no wall-clock time.
//!
//! The filter is reached through [`FilterImpl`], so tests can plug in deliberately
//! broken implementations and check that the runner catches them.

use crate::model::ModelError;
use crate::protocol::message::lint;
use crate::protocol::{
    ClientMessage, Event, EventKind, FilterSet, ParseOptions, ServerReply, parse_client_message,
};
use crate::scenario::Player;

use super::suite::{ActionKind, Case};
use super::transcript::{Entry, Transcript};

/// The filter behaviour of one connection.
pub trait FilterImpl {
    /// Takes in the filters of an accepted filter message.
    fn set_filters(&mut self, filters: FilterSet);
    /// Whether the connection delivers `event`.
    fn admits(&self, event: &Event) -> bool;
}

/// Makes the filter state of a new connection.
pub type FilterFactory<'a> = &'a dyn Fn() -> Box<dyn FilterImpl>;

/// The specification's filter ([`FilterSet`]): a filter message replaces the set.
#[derive(Debug, Clone, Default)]
pub struct SpecFilter {
    filters: FilterSet,
}

impl SpecFilter {
    /// A new connection's filter, admitting everything.
    pub fn boxed() -> Box<dyn FilterImpl> {
        Box::new(SpecFilter::default())
    }
}

impl FilterImpl for SpecFilter {
    fn set_filters(&mut self, filters: FilterSet) {
        self.filters = filters;
    }

    fn admits(&self, event: &Event) -> bool {
        self.filters.admits(event)
    }
}

/// Why a case could not be played (a harness problem, not a conformance failure).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlayError {
    /// The model refuses the scenario's directory.
    #[error("the model refuses the scenario's directory: {0}")]
    Directory(#[from] ModelError),
    /// A scripted step of the scenario was refused, so the stream is not the intended one.
    #[error("scenario step refused: {0}")]
    StepRefused(String),
}

/// The server side of one connection: parses client messages the way the server
/// does and answers them, keeping the filter state.
pub(crate) struct ConnectionSide {
    filter: Box<dyn FilterImpl>,
    emitted: Vec<EventKind>,
}

impl ConnectionSide {
    pub(crate) fn new(filter: Box<dyn FilterImpl>, emitted: Vec<EventKind>) -> Self {
        ConnectionSide { filter, emitted }
    }

    /// The reply to one text frame, with the filter state updated on success.
    pub(crate) fn answer(&mut self, text: &str) -> String {
        match parse_client_message(text, ParseOptions::default()) {
            Ok(ClientMessage::Filter(filters)) => {
                let warnings = lint(&filters, &self.emitted);
                self.filter.set_filters(filters);
                ServerReply::FilterAccepted { warnings }.to_json()
            }
            Err(err) => ServerReply::from(&err).to_json(),
        }
    }

    pub(crate) fn admits(&self, event: &Event) -> bool {
        self.filter.admits(event)
    }
}

/// A case's player, positioned at the start.
///
/// # Errors
/// [`PlayError::Directory`] when the model refuses the scenario.
pub fn player_for(case: &Case) -> Result<Player, PlayError> {
    let looping = case.until_ms > case.scenario.length_ms;
    Ok(Player::new(
        case.scenario.clone(),
        case.seed,
        case.epoch_ms,
        case.profile,
        looping,
    )?)
}

/// Plays every batch due at or before `until_ms`, handing each event with its
/// batch time to `on_event`.
///
/// # Errors
/// [`PlayError::StepRefused`] at the first refused scripted step.
pub fn play_until(
    player: &mut Player,
    until_ms: u64,
    mut on_event: impl FnMut(u64, &Event),
) -> Result<(), PlayError> {
    while let Some(at) = player.next_due().filter(|at| *at <= until_ms) {
        for event in player.advance() {
            on_event(at, &event);
        }
        if let Some(failure) = player.step_failures().first() {
            return Err(PlayError::StepRefused(failure.to_string()));
        }
    }
    Ok(())
}

/// Plays `case` against a filter made by `new_filter` and returns the transcript.
///
/// # Errors
/// A [`PlayError`] when the scenario cannot be played as written.
pub fn run_case(case: &Case, new_filter: FilterFactory<'_>) -> Result<Transcript, PlayError> {
    let mut player = player_for(case)?;
    let emitted = case.profile.kinds();
    let mut side = ConnectionSide::new(new_filter(), emitted.clone());
    let mut transcript = Transcript::default();
    for action in &case.actions {
        play_until(&mut player, action.at_ms, |at_ms, event| {
            if side.admits(event) {
                transcript.push(Entry::Event {
                    at_ms,
                    text: event.to_json(),
                });
            }
        })?;
        match &action.kind {
            ActionKind::Reconnect => {
                transcript.push(Entry::Reconnect {
                    at_ms: action.at_ms,
                });
                side = ConnectionSide::new(new_filter(), emitted.clone());
            }
            kind => {
                let text = kind.message_text().unwrap_or_default();
                transcript.sent(action.at_ms, &text);
                transcript.push(Entry::Reply {
                    at_ms: action.at_ms,
                    text: side.answer(&text),
                });
            }
        }
    }
    play_until(&mut player, case.until_ms, |at_ms, event| {
        if side.admits(event) {
            transcript.push(Entry::Event {
                at_ms,
                text: event.to_json(),
            });
        }
    })?;
    Ok(transcript)
}
