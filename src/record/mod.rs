//! Recording a real iSymphony server and playing the recording back.
//!
//! - [`capture`]: the capture file format (JSON lines; docs/capture.md), with
//!   [`writer`] and [`reader`] (damage is reported by line, never fatal).
//! - [`recorder`]: one unfiltered Event API connection over ws or wss, Live API
//!   snapshots at the start and the end ([`snapshot`]), reconnects with the gap marked;
//!   [`connect`] reaches the server (TLS, Basic auth, a small HTTP GET).
//! - [`replay`]: a capture on a virtual clock, frames as captured or [`retime`]d.
//! - [`convert`]: a capture as an editable scenario file, checked by playing it.
//! - [`feed`]: a capture as the server's feed (`serve --replay`), its Live API
//!   answered from the snapshot ([`live_view`]).
//! - [`catalogue`]: how a frame compares with our event catalogue; [`audit`] lists
//!   what a capture confirms or contradicts of our protocol description.

pub mod audit;
pub mod capture;
pub mod catalogue;
pub mod connect;
pub mod convert;
pub mod feed;
pub mod live_view;
pub mod reader;
pub mod recorder;
pub mod replay;
pub mod retime;
pub mod snapshot;
pub mod writer;

pub use capture::{Entry, Frame, Header, Snapshot, Summary};
pub use feed::ReplayFeed;
pub use reader::{Capture, CaptureError, Damage};
pub use recorder::{RecordError, RecordOptions, record};
pub use replay::{Outgoing, Replay, ReplayOptions};
