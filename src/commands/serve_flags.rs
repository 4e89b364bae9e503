//! The values of `serve`'s flags that need parsing of their own: durations that can
//! be turned off, the activity line's period, the speed.

use std::time::Duration;

use isymphony_sim::scenario::duration::{format_duration, parse_duration};
use isymphony_sim::scenario::limits::check_epoch;
use isymphony_sim::server::{MAX_INTERVAL, MAX_SPEED, MIN_SPEED, speed_in_range};

/// A duration flag that can be turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval(pub Option<Duration>);

/// As the flag is written: "30s" or "off", so `--help` shows the defaults from
/// the server's constants and they parse back.
impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("off"),
            Some(every) => {
                let ms = u64::try_from(every.as_millis()).unwrap_or(u64::MAX);
                f.write_str(&format_duration(ms))
            }
        }
    }
}

pub fn parse_interval(text: &str) -> Result<Interval, String> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(Interval(None));
    }
    match parse_duration(text) {
        Ok(0) => Err("use `off` to turn it off; 0 would mean all the time".to_string()),
        Ok(ms) if Duration::from_millis(ms) > MAX_INTERVAL => Err(format!(
            "`{text}` is longer than a day; give at most 24h, or `off`"
        )),
        Ok(ms) => Ok(Interval(Some(Duration::from_millis(ms)))),
        Err(reason) => Err(format!("{reason}; or `off`")),
    }
}

/// A message timeout: like an interval, but it cannot be turned off.
pub fn parse_message_timeout(text: &str) -> Result<Interval, String> {
    match parse_interval(text)? {
        Interval(None) => Err("a message must arrive in some time; give e.g. 30s".to_string()),
        interval => Ok(interval),
    }
}

pub fn parse_every(text: &str) -> Result<Interval, String> {
    match parse_duration(text) {
        Ok(0) => Err("use --quiet to turn the activity line off".to_string()),
        Ok(ms) => Ok(Interval(Some(Duration::from_millis(ms)))),
        Err(reason) => Err(reason),
    }
}

pub fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speed) if speed_in_range(speed) => Ok(speed),
        _ => Err(format!(
            "`{text}` is not a speed from {MIN_SPEED} to {MAX_SPEED}; use 1 for real time, 10 for ten times faster"
        )),
    }
}

/// An epoch in milliseconds, from year 1 to 9999.
pub fn parse_epoch(text: &str) -> Result<i64, String> {
    let epoch = text
        .parse::<i64>()
        .map_err(|_| format!("`{text}` is not whole milliseconds such as 1700000000000"))?;
    check_epoch(epoch)
}
