//! The first minute of the default scenario: whatever the seed, a client that
//! connects at any moment of the opening sees an event within 5 s of virtual time,
//! which `serve` at its default speed (1) makes 5 s of wall time.

use isymphony_sim::scenario::shipped;

use super::harness::{player, shipped as load};

/// A client connected right after the banner sees its first event within this.
const FIRST_EVENT_WITHIN_MS: u64 = 5_000;
/// Connection moments checked: any moment of the first 25 s (reading the banner,
/// pasting a command).
const CONNECT_WITHIN_MS: u64 = 25_000;

/// Seeds checked: the first thousand, the edges, and spread-out ones like the
/// random 53-bit seeds `serve` draws.
fn seeds() -> impl Iterator<Item = u64> {
    let spread = (1..=100u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11);
    (0..300).chain([u64::MAX, (1 << 53) - 1]).chain(spread)
}

/// The virtual ms of each batch that sends events, up to `until`.
fn event_times(seed: u64, until: u64) -> Vec<u64> {
    let mut player = player(load(shipped::DEFAULT), seed);
    let mut times = Vec::new();
    while let Some(at) = player.next_due().filter(|at| *at <= until) {
        if !player.advance().is_empty() {
            times.push(at);
        }
    }
    times
}

/// The longest a client connecting at a moment in `[0, connect_within]` waits for
/// an event published after it connected, and the worst moment.
fn longest_wait(times: &[u64], connect_within: u64) -> (u64, u64) {
    // An event at the very moment of connecting was published before: the worst
    // moments are 0 and each event's own time.
    let mut worst = (0, 0);
    for c in std::iter::once(0).chain(times.iter().copied()) {
        if c > connect_within {
            break;
        }
        let wait = times.iter().find(|t| **t > c).map_or(u64::MAX, |t| t - c);
        if wait > worst.0 {
            worst = (wait, c);
        }
    }
    worst
}

#[test]
fn every_seed_sends_events_within_seconds_of_any_early_connection() {
    let until = CONNECT_WITHIN_MS + FIRST_EVENT_WITHIN_MS;
    let mut checked = 0;
    for seed in seeds() {
        let times = event_times(seed, until);
        let (wait, at) = longest_wait(&times, CONNECT_WITHIN_MS);
        assert!(
            wait <= FIRST_EVENT_WITHIN_MS,
            "seed {seed}: a client connected at {at} ms waits {wait} ms for an event (times {times:?})"
        );
        checked += 1;
    }
    assert_eq!(checked, 402);
}

#[test]
fn the_wait_is_measured_from_the_connection_not_from_zero() {
    // The measure itself: events at 0 do not count, gaps do.
    assert_eq!(longest_wait(&[0, 4000, 9000], 8000), (5000, 4000));
    assert_eq!(
        longest_wait(&[0, 4000, 9000], 9000).0,
        u64::MAX,
        "nothing after 9 s"
    );
    assert_eq!(longest_wait(&[3000], 1000), (3000, 0));
    assert_eq!(longest_wait(&[], 1000).0, u64::MAX);
}
