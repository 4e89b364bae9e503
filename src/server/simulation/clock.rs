//! The simulation's clock: virtual time as a function of the wall clock, which
//! the control API can pause, resume, speed up and move forward.
//!
//! Virtual time is `anchor_virtual + (wall - anchor_wall) * speed` while running
//! and `anchor_virtual` while paused. Every change re-bases the anchor at the
//! current instant, so virtual time never jumps when the speed changes and stands
//! exactly still while paused. Uses tokio's clock, so tests can pause time.

use std::time::Duration;

use tokio::time::Instant;

/// The latest virtual time the clock can show: 2^53 ms (about 285,000 years),
/// the last integer an f64 holds exactly. Virtual time stops there, whatever
/// speeds and steps are applied, so it never nears `u64::MAX`.
pub const MAX_VIRTUAL_MS: u64 = 1 << 53;

/// Virtual time against the wall clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    /// Whether virtual time stands still.
    paused: bool,
    /// Virtual ms per wall ms; positive and finite.
    speed: f64,
    /// The wall instant at which virtual time was `anchor_virtual`.
    anchor_wall: Instant,
    /// Virtual ms since the start of the run at `anchor_wall`.
    anchor_virtual: u64,
}

impl Clock {
    /// A clock at virtual time zero now, running at `speed` unless `paused`.
    pub fn new(now: Instant, speed: f64, paused: bool) -> Clock {
        Clock {
            paused,
            speed,
            anchor_wall: now,
            anchor_virtual: 0,
        }
    }

    /// Whether virtual time stands still.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Virtual ms per wall ms.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Virtual ms since the start of the run at wall instant `now`.
    pub fn virtual_now(&self, now: Instant) -> u64 {
        if self.paused {
            return self.anchor_virtual;
        }
        let elapsed = now.saturating_duration_since(self.anchor_wall);
        // `as` saturates: an absurd speed gives the far future, not a wrap-around.
        let ms = (elapsed.as_secs_f64() * 1000.0 * self.speed) as u64;
        self.anchor_virtual.saturating_add(ms).min(MAX_VIRTUAL_MS)
    }

    /// The wall instant at which virtual time reaches `due` (at once for a time
    /// already passed); `None` while paused or when it is too far away to come.
    pub fn deadline(&self, due: u64) -> Option<Instant> {
        if self.paused || due > MAX_VIRTUAL_MS {
            return None;
        }
        let offset = wall_offset(due.saturating_sub(self.anchor_virtual), self.speed)?;
        self.anchor_wall.checked_add(offset)
    }

    /// Stops virtual time where it is.
    pub fn pause(&mut self, now: Instant) {
        if !self.paused {
            self.anchor_virtual = self.virtual_now(now);
            self.paused = true;
        }
    }

    /// Lets virtual time run on from where it stood.
    pub fn resume(&mut self, now: Instant) {
        if self.paused {
            self.anchor_wall = now;
            self.paused = false;
        }
    }

    /// Changes the speed from now on; virtual time so far is kept.
    pub fn set_speed(&mut self, now: Instant, speed: f64) {
        self.rebase(now, self.virtual_now(now));
        self.speed = speed;
    }

    /// Moves virtual time forward to `at` if it is behind (a step ran a batch
    /// early); never moves it back.
    pub fn advance_to(&mut self, now: Instant, at: u64) {
        let at = at.min(MAX_VIRTUAL_MS);
        if self.virtual_now(now) < at {
            self.rebase(now, at);
        }
    }

    /// Starts over at virtual time zero (a new or reset run), keeping pause and speed.
    pub fn restart(&mut self, now: Instant) {
        self.rebase(now, 0);
    }

    fn rebase(&mut self, now: Instant, virtual_ms: u64) {
        self.anchor_wall = now;
        self.anchor_virtual = virtual_ms;
    }
}

/// Epoch milliseconds as an ISO 8601 UTC timestamp (`2023-11-14T22:13:20.000Z`),
/// so people reading `/sim/status` see the virtual wall-clock time.
pub fn utc_text(epoch_ms: i64) -> String {
    const DAY_MS: i64 = 86_400_000;
    let (days, in_day) = (epoch_ms.div_euclid(DAY_MS), epoch_ms.rem_euclid(DAY_MS));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's `civil_from_days`).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// The wall-clock offset at which virtual time `virtual_ms` falls at `speed`;
/// `None` when it is too far away to represent (then it never comes).
pub fn wall_offset(virtual_ms: u64, speed: f64) -> Option<Duration> {
    // Precision: f64 holds every integer below 2^53 ms (285,000 years) exactly.
    Duration::try_from_secs_f64(virtual_ms as f64 / 1000.0 / speed).ok()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn unreachable_times_have_no_wall_offset() {
        assert_eq!(wall_offset(u64::MAX, 1e-300), None);
        assert_eq!(wall_offset(1500, 3.0), Some(Duration::from_millis(500)));
    }

    #[test]
    fn running_time_scales_with_speed_and_deadlines_agree() {
        let start = Instant::now();
        let clock = Clock::new(start, 4.0, false);

        assert_eq!(clock.virtual_now(start + ms(250)), 1000);
        assert_eq!(clock.deadline(1000), Some(start + ms(250)));
        assert_eq!(clock.deadline(0), Some(start));
    }

    #[test]
    fn paused_time_stands_still_and_has_no_deadlines() {
        let start = Instant::now();
        let mut clock = Clock::new(start, 1.0, false);

        clock.pause(start + ms(700));
        clock.pause(start + ms(900));

        assert_eq!(clock.virtual_now(start + ms(5000)), 700);
        assert_eq!(clock.deadline(800), None);
    }

    #[test]
    fn resume_continues_from_the_paused_moment() {
        let start = Instant::now();
        let mut clock = Clock::new(start, 1.0, true);

        clock.resume(start + ms(10_000));

        assert_eq!(clock.virtual_now(start + ms(10_300)), 300);
        assert_eq!(clock.deadline(500), Some(start + ms(10_500)));
    }

    #[test]
    fn a_speed_change_keeps_the_virtual_time_reached() {
        let start = Instant::now();
        let mut clock = Clock::new(start, 1.0, false);

        clock.set_speed(start + ms(1000), 10.0);

        assert_eq!(clock.virtual_now(start + ms(1000)), 1000);
        assert_eq!(clock.virtual_now(start + ms(1100)), 2000);
    }

    #[test]
    fn advancing_moves_forward_only_and_restart_goes_to_zero() {
        let start = Instant::now();
        let mut clock = Clock::new(start, 1.0, true);

        clock.advance_to(start, 5000);
        clock.advance_to(start, 3000);
        assert_eq!(clock.virtual_now(start), 5000);

        clock.restart(start + ms(1));
        assert_eq!(clock.virtual_now(start + ms(99)), 0);
        assert!(clock.is_paused());
    }

    #[test]
    fn virtual_time_stops_at_its_maximum_whatever_the_speed_and_steps() {
        let start = Instant::now();
        let mut clock = Clock::new(start, 1_000_000.0, false);
        let year = ms(365 * 24 * 3_600_000);

        clock.advance_to(start, u64::MAX);
        let stepped = clock.virtual_now(start);
        clock.set_speed(start + year, 1_000_000.0);
        let later = clock.virtual_now(start + year * 1000);

        assert_eq!(stepped, MAX_VIRTUAL_MS);
        assert_eq!(later, MAX_VIRTUAL_MS);
        assert_eq!(clock.deadline(MAX_VIRTUAL_MS + 1), None);
    }

    #[test]
    fn utc_text_is_iso_8601_across_leap_days_and_before_1970() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc_text(1_700_000_000_000), "2023-11-14T22:13:20.000Z");
        assert_eq!(utc_text(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(utc_text(-1), "1969-12-31T23:59:59.999Z");
        assert!(utc_text(i64::MAX).ends_with('Z'));
        assert!(utc_text(i64::MIN).ends_with('Z'));
    }
}
