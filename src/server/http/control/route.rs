//! The routes of the control API by name: the one table that dispatch, the
//! `405` answer and the `404` list of routes come from.

use warp::http::Method;

/// Where the control API lives.
pub const CONTROL_PATH: &str = "/sim/";

/// The routes of the control API. Each has one name and its methods, and the
/// handler matches them exhaustively: a new route cannot fall into another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ControlRoute {
    /// `GET /sim/status`.
    Status,
    /// `POST /sim/pause`.
    Pause,
    /// `POST /sim/resume`.
    Resume,
    /// `POST /sim/step[?to=batch]`.
    Step,
    /// `POST /sim/speed`.
    Speed,
    /// `POST /sim/scenario`.
    Scenario,
    /// `POST /sim/reset`.
    Reset,
    /// `POST /sim/inject`: one raw event.
    Inject,
    /// `POST /sim/fault`.
    Fault,
    /// `GET /sim/requests` reads the request journal, `DELETE` clears it.
    Requests,
}

impl ControlRoute {
    /// Every route, in the order the 404 answer lists them.
    pub(crate) const ALL: [ControlRoute; 10] = [
        ControlRoute::Status,
        ControlRoute::Pause,
        ControlRoute::Resume,
        ControlRoute::Step,
        ControlRoute::Speed,
        ControlRoute::Scenario,
        ControlRoute::Reset,
        ControlRoute::Inject,
        ControlRoute::Fault,
        ControlRoute::Requests,
    ];

    /// The route's name: its path under [`CONTROL_PATH`].
    pub(crate) fn name(self) -> &'static str {
        match self {
            ControlRoute::Status => "status",
            ControlRoute::Pause => "pause",
            ControlRoute::Resume => "resume",
            ControlRoute::Step => "step",
            ControlRoute::Speed => "speed",
            ControlRoute::Scenario => "scenario",
            ControlRoute::Reset => "reset",
            ControlRoute::Inject => "inject",
            ControlRoute::Fault => "fault",
            ControlRoute::Requests => "requests",
        }
    }

    /// The methods the route answers; any other gets 405.
    pub(crate) fn methods(self) -> &'static [Method] {
        match self {
            ControlRoute::Status => &[Method::GET],
            ControlRoute::Pause
            | ControlRoute::Resume
            | ControlRoute::Step
            | ControlRoute::Speed
            | ControlRoute::Scenario
            | ControlRoute::Reset
            | ControlRoute::Inject
            | ControlRoute::Fault => &[Method::POST],
            ControlRoute::Requests => &[Method::GET, Method::DELETE],
        }
    }

    /// The route at `tail`, the path after [`CONTROL_PATH`]; trailing slashes
    /// are ignored.
    ///
    /// # Errors
    /// [`UnknownRoute`] for any other path, which is answered with 404.
    pub(crate) fn from_path(tail: &str) -> Result<ControlRoute, UnknownRoute> {
        let name = tail.trim_end_matches('/');
        ControlRoute::ALL
            .into_iter()
            .find(|route| route.name() == name)
            .ok_or_else(|| UnknownRoute(name.to_string()))
    }
}

/// A path under [`CONTROL_PATH`] that names no [`ControlRoute`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not found: the control API has {CONTROL_PATH}{}", route_list())]
pub(crate) struct UnknownRoute(pub(crate) String);

/// "status, pause, ... and requests".
fn route_list() -> String {
    let names: Vec<&str> = ControlRoute::ALL.iter().map(|r| r.name()).collect();
    match names.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_by_its_name_and_answers_its_methods() {
        for route in ControlRoute::ALL {
            assert_eq!(ControlRoute::from_path(route.name()), Ok(route));
            let slashed = format!("{}/", route.name());
            assert_eq!(ControlRoute::from_path(&slashed), Ok(route), "{slashed}");
        }
        let named = |name| ControlRoute::from_path(name).map(ControlRoute::methods);
        assert_eq!(named("status"), Ok(&[Method::GET][..]));
        assert_eq!(named("requests"), Ok(&[Method::GET, Method::DELETE][..]));
        for name in [
            "pause", "resume", "step", "speed", "scenario", "reset", "inject", "fault",
        ] {
            assert_eq!(named(name), Ok(&[Method::POST][..]), "{name}");
        }
    }

    #[test]
    fn an_unknown_route_is_a_typed_error_listing_the_routes() {
        for path in [
            "",
            "nope",
            "Status",
            "status/extra",
            "sim/status",
            "injection",
        ] {
            assert_eq!(
                ControlRoute::from_path(path),
                Err(UnknownRoute(path.trim_end_matches('/').to_string())),
                "{path}"
            );
        }
        assert_eq!(
            UnknownRoute("nope".into()).to_string(),
            "not found: the control API has /sim/status, pause, resume, step, speed, scenario, reset, inject, fault and requests"
        );
    }
}
