//! Where the load tool reads an event's send time from, to time its delivery.

/// Where latency is read from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LatencySource {
    /// `simSentUs` when the server stamps events, else the `time` property.
    Auto,
    /// Only `simSentUs` (our server with stamping on); frames without it are not timed.
    Stamp,
    /// Only the `time` property (a server whose clock is aligned to wall time);
    /// millisecond resolution.
    Time,
}

impl LatencySource {
    /// Where latency was read from, for the text report.
    pub fn describe(self) -> &'static str {
        match self {
            LatencySource::Auto => "simSentUs where stamped, else time",
            LatencySource::Stamp => "simSentUs",
            LatencySource::Time => "the time property",
        }
    }
}
