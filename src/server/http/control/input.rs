//! Reading what a control request carries: its query parameters and JSON
//! bodies, each refused with a status and a one-line reason.

use serde_json::Value;
use warp::http::StatusCode;
use warp::reply::Response;

use crate::protocol::Profile;
use crate::scenario::limits::check_epoch;
use crate::server::config::{MAX_SPEED, MIN_SPEED};
use crate::server::http::reply::plain;
use crate::server::simulation::{ScenarioOptions, StepTo};

/// A request the control API cannot use: the status and a one-line reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BadInput(pub(super) StatusCode, pub(super) String);

impl BadInput {
    pub(super) fn reply(&self) -> Response {
        plain(self.0, &self.1)
    }
}

/// The speed of a `{"speed": N}` body; 400 for anything else, and for a speed
/// outside the documented range (checked by the simulation).
pub(super) fn speed_of(body: &[u8]) -> Result<f64, BadInput> {
    let expected = format!(
        "expected a body like {{\"speed\": 10}} (virtual ms per wall ms, from {MIN_SPEED} to {MAX_SPEED})"
    );
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        BadInput(
            StatusCode::BAD_REQUEST,
            format!("the request body is not valid JSON: {e}; {expected}"),
        )
    })?;
    value
        .get("speed")
        .and_then(Value::as_f64)
        .ok_or(BadInput(StatusCode::BAD_REQUEST, expected))
}

/// How far `POST /sim/step` goes: `?to=event` (the default) or `?to=batch`.
pub(super) fn step_of(query: &str) -> Result<StepTo, BadInput> {
    match query.split('&').find_map(|pair| pair.strip_prefix("to=")) {
        None | Some("event") => Ok(StepTo::NextEvent),
        Some("batch") => Ok(StepTo::NextBatch),
        Some(other) => Err(BadInput(
            StatusCode::BAD_REQUEST,
            format!("to must be `event` (the default) or `batch`, got `{other}`"),
        )),
    }
}

/// The `seed` query parameter, if given.
fn seed_of(query: &str) -> Result<Option<u64>, BadInput> {
    let Some(text) = query_value(query, "seed") else {
        return Ok(None);
    };
    text.parse().map(Some).map_err(|_| {
        BadInput(
            StatusCode::BAD_REQUEST,
            format!(
                "seed must be a whole number from 0 to {}, got `{text}`",
                u64::MAX
            ),
        )
    })
}

/// How `POST /sim/scenario` plays its scenario: `seed`, `epoch` (ms of virtual time
/// zero), `profile` (`standard` or `extended`) and `loop` (`true` or `false`).
pub(super) fn scenario_options_of(query: &str) -> Result<ScenarioOptions, BadInput> {
    let bad = |message: String| BadInput(StatusCode::BAD_REQUEST, message);
    let epoch_ms = query_value(query, "epoch")
        .map(|text| {
            let epoch = text.parse().map_err(|_| {
                bad(format!(
                    "epoch must be whole epoch milliseconds such as 1700000000000, got `{text}`"
                ))
            })?;
            check_epoch(epoch).map_err(bad)
        })
        .transpose()?;
    let profile = query_value(query, "profile")
        .map(|text| match text {
            "standard" => Ok(Profile::Standard),
            "extended" => Ok(Profile::Extended),
            other => Err(bad(format!(
                "profile must be `standard` or `extended`, got `{other}`"
            ))),
        })
        .transpose()?;
    let looping = query_value(query, "loop")
        .map(|text| match text {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(bad(format!(
                "loop must be `true` or `false`, got `{other}`"
            ))),
        })
        .transpose()?;
    Ok(ScenarioOptions {
        seed: seed_of(query)?,
        epoch_ms,
        profile,
        looping,
    })
}

/// The value of query parameter `name`, if given.
fn query_value<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_loads_take_epoch_profile_and_loop_from_the_query() {
        assert_eq!(
            scenario_options_of("").ok(),
            Some(ScenarioOptions::default())
        );
        assert_eq!(
            scenario_options_of("seed=7&epoch=1700000000000&profile=extended&loop=false").ok(),
            Some(ScenarioOptions {
                seed: Some(7),
                epoch_ms: Some(1_700_000_000_000),
                profile: Some(Profile::Extended),
                looping: Some(false),
            })
        );
        for query in [
            "epoch=soon",
            "epoch=9223372036854775807",
            "epoch=-9223372036854775808",
            "profile=full",
            "loop=1",
            "seed=x&loop=true",
        ] {
            assert_eq!(
                scenario_options_of(query).err().map(|bad| bad.0),
                Some(StatusCode::BAD_REQUEST),
                "{query}"
            );
        }
    }

    #[test]
    fn the_seed_comes_from_the_query_when_given() {
        assert_eq!(seed_of("").ok(), Some(None));
        assert_eq!(seed_of("x=1&seed=42").ok(), Some(Some(42)));
        assert_eq!(
            seed_of("seed=-1").err().map(|bad| bad.0),
            Some(StatusCode::BAD_REQUEST)
        );
    }

    #[test]
    fn speed_needs_a_number_in_json() {
        assert_eq!(speed_of(br#"{"speed": 2.5}"#).ok(), Some(2.5));
        for body in [
            &b"{"[..],
            br#"{"speed":"fast"}"#,
            b"[]",
            b"NaN",
            br#"{"speed":NaN}"#,
        ] {
            assert_eq!(
                speed_of(body).err().map(|bad| bad.0),
                Some(StatusCode::BAD_REQUEST)
            );
        }
    }
}
