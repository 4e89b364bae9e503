//! The scenario limits `serve`, `play` and `check` share: how much work a
//! scenario may ask for (ours; see `scenario::limits`). Defaults live there.

use isymphony_sim::model::CallLimits;
use isymphony_sim::model::limits::{DEFAULT_MAX_LIVE_CALLS, DEFAULT_MAX_QUEUE_CALLERS};
use isymphony_sim::scenario::RunLimits;
use isymphony_sim::scenario::duration::{format_duration, parse_duration};
use isymphony_sim::scenario::limits::{
    DEFAULT_MAX_ACTIONS_PER_SECOND, DEFAULT_MAX_EVENTS_PER_SECOND, DEFAULT_MAX_GENERATOR_RATE,
    DEFAULT_MAX_LENGTH_MS, DEFAULT_MAX_STEPS,
};

/// Largest value any count limit may be set to: far above anything useful, and
/// small enough that no arithmetic on it can overflow.
const MAX_COUNT: u64 = 1 << 40;

/// How much work a scenario may ask for. Past a limit a file is refused when it
/// is read (rates, length, steps, with `file:line:column`), or its run stops with
/// an error naming the limit (the others).
#[derive(Debug, Clone, clap::Args)]
pub struct RunLimitArgs {
    /// Most live calls at once (ours). A scenario command past it stops the run; a
    /// REST action past it gets 409.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_LIVE_CALLS as u64,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..=MAX_COUNT))]
    max_live_calls: u64,

    /// Most callers waiting in one queue (ours); past it, as --max-live-calls.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_QUEUE_CALLERS as u64,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..=MAX_COUNT))]
    max_queue_callers: u64,

    /// Most events in one virtual second (ours); past it the run stops.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_EVENTS_PER_SECOND,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..=MAX_COUNT))]
    max_events_per_second: u64,

    /// Most scripted steps and generator actions in one virtual second (ours);
    /// past it the run stops.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ACTIONS_PER_SECOND,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..=MAX_COUNT))]
    max_actions_per_second: u64,

    /// Highest rate of one generator, in arrivals per hour (ours); a file above it
    /// is refused.
    #[arg(long, value_name = "PER_HOUR", default_value_t = DEFAULT_MAX_GENERATOR_RATE,
          value_parser = parse_rate)]
    max_generator_rate: f64,

    /// Longest scenario `length`, e.g. 168h (ours); a longer file is refused.
    #[arg(long, value_name = "DURATION", default_value_t = format_duration(DEFAULT_MAX_LENGTH_MS),
          value_parser = parse_length)]
    max_scenario_length: String,

    /// Most `[[steps]]` in one scenario (ours); a file with more is refused.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_STEPS as u64,
          value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..=MAX_COUNT))]
    max_steps: u64,
}

impl RunLimitArgs {
    /// One line for the start-up banner.
    pub fn banner(&self) -> String {
        format!(
            "  scenario limits (ours): {} live calls, {} callers per queue, {} events and {} actions per virtual second, generators up to {}/h, length up to {}, {} steps",
            self.max_live_calls,
            self.max_queue_callers,
            self.max_events_per_second,
            self.max_actions_per_second,
            self.max_generator_rate,
            self.max_scenario_length,
            self.max_steps
        )
    }

    /// The limits the flags ask for.
    pub fn limits(&self) -> RunLimits {
        RunLimits {
            calls: CallLimits {
                max_live_calls: to_usize(self.max_live_calls),
                max_queue_callers: to_usize(self.max_queue_callers),
            },
            max_events_per_second: self.max_events_per_second,
            max_actions_per_second: self.max_actions_per_second,
            max_generator_rate: self.max_generator_rate,
            // Checked by the parser; the default covers an impossible failure.
            max_length_ms: parse_duration(&self.max_scenario_length)
                .unwrap_or(DEFAULT_MAX_LENGTH_MS),
            max_steps: to_usize(self.max_steps),
        }
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 && rate <= MAX_COUNT as f64 => Ok(rate),
        _ => Err(format!(
            "`{text}` is not a rate; give arrivals per hour from above 0 to {MAX_COUNT}, e.g. 100000"
        )),
    }
}

/// A length limit: a duration from 1 ms to about 34 years (2^40 ms), so virtual
/// times stay far from overflow.
fn parse_length(text: &str) -> Result<String, String> {
    match parse_duration(text) {
        Ok(ms) if (1..=MAX_COUNT).contains(&ms) => Ok(text.to_string()),
        Ok(_) => Err(format!(
            "`{text}` is out of range; give a duration from 1ms to {}",
            format_duration(MAX_COUNT)
        )),
        Err(reason) => Err(reason),
    }
}
