//! Who may open the Event API: HTTP Basic credentials plus a source-address
//! allow-list, checked before the websocket upgrade (docs/protocol.md §1.2).
//!
//! FAKE-DEFAULT split (the real server's is undocumented): a refused address gets
//! 403 whatever the credentials; a request without Basic credentials gets 401 with
//! `WWW-Authenticate: Basic realm="iSymphony"`; wrong credentials get 403.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use warp::http::StatusCode;

use super::cidr::Cidr;

/// The realm named in the 401 challenge (a placeholder: the real one is unknown).
pub const REALM: &str = "iSymphony";

/// The default username of a real iSymphony server (docs/protocol.md §1.2).
pub const DEFAULT_USERNAME: &str = "manager";

/// The default password of a real iSymphony server (docs/protocol.md §1.2).
pub const DEFAULT_PASSWORD: &str = "manag3rpa55word";

/// The one username/password pair the server accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    username: String,
    password: String,
}

impl Credentials {
    /// A username/password pair.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The value of an `Authorization` header carrying these credentials.
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            BASE64.encode(format!("{}:{}", self.username, self.password))
        )
    }

    /// Whether a decoded `user:password` pair equals these credentials, in time
    /// that does not depend on where the first difference is.
    fn matches(&self, username: &[u8], password: &[u8]) -> bool {
        // `&`, not `&&`: always compare both halves.
        constant_time_eq(username, self.username.as_bytes())
            & constant_time_eq(password, self.password.as_bytes())
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::new(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    }
}

impl fmt::Debug for Credentials {
    // The password must never reach a log line or a panic message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Compares two byte strings without an early exit on the first difference.
fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != expected.len());
    // Walk the expected length so the time depends only on the secret's length.
    for (i, e) in expected.iter().enumerate() {
        let g = given.get(i).copied().unwrap_or(0);
        diff |= g ^ e;
    }
    std::hint::black_box(diff) == 0
}

/// Why an upgrade request was refused. Never carries the credentials that were tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header, or one that is not HTTP Basic.
    NoCredentials,
    /// Basic credentials that are wrong or cannot be decoded.
    WrongCredentials,
    /// The source address is outside the allow-list (or unknown).
    AddressNotAllowed {
        /// The address, when the transport has one.
        addr: Option<IpAddr>,
    },
}

impl Refusal {
    /// The HTTP status of the refusal.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::NoCredentials => StatusCode::UNAUTHORIZED,
            Refusal::WrongCredentials | Refusal::AddressNotAllowed { .. } => StatusCode::FORBIDDEN,
        }
    }

    /// A short machine-friendly name, used as a log field.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::NoCredentials => "no_credentials",
            Refusal::WrongCredentials => "wrong_credentials",
            Refusal::AddressNotAllowed { .. } => "address_not_allowed",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoCredentials => write!(
                f,
                "authentication required: send HTTP Basic credentials (Authorization: Basic ...)"
            ),
            Refusal::WrongCredentials => write!(f, "forbidden: wrong username or password"),
            Refusal::AddressNotAllowed { addr: Some(addr) } => write!(
                f,
                "forbidden: source address {addr} is not in the allow-list (see --allow)"
            ),
            Refusal::AddressNotAllowed { addr: None } => {
                write!(
                    f,
                    "forbidden: the source address is unknown, so it cannot be allowed"
                )
            }
        }
    }
}

/// The admission rules of the event endpoint: allow-list first, then credentials.
#[derive(Debug, Clone)]
pub struct Gate {
    credentials: Credentials,
    allow: Vec<Cidr>,
}

impl Gate {
    /// A gate accepting `credentials` from addresses in `allow`.
    pub fn new(credentials: Credentials, allow: Vec<Cidr>) -> Self {
        Gate { credentials, allow }
    }

    /// The allow-list alone: what a CORS preflight, which never carries
    /// credentials, must pass.
    ///
    /// # Errors
    /// [`Refusal::AddressNotAllowed`].
    pub fn check_address(&self, remote: Option<SocketAddr>) -> Result<(), Refusal> {
        let addr = remote.map(|r| r.ip());
        if addr.is_some_and(|a| self.allow.iter().any(|c| c.contains(a))) {
            Ok(())
        } else {
            Err(Refusal::AddressNotAllowed { addr })
        }
    }

    /// Decides one request from its source address and `Authorization` header.
    ///
    /// # Errors
    /// The [`Refusal`] to answer with.
    pub fn admit(
        &self,
        remote: Option<SocketAddr>,
        authorization: Option<&str>,
    ) -> Result<(), Refusal> {
        self.check_address(remote)?;
        let Some(encoded) = authorization.and_then(basic_payload) else {
            return Err(Refusal::NoCredentials);
        };
        let decoded = BASE64
            .decode(encoded.trim())
            .map_err(|_| Refusal::WrongCredentials)?;
        let Some(colon) = decoded.iter().position(|b| *b == b':') else {
            return Err(Refusal::WrongCredentials);
        };
        let (username, password) = (&decoded[..colon], &decoded[colon + 1..]);
        if self.credentials.matches(username, password) {
            Ok(())
        } else {
            Err(Refusal::WrongCredentials)
        }
    }
}

/// The credentials part of a `Basic` header; the scheme name is case-insensitive.
fn basic_payload(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("basic").then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Option<SocketAddr> {
        Some(SocketAddr::from(([127, 0, 0, 1], 50000)))
    }

    fn gate() -> Gate {
        Gate::new(Credentials::default(), Cidr::loopback())
    }

    #[test]
    fn default_credentials_from_loopback_are_admitted() {
        let header = Credentials::default().basic_header();
        assert_eq!(gate().admit(local(), Some(&header)), Ok(()));
        assert_eq!(
            gate().admit(local(), Some(&header.replace("Basic", "basic"))),
            Ok(())
        );
    }

    #[test]
    fn missing_or_non_basic_credentials_ask_for_basic() {
        assert_eq!(gate().admit(local(), None), Err(Refusal::NoCredentials));
        assert_eq!(
            gate().admit(local(), Some("Bearer abc")),
            Err(Refusal::NoCredentials)
        );
    }

    #[test]
    fn wrong_or_garbled_credentials_are_forbidden() {
        let wrong = Credentials::new("manager", "guess").basic_header();
        let longer = Credentials::new("manager", "manag3rpa55word!").basic_header();
        for header in [
            wrong.as_str(),
            longer.as_str(),
            "Basic !!!",
            "Basic bWFuYWdlcg==",
        ] {
            assert_eq!(
                gate().admit(local(), Some(header)),
                Err(Refusal::WrongCredentials),
                "{header}"
            );
        }
    }

    #[test]
    fn address_is_checked_before_credentials() {
        let remote = Some(SocketAddr::from(([192, 0, 2, 1], 50000)));
        let header = Credentials::default().basic_header();
        let refusal = gate().admit(remote, Some(&header)).expect_err("refused");
        assert_eq!(refusal.status(), StatusCode::FORBIDDEN);
        assert!(refusal.to_string().contains("192.0.2.1"));
        assert!(gate().admit(None, Some(&header)).is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let shown = format!("{:?}", Credentials::new("u", "s3cret"));
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn constant_time_eq_is_plain_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abd", b"abc"));
        assert!(!constant_time_eq(b"ab", b"abc"));
        assert!(!constant_time_eq(b"abcd", b"abc"));
        assert!(constant_time_eq(b"", b""));
    }
}
