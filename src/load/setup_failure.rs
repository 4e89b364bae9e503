//! Why a load client could not take part, and what that means for the user.
//!
//! Each reason is counted under its name (`HTTP 401`, `connection refused`, ...)
//! in the report and in shard files, and explained in words when no client could
//! start, so that a refused password reads as a refused password and not as "is
//! the server running?".

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How long a handshake or a filter answer may take before a client gives up.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(15);

/// Why one client could not connect and set its filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetupFailure {
    /// The server answered the upgrade with this HTTP status instead of 101.
    Status(u16),
    /// Nothing listens at the address (the TCP connection was refused).
    ConnectionRefused,
    /// The TCP connection failed otherwise (unreachable, reset, out of descriptors).
    ConnectFailed,
    /// No answer to the handshake or the filter within the setup timeout.
    Timeout,
    /// The server closed the connection during the upgrade, or answered something
    /// that is not HTTP.
    BadUpgrade,
    /// The server answered the filter message with `"success":false`.
    FilterRefused,
    /// The connection ended before the filter was answered.
    ClosedBeforeAnswer,
}

impl SetupFailure {
    /// What this failure means and what to try, for the error shown when no
    /// client could start. `target` is the URL tried.
    pub fn meaning(self, target: &str) -> String {
        match self {
            SetupFailure::Status(401) => "401 Unauthorized: the server wants HTTP Basic credentials and got none it accepts. \
                 Drop --no-auth, or pass the server's --username and --password \
                 (or ISYM_USERNAME / ISYM_PASSWORD)"
                .to_string(),
            SetupFailure::Status(403) => "403 Forbidden: the server refused these credentials or this address. \
                 Check --username and --password (or ISYM_USERNAME / ISYM_PASSWORD) against the server's; \
                 an isymphony-sim serve also answers 403 to an address outside its --allow list"
                .to_string(),
            SetupFailure::Status(404) => format!(
                "404 Not Found: nothing is served at that path; the Event API is \
                 ws://HOST:PORT/communication_manager/ws/event (tried {target})"
            ),
            SetupFailure::Status(503) => "503 Service Unavailable: the server is at its connection limit \
                 (isymphony-sim serve --max-connections); use fewer --clients or raise the limit"
                .to_string(),
            SetupFailure::Status(status) => format!(
                "the server answered HTTP {status} instead of switching to a websocket (101); \
                 is {target} an Event API URL?"
            ),
            SetupFailure::ConnectionRefused => {
                format!("connection refused: nothing listens at {target}; is the server running?")
            }
            SetupFailure::ConnectFailed => format!(
                "the TCP connection to {target} failed (unreachable, reset, or out of file \
                 descriptors: see `ulimit -n`)"
            ),
            SetupFailure::Timeout => format!(
                "no answer within {} s to the upgrade or the filter message; the server may be \
                 overloaded, or lower --handshakes",
                SETUP_TIMEOUT.as_secs()
            ),
            SetupFailure::BadUpgrade => {
                "the server closed the connection during the upgrade or did not answer HTTP; \
                 is it a websocket server (ws://, not wss://)?"
                    .to_string()
            }
            SetupFailure::FilterRefused => "the server answered the filter message with success: false; \
                 check --filters"
                .to_string(),
            SetupFailure::ClosedBeforeAnswer => {
                "the server closed the connection before answering the filter message".to_string()
            }
        }
    }
}

impl fmt::Display for SetupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupFailure::Status(status) => write!(f, "HTTP {status}"),
            SetupFailure::ConnectionRefused => write!(f, "connection refused"),
            SetupFailure::ConnectFailed => write!(f, "connect failed"),
            SetupFailure::Timeout => write!(f, "timeout"),
            SetupFailure::BadUpgrade => write!(f, "bad upgrade"),
            SetupFailure::FilterRefused => write!(f, "filter refused"),
            SetupFailure::ClosedBeforeAnswer => write!(f, "closed before answer"),
        }
    }
}

impl FromStr for SetupFailure {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(status) = text.strip_prefix("HTTP ") {
            return status
                .parse()
                .map(SetupFailure::Status)
                .map_err(|_| format!("`{text}`: the status is not a number"));
        }
        match text {
            "connection refused" => Ok(SetupFailure::ConnectionRefused),
            "connect failed" => Ok(SetupFailure::ConnectFailed),
            "timeout" => Ok(SetupFailure::Timeout),
            "bad upgrade" => Ok(SetupFailure::BadUpgrade),
            "filter refused" => Ok(SetupFailure::FilterRefused),
            "closed before answer" => Ok(SetupFailure::ClosedBeforeAnswer),
            other => Err(format!("unknown setup failure `{other}`")),
        }
    }
}

impl serde::Serialize for SetupFailure {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SetupFailure {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_reads_back_from_its_name() {
        for reason in [
            SetupFailure::Status(401),
            SetupFailure::Status(403),
            SetupFailure::ConnectionRefused,
            SetupFailure::ConnectFailed,
            SetupFailure::Timeout,
            SetupFailure::BadUpgrade,
            SetupFailure::FilterRefused,
            SetupFailure::ClosedBeforeAnswer,
        ] {
            assert_eq!(reason.to_string().parse(), Ok(reason));
        }
        assert!("HTTP x".parse::<SetupFailure>().is_err());
        assert!("gremlins".parse::<SetupFailure>().is_err());
    }

    #[test]
    fn refusals_say_which_status_came_back_and_not_is_it_running() {
        let target = "ws://127.0.0.1:1/x";
        for status in [401, 403] {
            let text = SetupFailure::Status(status).meaning(target);
            assert!(text.starts_with(&status.to_string()), "{text}");
            assert!(!text.contains("running"), "{text}");
        }
        assert!(
            SetupFailure::ConnectionRefused
                .meaning(target)
                .contains("running")
        );
    }
}
