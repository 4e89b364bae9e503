//! Where bytes come in: our accept loop (plain and TLS), the websocket upgrade,
//! and the connection limit taken before it.

pub(crate) mod accept;
pub(crate) mod burst_log;
pub(crate) mod capacity;
pub(crate) mod frame_watch;
pub(crate) mod intake;
pub(crate) mod limits;
pub(crate) mod tls;
pub(crate) mod upgrade;
