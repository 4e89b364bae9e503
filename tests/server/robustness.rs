//! The control API's parsers on bad input, through the real routes in-process:
//! every body and query a client can send to `/sim/` gets an answer (never a
//! panic), and every refusal is one plain-text line.

use isymphony_sim::server::{Credentials, ServerConfig};
use proptest::prelude::*;

use crate::desk;

fn body() -> impl Strategy<Value = String> {
    let fragments = prop::sample::select(
        &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"speed\"",
            "\"kind\"",
            "\"code\"",
            "\"ms\"",
            "\"count\"",
            "\"client\"",
            "\"type\"",
            "\"time\"",
            "\"drop\"",
            "\"delay\"",
            "\"duplicate\"",
            "\"malformed\"",
            "\"userLogin\"",
            "0",
            "-1",
            "1e999",
            "4000",
            "null",
            "true",
            "\"x\"",
            "[scenario]\n",
            "name = \"x\"\n",
            "length = \"1m\"\n",
        ][..],
    );
    prop_oneof![
        prop::collection::vec(fragments, 0..12).prop_map(|parts| parts.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn control_requests_never_panic_and_refusals_are_one_line(
        route in prop::sample::select(&["speed", "scenario", "inject", "fault", "step", "reset", "status", "nope"][..]),
        query in prop::sample::select(&["", "?seed=1", "?seed=-1", "?seed=99999999999999999999", "?to=batch", "?to=moon"][..]),
        body in body(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        // Paused: a step only applies the desk's next batch; no clock runs.
        let server = desk::server(ServerConfig::default().with_paused(true));
        let response = runtime.block_on(
            warp::test::request()
                .method(if route == "status" { "GET" } else { "POST" })
                .path(&format!("/sim/{route}{query}"))
                .remote_addr(([127, 0, 0, 1], 40000).into())
                .header("authorization", Credentials::default().basic_header())
                .body(body.clone())
                .reply(&server.routes()),
        );
        let status = response.status().as_u16();
        let text = String::from_utf8_lossy(response.body()).to_string();
        prop_assert!(status < 500 || status == 503, "{route}{query} {body:?}: {status} {text}");
        if status >= 400 && route != "scenario" {
            prop_assert!(text.ends_with('\n') && text.matches('\n').count() == 1, "{status} {text:?}");
        }
    }
}
