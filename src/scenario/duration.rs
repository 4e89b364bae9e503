//! Durations ("90s", "1h30m", "250ms") and moments ("08:30", "8h30m") as scenario files
//! write them, all in virtual milliseconds.
//!
//! A moment written as a clock time (`HH:MM` or `HH:MM:SS`) is a time of day: it is
//! measured from the scenario's `starts_at` clock time. Any other moment is a duration
//! since the start of the run.

const MS_PER_SECOND: u64 = 1_000;
const MS_PER_MINUTE: u64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: u64 = 60 * MS_PER_MINUTE;

/// What a duration looks like, for error messages.
pub const DURATION_HINT: &str = r#"write a duration such as "90s", "15m", "1h30m" or "250ms""#;

/// What a moment looks like, for error messages.
pub const MOMENT_HINT: &str =
    r#"write a clock time such as "08:30" or a time since the start such as "1h30m" or "90s""#;

/// Parses a duration: one or more `<number><unit>` parts, units `h`, `m`, `s`, `ms`;
/// numbers may have a fraction ("1.5h"). The result is rounded to whole milliseconds.
///
/// # Errors
/// A short reason when `text` is not a duration.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(0);
    }
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err(format!("an empty text is not a duration; {DURATION_HINT}"));
    }
    let not_a_duration = || format!("\"{text}\" is not a duration; {DURATION_HINT}");
    if !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        return Err(not_a_duration());
    }
    let mut total: f64 = 0.0;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number: f64 = text[start..i].parse().map_err(|_| not_a_duration())?;
        let unit_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = match &text[unit_start..i] {
            "h" => MS_PER_HOUR,
            "m" | "min" => MS_PER_MINUTE,
            "s" => MS_PER_SECOND,
            "ms" => 1,
            "" => {
                return Err(format!(
                    "\"{text}\" has a number without a unit; {DURATION_HINT}"
                ));
            }
            _ => return Err(not_a_duration()),
        };
        total += number * unit as f64;
    }
    if !total.is_finite() || total > (u64::MAX / 2) as f64 {
        return Err(format!("\"{text}\" is too long a duration"));
    }
    Ok(total.round() as u64)
}

/// Parses a clock time `HH:MM` or `HH:MM:SS` into milliseconds since midnight.
/// `Ok(None)` when `text` is not written as a clock time at all.
///
/// # Errors
/// A reason when `text` looks like a clock time but is not a valid one.
pub fn parse_clock(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if !text.contains(':') {
        return Ok(None);
    }
    let parts: Vec<&str> = text.split(':').collect();
    let invalid = || {
        format!(
            "\"{text}\" is not a clock time; write hours and minutes as \"08:30\" or \"08:30:15\""
        )
    };
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
        return Err(invalid());
    }
    let mut values = [0u64; 3];
    for (slot, part) in values.iter_mut().zip(&parts) {
        *slot = part.parse().map_err(|_| invalid())?;
    }
    let [hours, minutes, seconds] = values;
    if hours > 24 || minutes > 59 || seconds > 59 || (hours == 24 && minutes + seconds > 0) {
        return Err(format!("\"{text}\" is not a time of day (00:00 to 24:00)"));
    }
    Ok(Some(
        hours * MS_PER_HOUR + minutes * MS_PER_MINUTE + seconds * MS_PER_SECOND,
    ))
}

/// Parses a moment of the run: a clock time (measured from `starts_at_ms`, the clock
/// time at which the run starts) or a duration since the start.
///
/// # Errors
/// A reason when `text` is neither, or names a clock time before the start.
pub fn parse_moment(text: &str, starts_at_ms: u64) -> Result<u64, String> {
    match parse_clock(text)? {
        Some(clock) if clock < starts_at_ms => Err(format!(
            "\"{}\" is before the scenario starts ({}, set by `starts_at`); use a later clock time",
            text.trim(),
            format_clock(starts_at_ms)
        )),
        Some(clock) => Ok(clock - starts_at_ms),
        None => parse_duration(text)
            .map_err(|_| format!("\"{}\" is not a moment; {MOMENT_HINT}", text.trim())),
    }
}

/// The canonical spelling of a duration, exact to the millisecond: "8h30m", "1m5s250ms", "0s".
pub fn format_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let parts = [
        (ms / MS_PER_HOUR, "h"),
        (ms % MS_PER_HOUR / MS_PER_MINUTE, "m"),
        (ms % MS_PER_MINUTE / MS_PER_SECOND, "s"),
        (ms % MS_PER_SECOND, "ms"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect()
}

/// A clock time for messages: "08:30", or "08:30:15" when seconds matter. Times past
/// midnight keep counting hours ("25:00") so that later loops stay readable.
pub fn format_clock(ms_since_midnight: u64) -> String {
    let hours = ms_since_midnight / MS_PER_HOUR;
    let minutes = ms_since_midnight % MS_PER_HOUR / MS_PER_MINUTE;
    let seconds = ms_since_midnight % MS_PER_MINUTE / MS_PER_SECOND;
    if seconds == 0 {
        format!("{hours:02}:{minutes:02}")
    } else {
        format!("{hours:02}:{minutes:02}:{seconds:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_unit_and_combination() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("1h30m"), Ok(90 * MS_PER_MINUTE));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("1.5h"), Ok(90 * MS_PER_MINUTE));
        assert_eq!(parse_duration("2m5s7ms"), Ok(125_007));
        assert_eq!(parse_duration("0"), Ok(0));
    }

    #[test]
    fn bad_durations_say_how_to_write_one() {
        for bad in ["", "8 hours", "10", "h", "5d", "1..5s", "-5s"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("\"90s\""), "{bad}: {err}");
        }
    }

    #[test]
    fn format_round_trips_to_the_millisecond() {
        for ms in [0, 1, 999, 1_000, 61_001, 3_600_000, 30_600_000, 123_456_789] {
            assert_eq!(parse_duration(&format_duration(ms)), Ok(ms), "{ms}");
        }
        assert_eq!(
            format_duration(8 * MS_PER_HOUR + 30 * MS_PER_MINUTE),
            "8h30m"
        );
    }

    #[test]
    fn clock_times_are_measured_from_the_start() {
        let eight = 8 * MS_PER_HOUR;
        assert_eq!(parse_moment("08:30", eight), Ok(30 * MS_PER_MINUTE));
        assert_eq!(
            parse_moment("08:30:15", 0),
            Ok(eight + 30 * MS_PER_MINUTE + 15_000)
        );
        assert_eq!(parse_moment("30m", eight), Ok(30 * MS_PER_MINUTE));
        assert!(
            parse_moment("07:59", eight)
                .unwrap_err()
                .contains("before the scenario starts (08:00")
        );
        assert!(parse_moment("25:00", 0).is_err());
        assert!(parse_moment("8:3x", 0).is_err());
        assert_eq!(format_clock(eight + 15_000), "08:00:15");
    }
}
