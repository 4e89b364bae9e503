//! A small iSymphony Event API client, the kind a CRM widget or a wallboard
//! needs, written the way the client suite (`isymphony-sim conform --client`)
//! expects a good client to behave:
//!
//! - it reads its server from `ISYM_URL`, `ISYM_LIVE_URL`, `ISYM_USERNAME` and
//!   `ISYM_PASSWORD` (defaults: the documented port and credentials on localhost);
//! - on every connection it first reads the core server's id from the Live API
//!   (ids change when the server restarts), then opens the websocket with HTTP
//!   Basic credentials and sends its filter at once;
//! - it ignores frames it cannot read and event types it does not know;
//! - when the connection ends it reconnects with backoff (250 ms, doubling up to
//!   5 s) and sends the same filter again.
//!
//! ```sh
//! cargo run --example event_client                       # against `isymphony-sim serve`
//! cargo run --example event_client -- --types hangup     # follow other event types
//! isymphony-sim conform --client target/debug/examples/event_client
//! ```
//!
//! `--break FAULT` makes it misbehave on purpose, for the project's own tests of
//! the client suite: `never-refilter`, `tight-loop`, `misspell`, `stop-reading`,
//! `die-on-malformed`, `extra-message`.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

/// The event types it follows unless `--types` says otherwise.
const DEFAULT_TYPES: &str = "userLogin,userLogout,userStatus,agentLogin,agentLogout";

/// Its backoff: the first wait after a lost connection, and the longest.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A fault to commit on purpose (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    NeverRefilter,
    TightLoop,
    Misspell,
    StopReading,
    DieOnMalformed,
    ExtraMessage,
}

struct Config {
    url: String,
    live_url: String,
    username: String,
    password: String,
    types: Vec<String>,
    fault: Fault,
}

fn config() -> Result<Config, String> {
    let env =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
    let mut types = DEFAULT_TYPES.to_string();
    let mut fault = Fault::None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--types" => {
                types = args
                    .next()
                    .ok_or("--types needs a list such as hangup,userLogin")?
            }
            "--break" => {
                fault = match args.next().as_deref() {
                    Some("never-refilter") => Fault::NeverRefilter,
                    Some("tight-loop") => Fault::TightLoop,
                    Some("misspell") => Fault::Misspell,
                    Some("stop-reading") => Fault::StopReading,
                    Some("die-on-malformed") => Fault::DieOnMalformed,
                    Some("extra-message") => Fault::ExtraMessage,
                    other => return Err(format!("--break: unknown fault {other:?}")),
                }
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; expected --types LIST or --break FAULT"
                ));
            }
        }
    }
    Ok(Config {
        url: env(
            "ISYM_URL",
            "ws://127.0.0.1:58080/communication_manager/ws/event",
        ),
        live_url: env(
            "ISYM_LIVE_URL",
            "http://127.0.0.1:58080/communication_manager/rest/live/",
        ),
        username: env("ISYM_USERNAME", "manager"),
        password: env("ISYM_PASSWORD", "manag3rpa55word"),
        types: types.split(',').map(str::to_string).collect(),
        fault,
    })
}

/// The filter message: the types it follows (OR within one property).
fn filter_message(config: &Config) -> String {
    let mut filters: Vec<Value> = config
        .types
        .iter()
        .map(|t| json!({"property": "type", "value": t}))
        .collect();
    if config.fault == Fault::Misspell {
        // The property is `extensionNumber`; no event has `extension`.
        filters = vec![
            json!({"property": "type", "value": "agentLogin"}),
            json!({"property": "type", "value": "agentLogout"}),
            json!({"property": "extension", "value": "1002"}),
        ];
    }
    json!({"type": "filter", "filters": filters}).to_string()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = match config() {
        Ok(config) => config,
        Err(reason) => {
            eprintln!("event_client: {reason}");
            std::process::exit(2);
        }
    };
    let mut backoff = FIRST_BACKOFF;
    let mut connections = 0u32;
    loop {
        connections += 1;
        match session(&config, connections).await {
            Ok(Ended::Filtered) => backoff = FIRST_BACKOFF,
            Ok(Ended::Early) => {}
            Err(reason) => eprintln!("event_client: {reason}"),
        }
        if config.fault == Fault::TightLoop {
            continue;
        }
        eprintln!("event_client: reconnecting in {} ms", backoff.as_millis());
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// How a session ended: after a successful filter (reset the backoff) or before.
enum Ended {
    Filtered,
    Early,
}

/// One connection, from reading the core server to the end of the websocket.
async fn session(config: &Config, number: u32) -> Result<Ended, String> {
    // Ids are not stable across server restarts: read them on every connection.
    match core_server_id(config) {
        Ok(id) => println!("core server {id}"),
        Err(reason) => eprintln!("event_client: Live API: {reason}"),
    }
    let mut request = config
        .url
        .as_str()
        .into_client_request()
        .map_err(|err| format!("ISYM_URL {}: {err}", config.url))?;
    request.headers_mut().insert(
        "authorization",
        basic(config).parse().map_err(|_| "bad credentials")?,
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|err| format!("cannot connect to {}: {err}", config.url))?;
    println!("connected ({number})");
    if !(config.fault == Fault::NeverRefilter && number > 1) {
        socket
            .send(Message::text(filter_message(config)))
            .await
            .map_err(|err| format!("cannot send the filter: {err}"))?;
    }
    if config.fault == Fault::ExtraMessage {
        let extra = json!({"type": "subscribe", "events": ["hangup"]}).to_string();
        socket
            .send(Message::text(extra))
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut ended = Ended::Early;
    while let Some(frame) = socket.next().await {
        let frame = frame.map_err(|err| format!("connection lost: {err}"))?;
        let text = match frame {
            Message::Text(text) => text,
            Message::Close(close) => {
                println!("closed by the server: {close:?}");
                break;
            }
            _ => continue,
        };
        let Ok(event) = serde_json::from_str::<Value>(text.as_str()) else {
            if config.fault == Fault::DieOnMalformed {
                eprintln!("event_client: a frame that is not JSON; giving up");
                std::process::exit(1);
            }
            eprintln!("event_client: ignoring a frame that is not JSON");
            continue;
        };
        match event.get("type").and_then(Value::as_str) {
            Some("filterResponse") => {
                if event.get("success") == Some(&Value::Bool(true)) {
                    println!("filter accepted");
                    ended = Ended::Filtered;
                    if config.fault == Fault::StopReading {
                        // Holds the connection and never reads again.
                        std::future::pending::<()>().await;
                    }
                } else {
                    eprintln!("event_client: filter refused: {event}");
                }
            }
            Some(kind) => {
                let who = ["username", "agent", "callerIdName"]
                    .iter()
                    .find_map(|p| event.get(*p).and_then(Value::as_str))
                    .unwrap_or("");
                println!("event {kind} {who}");
            }
            None => eprintln!("event_client: ignoring an object without a type"),
        }
    }
    Ok(ended)
}

fn basic(config: &Config) -> String {
    let pair = format!("{}:{}", config.username, config.password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The core server's id, from `GET coreServers/getByName/default`.
fn core_server_id(config: &Config) -> Result<String, String> {
    let body = http_get(config, "coreServers/getByName/default")?;
    let value: Value = serde_json::from_str(&body).map_err(|err| format!("not JSON: {err}"))?;
    value
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("no id in {value}"))
}

/// A plain HTTP/1.1 GET under the Live API base, with Basic credentials.
fn http_get(config: &Config, path: &str) -> Result<String, String> {
    let rest = config
        .live_url
        .strip_prefix("http://")
        .ok_or("ISYM_LIVE_URL must start with http://")?;
    let (host, base) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream =
        TcpStream::connect(host).map_err(|err| format!("cannot connect to {host}: {err}"))?;
    let timeout = Some(Duration::from_secs(5));
    stream
        .set_read_timeout(timeout)
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET /{base}{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        basic(config)
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("not an HTTP answer")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let status = head.split(' ').nth(1).unwrap_or("");
    if status != "200" {
        return Err(format!("GET {path} answered {status}"));
    }
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_vec()
    };
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The payload of a chunked body.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&body[..end]);
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let rest = &body[end + 2..];
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        body = rest.get(size + 2..).unwrap_or_default();
    }
    out
}
