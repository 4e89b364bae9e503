//! CORS for the Live API and `/sim/` (`--cors-origin`), so a page served from
//! another origin (`http://localhost:3000`, a file) can call them with `fetch()`.
//!
//! Ours: whether a real iSymphony sends CORS headers is undocumented. Our default
//! is off, as a server that says nothing about CORS behaves: browsers then refuse
//! every cross-origin `fetch()`, and tools other than browsers are unaffected.
//!
//! With origins listed, a preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) under those paths is answered before any
//! credentials are asked for, since browsers never send credentials on a
//! preflight; the source-address allow-list still applies. Every answer on those
//! paths to a listed origin, errors and 401s included, carries
//! `Access-Control-Allow-Origin` with that origin and
//! `Access-Control-Allow-Credentials: true`, so the page can read the status.
//!
//! `*` allows any origin. Browsers refuse `Access-Control-Allow-Origin: *` on a
//! request with credentials, and every request here carries them, so `*` is
//! served by echoing the request's `Origin` instead (with `Vary: Origin`).
//!
//! The websocket Event API is not covered: browsers apply no CORS to websockets.
//! See docs/protocol.md §10.9.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;

use warp::http::StatusCode;
use warp::http::header::{self, HeaderValue};
use warp::path::FullPath;
use warp::reply::Response;
use warp::{Filter, Rejection};

use crate::server::session::peer_label;
use crate::server::state::ServerState;
use crate::server::stats::Stats;
use crate::server::transport::accept::remote_addr;

use super::admission::{refusal_reply, refused};
use super::reply::plain;

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
    /// 403: the origin is not listed (or CORS is off).
    Refused(Response),
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
            let mut response = plain(StatusCode::FORBIDDEN, &reason);
            vary(&mut response);
            return Preflight::Refused(response);
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

fn vary(response: &mut Response) {
    // The answer depends on the Origin, so caches must keep one per origin.
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Origin"));
}

/// Answers CORS preflights on the covered paths, before any credentials are
/// asked for (the allow-list still applies); every other request is rejected as
/// not found, for the routes behind to answer.
pub(crate) fn preflights(
    state: Arc<ServerState>,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    warp::options()
        .and(warp::path::full())
        .and(warp::header::value(header::ORIGIN.as_str()))
        .and(warp::header::value(
            header::ACCESS_CONTROL_REQUEST_METHOD.as_str(),
        ))
        .and(remote_addr())
        .and_then(
            move |path: FullPath, origin: HeaderValue, _method: HeaderValue, remote| {
                let state = Arc::clone(&state);
                async move {
                    if !covers(path.as_str()) {
                        return Err(warp::reject::not_found());
                    }
                    Ok(answer_preflight(&state, &origin, remote))
                }
            },
        )
}

fn answer_preflight(
    state: &ServerState,
    origin: &HeaderValue,
    remote: Option<SocketAddr>,
) -> Response {
    if let Err(refusal) = state.gate.check_address(remote) {
        refused(state, remote, &refusal, "CORS preflight");
        return refusal_reply(&refusal);
    }
    let text = origin.to_str().unwrap_or("(not text)");
    match state.cors.preflight(origin) {
        Preflight::Allowed(response) => {
            Stats::bump(&state.stats.cors_preflights);
            tracing::debug!(peer = %peer_label(remote), origin = text, "answered a CORS preflight");
            response
        }
        Preflight::Refused(response) => {
            Stats::bump(&state.stats.refused_cors_preflights);
            tracing::warn!(
                peer = %peer_label(remote),
                origin = text,
                "refused a CORS preflight: the origin is not allowed (--cors-origin)"
            );
            response
        }
    }
}

/// `routes`, with the CORS headers added to their answers on covered paths.
pub(crate) fn decorated<F>(
    state: Arc<ServerState>,
    routes: F,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone
where
    F: Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static,
{
    let origin = warp::header::value(header::ORIGIN.as_str())
        .map(Some)
        .or(warp::any().map(|| None))
        .unify();
    warp::path::full().and(origin).and(routes).map(
        move |path: FullPath, origin: Option<HeaderValue>, mut response: Response| {
            state
                .cors
                .decorate(path.as_str(), origin.as_ref(), &mut response);
            response
        },
    )
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
