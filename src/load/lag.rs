//! Whether the load tool itself fell behind: how late its own tasks get to run.
//!
//! A monitor task asks to wake every [`TICK`] and records how late it actually
//! woke. It is scheduled like every client task, so when the load process is
//! short of CPU (on a small machine shared with the server under test) the delay
//! shows here; a client that waits that long to read lets the server's queue for
//! it fill, and the latency it measures includes the wait. Tokio's timer has a
//! resolution of 1 ms, so delays below that read as 0–1 ms.

use std::time::Duration;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hdrhistogram::Histogram;
use tokio_util::sync::CancellationToken;

/// How often the monitor asks to wake.
pub const TICK: Duration = Duration::from_millis(10);

/// A wake-up delay from which we say the load tool's clients fell behind (our
/// choice): a tenth of the 100 ms of slack the server's default queue of 1,024
/// frames gives a client at 10,000 events/s.
pub const BEHIND: Duration = Duration::from_millis(10);

/// Wake-up delays of the load tool's tasks over a window, microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WakeDelay {
    /// 99th percentile.
    pub p99_us: u64,
    /// Longest.
    pub max_us: u64,
}

impl WakeDelay {
    /// Whether the delays say our own clients fell behind.
    pub fn behind(self) -> bool {
        u128::from(self.max_us) >= BEHIND.as_micros()
    }
}

/// Wake-up delays before the measurement window and in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WakeDelays {
    /// From the start of the run (connecting, warm-up) to the window.
    pub before: WakeDelay,
    /// In the window.
    pub window: WakeDelay,
}

/// Measures wake-up delays until `stop` fires, split at the moment `measuring`
/// is first seen set: a server may close clients before the window opens, and
/// whether the load tool was behind then matters as much.
pub async fn monitor(stop: CancellationToken, measuring: Arc<AtomicBool>) -> WakeDelays {
    let (Ok(mut before), Ok(mut window)) = (
        Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 2),
        Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 2),
    ) else {
        return WakeDelays::default();
    };
    loop {
        let due = tokio::time::Instant::now() + TICK;
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep_until(due) => {
                let late = tokio::time::Instant::now().saturating_duration_since(due);
                let into = if measuring.load(Ordering::Relaxed) { &mut window } else { &mut before };
                into.saturating_record(late.as_micros() as u64);
            }
        }
    }
    let figures = |h: &Histogram<u64>| WakeDelay {
        p99_us: h.value_at_quantile(0.99),
        max_us: h.max(),
    };
    WakeDelays {
        before: figures(&before),
        window: figures(&window),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_idle_runtime_wakes_on_time() {
        let stop = CancellationToken::new();
        let measuring = Arc::new(AtomicBool::new(false));
        let monitor = tokio::spawn(monitor(stop.clone(), Arc::clone(&measuring)));
        tokio::time::sleep(TICK * 20).await;
        measuring.store(true, Ordering::Relaxed);
        tokio::time::sleep(TICK * 20).await;
        stop.cancel();

        let delays = monitor.await.expect("monitor");

        assert_eq!(delays, WakeDelays::default());
        assert!(!delays.before.behind() && !delays.window.behind());
    }
}
