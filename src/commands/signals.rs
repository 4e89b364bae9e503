//! Ctrl-C and SIGTERM for `serve`: the first asks for a graceful shutdown
//! (bounded by `--shutdown-timeout`), a second one exits at once.

use std::future::Future;

/// Resolves on the first Ctrl-C or SIGTERM, and from then on exits the process
/// at the second, whatever is still running. The handlers are in place when
/// this returns (it must run inside the runtime), so a signal sent right after
/// the banner stops the server gracefully instead of killing it.
pub fn first_then_exit_on_second() -> impl Future<Output = ()> {
    let mut signals = Signals::new();
    async move {
        signals.next().await;
        tokio::spawn(async move {
            signals.next().await;
            eprintln!("second signal: exiting now, without waiting for connections to close");
            std::process::exit(0);
        });
    }
}

/// The signals that stop `serve`.
struct Signals {
    #[cfg(unix)]
    handlers: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let handlers = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(term), Ok(int)) => Some((term, int)),
                _ => None,
            };
            Signals { handlers }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next Ctrl-C or SIGTERM.
    async fn next(&mut self) {
        #[cfg(unix)]
        if let Some((term, int)) = &mut self.handlers {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            return;
        }
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a handler the process can only be killed; wait for ever.
            std::future::pending::<()>().await;
        }
    }
}
