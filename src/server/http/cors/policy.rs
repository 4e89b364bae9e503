//! Which origins may call the Live API and `/sim/` from a browser, and the
//! CORS headers that say so: the `--cors-origin` values, what a preflight gets,
//! and what every other answer on a covered path carries. No routes here (they
//! are in the parent module), so the configuration can hold a policy. See
//! docs/protocol.md §10.9.

use std::fmt;
use std::str::FromStr;

use warp::http::StatusCode;
use warp::http::header::{self, HeaderValue};
use warp::reply::Response;

/// The methods the Live API and `/sim/` answer, as a preflight lists them.
pub const ALLOWED_METHODS: &str = "GET, POST, OPTIONS";

/// The request headers a page may send: credentials and a JSON body's type.
pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type";

/// How long a browser may reuse a preflight answer, in seconds (ours).
pub const PREFLIGHT_MAX_AGE_SECS: u32 = 600;

/// The paths CORS covers: the REST APIs and `/sim/`.
const COVERED_PREFIXES: [&str; 2] = ["/communication_manager/rest/", "/sim/"];

/// One `--cors-origin` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigin {
    /// `*`: any origin (served by echoing it, see the module docs).
    Any,
    /// `null`: pages opened from a file, sandboxed frames.
    Null,
    /// `scheme://host[:port]`, lower case as browsers send it.
    Exact(String),
}

/// A `--cors-origin` value that is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{given}` is not an origin: {why}; an origin is scheme://host[:port] with no path, such as http://localhost:3000, or `null` for pages opened from a file, or `*` for any origin (--cors-origin)"
)]
pub struct CorsOriginError {
    given: String,
    why: &'static str,
}

impl FromStr for CorsOrigin {
    type Err = CorsOriginError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |why| CorsOriginError {
            given: text.to_string(),
            why,
        };
        match text {
            "*" => return Ok(CorsOrigin::Any),
            "null" => return Ok(CorsOrigin::Null),
            _ => {}
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(bad("it has no scheme://"));
        };
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Err(bad("the scheme is not a URL scheme"));
        }
        if rest.is_empty() {
            return Err(bad("it has no host"));
        }
        if rest.contains(['/', '?', '#']) {
            return Err(bad("it has a path, query or fragment (browsers send none)"));
        }
        if rest.contains('@') {
            return Err(bad("it has credentials (browsers send none)"));
        }
        if rest
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad("it contains spaces or control characters"));
        }
        // Browsers send scheme and host in lower case; compare that way.
        Ok(CorsOrigin::Exact(text.to_ascii_lowercase()))
    }
}

impl fmt::Display for CorsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsOrigin::Any => write!(f, "*"),
            CorsOrigin::Null => write!(f, "null"),
            CorsOrigin::Exact(origin) => write!(f, "{origin}"),
        }
    }
}

/// Which origins may call the Live API and `/sim/` from a browser. The default,
/// no origins, turns CORS off (our default; see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    origins: Vec<CorsOrigin>,
}

impl CorsPolicy {
    /// CORS for `origins`; none turns it off.
    pub fn new(origins: Vec<CorsOrigin>) -> Self {
        CorsPolicy { origins }
    }

    /// Whether any origin is listed.
    pub fn is_on(&self) -> bool {
        !self.origins.is_empty()
    }

    /// The origins as given.
    pub fn origins(&self) -> &[CorsOrigin] {
        &self.origins
    }

    /// Whether a request's `Origin` header value is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|allowed| match allowed {
            CorsOrigin::Any => true,
            CorsOrigin::Null => origin == "null",
            CorsOrigin::Exact(exact) => origin.eq_ignore_ascii_case(exact),
        })
    }

    /// One line for the start-up banner.
    pub fn describe(&self) -> String {
        if !self.is_on() {
            return "off (our default): browsers refuse fetch() from other origins; turn on with --cors-origin ORIGIN".to_string();
        }
        let listed: Vec<String> = self.origins.iter().map(ToString::to_string).collect();
        let any = if self.origins.contains(&CorsOrigin::Any) {
            " (`*`: each request's Origin is echoed, as browsers refuse `*` with credentials)"
        } else {
            ""
        };
        format!(
            "on for {}{any}, with credentials, for the Live API and /sim/",
            listed.join(", ")
        )
    }
}

/// Whether `path` is one CORS covers.
pub(crate) fn covers(path: &str) -> bool {
    COVERED_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// What a preflight gets, the allow-list having passed.
pub(crate) enum Preflight {
    /// 204 with the allowed methods and headers.
    Allowed(Response),
    /// 403 with this one-line reason: the origin is not listed (or CORS is off).
    Refused(String),
}

impl CorsPolicy {
    /// The answer to a preflight from `origin`.
    pub(crate) fn preflight(&self, origin: &HeaderValue) -> Preflight {
        let text = origin.to_str().unwrap_or_default();
        if !self.allows(text) {
            let reason = if self.is_on() {
                format!(
                    "CORS: origin `{text}` is not allowed; add it with --cors-origin {text} (or `*`)"
                )
            } else {
                format!(
                    "CORS is off, so browsers on other origins cannot call this server; start serve with --cors-origin {text}"
                )
            };
            return Preflight::Refused(reason);
        }
        let mut response = Response::default();
        *response.status_mut() = StatusCode::NO_CONTENT;
        vary(&mut response);
        allow(&mut response, origin);
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from(PREFLIGHT_MAX_AGE_SECS),
        );
        Preflight::Allowed(response)
    }

    /// Adds the CORS headers to an answer on a covered path for `origin`.
    pub(crate) fn decorate(
        &self,
        path: &str,
        origin: Option<&HeaderValue>,
        response: &mut Response,
    ) {
        if !self.is_on() || !covers(path) {
            return;
        }
        vary(response);
        if let Some(origin) = origin.filter(|o| self.allows(o.to_str().unwrap_or_default())) {
            allow(response, origin);
        }
    }
}

fn allow(response: &mut Response, origin: &HeaderValue) {
    let headers = response.headers_mut();
    // The origin itself, never `*`: every request here carries credentials.
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
}

/// Says that the answer depends on the `Origin`.
pub(crate) fn vary(response: &mut Response) {
    // The answer depends on the Origin, so caches must keep one per origin.
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(text: &str) -> CorsOrigin {
        text.parse().expect("an origin")
    }

    #[test]
    fn origins_parse_and_bad_ones_say_why() {
        assert_eq!(origin("*"), CorsOrigin::Any);
        assert_eq!(origin("null"), CorsOrigin::Null);
        assert_eq!(
            origin("HTTP://LocalHost:3000"),
            CorsOrigin::Exact("http://localhost:3000".into())
        );
        for (bad, why) in [
            ("localhost:3000", "no scheme"),
            ("http://localhost:3000/", "path"),
            ("http://", "no host"),
            ("http://a@b", "credentials"),
            ("ht tp://x", "scheme"),
        ] {
            let err = bad.parse::<CorsOrigin>().expect_err(bad).to_string();
            assert!(
                err.contains(why) && err.contains("--cors-origin"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn listed_origins_are_allowed_and_others_not() {
        let policy = CorsPolicy::new(vec![origin("http://localhost:3000"), origin("null")]);
        assert!(policy.allows("http://localhost:3000"));
        assert!(policy.allows("null"));
        assert!(!policy.allows("http://localhost:3001"));
        assert!(!policy.allows("http://evil.example"));
        assert!(!CorsPolicy::default().allows("http://localhost:3000"));
        assert!(CorsPolicy::new(vec![CorsOrigin::Any]).allows("http://anything:1"));
    }

    #[test]
    fn any_origin_is_echoed_with_credentials_never_a_star() {
        let policy = CorsPolicy::new(vec![CorsOrigin::Any]);
        let page = HeaderValue::from_static("http://localhost:3000");
        let Preflight::Allowed(answer) = policy.preflight(&page) else {
            panic!("allowed");
        };
        let headers = answer.headers();
        assert_eq!(answer.status(), StatusCode::NO_CONTENT);
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], page);
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert_eq!(
            headers[header::ACCESS_CONTROL_ALLOW_HEADERS],
            ALLOWED_HEADERS
        );
        assert_eq!(
            headers[header::ACCESS_CONTROL_ALLOW_METHODS],
            ALLOWED_METHODS
        );
    }

    #[test]
    fn only_covered_paths_are_decorated() {
        let policy = CorsPolicy::new(vec![CorsOrigin::Any]);
        let page = HeaderValue::from_static("http://localhost:3000");
        for (path, decorated) in [
            ("/sim/status", true),
            ("/communication_manager/rest/live/coreServers", true),
            ("/communication_manager/ws/event", false),
        ] {
            let mut response = Response::default();
            policy.decorate(path, Some(&page), &mut response);
            assert_eq!(
                response
                    .headers()
                    .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN),
                decorated,
                "{path}"
            );
        }
    }
}
