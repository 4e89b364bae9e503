//! URLs of the server to record, with any `user:password@` taken out so it is
//! used on the wire and never written or printed.

use crate::server::Credentials;

/// A `ws`/`wss`/`http`/`https` URL split into what a connection needs; shown
/// without any `user:password@`.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// TLS or not.
    pub secure: bool,
    /// Host as written (an IPv6 address keeps its brackets).
    pub host: String,
    /// Port, explicit or the scheme's default.
    pub port: u16,
    /// Path and query, at least `/`.
    pub path: String,
    /// Credentials from the URL's userinfo, if it had any.
    pub userinfo: Option<Credentials>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown("ws"))
    }
}

impl Endpoint {
    /// Parses `url`; `schemes` are the plain and TLS scheme names it may use.
    ///
    /// # Errors
    /// A readable reason naming the expected form.
    pub fn parse(url: &str, schemes: (&str, &str)) -> Result<Endpoint, String> {
        let expected = format!(
            "expected {}://HOST:PORT/PATH or {}://...",
            schemes.0, schemes.1
        );
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("`{}` is not a URL; {expected}", redact(url)))?;
        let secure = match scheme.to_ascii_lowercase() {
            s if s == schemes.0 => false,
            s if s == schemes.1 => true,
            _ => {
                return Err(format!(
                    "`{}`: unsupported scheme `{scheme}`; {expected}",
                    redact(url)
                ));
            }
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((info, hostport)) => {
                let (user, password) = info.split_once(':').unwrap_or((info, ""));
                (
                    Some(Credentials::new(
                        percent_decode(user),
                        percent_decode(password),
                    )),
                    hostport,
                )
            }
            None => (None, authority),
        };
        let default_port = if secure { 443 } else { 80 };
        let (host, port) = split_host_port(hostport, default_port)
            .ok_or_else(|| format!("`{}`: bad host or port; {expected}", redact(url)))?;
        Ok(Endpoint {
            secure,
            host,
            port,
            path,
            userinfo,
        })
    }

    /// The URL without credentials, with `plain` or its TLS form as the scheme.
    pub fn shown(&self, plain: &str) -> String {
        let scheme = if self.secure {
            format!("{plain}s")
        } else {
            plain.to_string()
        };
        format!("{scheme}://{}:{}{}", self.host, self.port, self.path)
    }

    /// `host:port` for the connection and the `Host` header.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The same server with another path.
    pub fn with_path(&self, path: &str) -> Endpoint {
        Endpoint {
            path: path.to_string(),
            ..self.clone()
        }
    }
}

/// `url` with any `user:password@` replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start && !url[start + 3..at].contains('/') => {
            format!("{}***@{}", &url[..start + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn split_host_port(hostport: &str, default_port: u16) -> Option<(String, u16)> {
    if hostport.is_empty() {
        return None;
    }
    if let Some(rest) = hostport.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => port.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((format!("[{ip}]"), port));
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => Some((host.to_string(), port.parse().ok()?)),
        Some(_) => None,
        None => Some((hostport.to_string(), default_port)),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials_but_keep_the_rest() {
        let e = Endpoint::parse(
            "wss://me:p%40ss@pbx.example:55050/communication_manager/ws/event",
            ("ws", "wss"),
        )
        .expect("a URL");
        assert!(e.secure);
        assert_eq!(e.port, 55050);
        let creds = e.userinfo.clone().expect("userinfo");
        assert_eq!((creds.username(), creds.password()), ("me", "p@ss"));
        assert_eq!(
            e.shown("ws"),
            "wss://pbx.example:55050/communication_manager/ws/event"
        );
        assert_eq!(redact("ws://me:secret@h:1/x"), "ws://***@h:1/x");
        assert_eq!(redact("ws://h:1/x@y"), "ws://h:1/x@y");
    }

    #[test]
    fn ports_default_by_scheme_and_ipv6_keeps_brackets() {
        let e = Endpoint::parse("http://[::1]/a", ("http", "https")).expect("a URL");
        assert_eq!(
            (e.host.as_str(), e.port, e.path.as_str()),
            ("[::1]", 80, "/a")
        );
        let e = Endpoint::parse("https://h", ("http", "https")).expect("a URL");
        assert_eq!((e.port, e.path.as_str()), (443, "/"));
        for bad in [
            "h:1/x",
            "ftp://h/x",
            "ws://:5/x",
            "ws://h:port/x",
            "ws:///x",
        ] {
            assert!(Endpoint::parse(bad, ("ws", "wss")).is_err(), "{bad}");
        }
    }
}
