//! `load --hostile N`: hostile clients beside the measured ones (see
//! `load::hostile`), started before the run and stopped after it.

use std::net::ToSocketAddrs as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context as _;
use isymphony_sim::load::LoadError;
use isymphony_sim::load::hostile::{self, HostileTally, HostileTarget};
use isymphony_sim::load::raw::WsAddress;
use isymphony_sim::server::Credentials;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The `--hostile` flag.
#[derive(Debug, Clone, clap::Args)]
pub struct HostileArgs {
    /// Hostile clients beside the measured ones, not measured: idle TCP sockets,
    /// slowloris request heads, filter-vocabulary churn and a fragment kept open
    /// with pings, in turn. Against loopback each kind comes from its own
    /// address (127.0.0.2 to 127.0.0.5). Compare a run with and without them.
    #[arg(long, value_name = "N", default_value_t = 0)]
    hostile: usize,
}

/// Hostile actors at work.
pub struct Running {
    task: JoinHandle<()>,
    stop: CancellationToken,
    tally: Arc<HostileTally>,
}

impl HostileArgs {
    /// Starts the actors on `runtime` against `target`, with `credentials` for
    /// the websocket kinds; `None` without `--hostile`.
    ///
    /// # Errors
    /// The target is not a `ws://` URL or does not resolve.
    pub fn start(
        &self,
        runtime: &Runtime,
        target: &str,
        credentials: Option<&(String, String)>,
    ) -> anyhow::Result<Option<Running>> {
        if self.hostile == 0 {
            return Ok(None);
        }
        let address =
            WsAddress::parse(target).ok_or_else(|| LoadError::BadTarget(target.to_string()))?;
        let addr = (address.host.as_str(), address.port)
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve {}", address.authority))?
            .next()
            .with_context(|| format!("{} has no address", address.authority))?;
        let target = HostileTarget {
            addr,
            path: address.path,
            authorization: credentials
                .map(|(user, pass)| Credentials::new(user, pass).basic_header()),
        };
        let (stop, tally) = (CancellationToken::new(), Arc::new(HostileTally::default()));
        let task = runtime.spawn(hostile::run(
            target,
            self.hostile,
            stop.clone(),
            Arc::clone(&tally),
        ));
        Ok(Some(Running { task, stop, tally }))
    }
}

impl Running {
    /// Stops the actors and says on stderr what they did.
    pub fn finish(self, runtime: &Runtime) {
        self.stop.cancel();
        // An actor that failed only stopped acting; the measurement stands.
        let _ = runtime.block_on(self.task);
        eprintln!(
            "hostile clients: {} connections opened, {} ended by the server, {} churn filter messages",
            self.tally.connections.load(Ordering::Relaxed),
            self.tally.ended_by_server.load(Ordering::Relaxed),
            self.tally.churn_messages.load(Ordering::Relaxed),
        );
    }
}
