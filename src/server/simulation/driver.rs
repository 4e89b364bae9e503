//! The clock driver: plays the simulation against the wall clock, publishing each
//! batch when its virtual time has come at the current speed.

use std::sync::Arc;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::server::fanout::publisher::Publisher;

use super::Simulation;

/// Plays `sim` until `shutdown` fires or the bus closes. Sleeps until the next
/// batch is due; wakes early when the control API changes the plan (pause,
/// resume, speed, step, a new scenario, reset) and plans again. While paused or after the
/// run is over it only waits for such a change. Uses tokio's clock, so tests can
/// pause and advance time.
pub async fn drive(sim: Arc<Simulation>, publisher: Publisher, shutdown: CancellationToken) {
    loop {
        match sim.next_deadline() {
            None => tokio::select! {
                () = shutdown.cancelled() => return,
                () = sim.changed() => continue,
            },
            Some(deadline) => tokio::select! {
                () = shutdown.cancelled() => return,
                () = sim.changed() => continue,
                () = tokio::time::sleep_until(deadline) => {}
            },
        }
        let slot = tokio::select! {
            () = shutdown.cancelled() => return,
            slot = publisher.reserve() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
        };
        sim.advance_if_due(Instant::now(), slot);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::mpsc;

    use super::*;
    use crate::protocol::event::{EventBody, UserSession};
    use crate::protocol::{Event, Profile};
    use crate::scenario::RunLimits;
    use crate::server::fanout::message::BusCommand;
    use crate::server::simulation::feed::EventFeed;
    use crate::server::stats::Stats;

    /// Batches due at fixed virtual times, one login event each.
    struct Timed(Vec<u64>);

    impl EventFeed for Timed {
        fn next_due(&mut self) -> Option<u64> {
            self.0.first().copied()
        }

        fn advance(&mut self) -> Vec<Event> {
            let due = self.0.remove(0);
            vec![Event {
                time: due as i64,
                core_server_id: "cs".into(),
                body: EventBody::UserLogin(UserSession {
                    user_id: "u".into(),
                    username: "1001".into(),
                    user_login_id: "l".into(),
                    ip: String::new(),
                    port: 1,
                }),
            }]
        }
    }

    struct Driven {
        sim: Arc<Simulation>,
        bus: mpsc::Receiver<BusCommand>,
        shutdown: CancellationToken,
        start: Instant,
    }

    fn start(times: Vec<u64>, speed: f64, paused: bool) -> Driven {
        let (tx, bus) = mpsc::channel(16);
        let publisher = Publisher::new(tx, Arc::new(Stats::default()));
        let sim = Arc::new(Simulation::new(
            Box::new(Timed(times)),
            speed,
            paused,
            Profile::Standard,
            RunLimits::default(),
        ));
        let shutdown = CancellationToken::new();
        tokio::spawn(drive(Arc::clone(&sim), publisher, shutdown.clone()));
        Driven {
            sim,
            bus,
            shutdown,
            start: Instant::now(),
        }
    }

    impl Driven {
        /// The wall offset at which each of the next `n` batches arrived.
        async fn arrivals(&mut self, n: usize) -> Vec<u128> {
            let mut offsets = Vec::new();
            while offsets.len() < n {
                match self.bus.recv().await {
                    Some(BusCommand::Publish(_)) => {
                        offsets.push((Instant::now() - self.start).as_millis());
                    }
                    Some(_) => {}
                    None => break,
                }
            }
            offsets
        }
    }

    #[tokio::test(start_paused = true)]
    async fn batches_arrive_at_virtual_time_divided_by_speed() {
        let mut driven = start(vec![0, 1000, 5000], 2.0, false);

        let ms = driven.arrivals(3).await;

        assert_eq!(ms, vec![0, 500, 2500]);
        driven.shutdown.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn real_time_speed_keeps_virtual_milliseconds() {
        let mut driven = start(vec![250, 250, 60_000], 1.0, false);

        let ms = driven.arrivals(3).await;

        assert_eq!(ms, vec![250, 250, 60_000]);
        driven.shutdown.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn a_paused_clock_publishes_nothing_until_resumed() {
        let mut driven = start(vec![100, 200], 1.0, true);
        tokio::time::sleep(Duration::from_secs(3600)).await;

        driven.sim.resume();
        let ms = driven.arrivals(2).await;

        assert_eq!(ms, vec![3_600_100, 3_600_200]);
        driven.shutdown.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn a_speed_change_moves_the_next_deadline() {
        let mut driven = start(vec![1000, 11_000], 1.0, false);
        assert_eq!(driven.arrivals(1).await, vec![1000]);

        driven.sim.set_speed(10.0).expect("a valid speed");
        let ms = driven.arrivals(1).await;

        assert_eq!(
            ms,
            vec![2000],
            "10 virtual seconds at 10x take one wall second"
        );
        driven.shutdown.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_stops_a_waiting_driver() {
        let (tx, mut rx) = mpsc::channel(16);
        let publisher = Publisher::new(tx, Arc::new(Stats::default()));
        let sim = Arc::new(Simulation::new(
            Box::new(Timed(vec![3_600_000])),
            1.0,
            false,
            Profile::Standard,
            RunLimits::default(),
        ));
        let shutdown = CancellationToken::new();
        let driver = tokio::spawn(drive(sim, publisher, shutdown.clone()));

        shutdown.cancel();
        driver.await.expect("driver task");

        assert!(rx.recv().await.is_none(), "nothing was published");
    }
}
