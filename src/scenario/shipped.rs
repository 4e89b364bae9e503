//! The scenarios shipped in `scenarios/`, embedded in the binary so that
//! `--scenario office` works from anywhere.

use super::{Scenario, ScenarioError};

/// One shipped scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shipped {
    /// The name `--scenario` accepts ("office").
    pub name: &'static str,
    /// The file's text.
    pub text: &'static str,
}

/// The scenario used when none is named.
pub const DEFAULT: &str = "office";

/// Every shipped scenario, by name.
pub const ALL: [Shipped; 5] = [
    Shipped {
        name: "office",
        text: include_str!("../../scenarios/office.toml"),
    },
    Shipped {
        name: "reception",
        text: include_str!("../../scenarios/reception.toml"),
    },
    Shipped {
        name: "callcentre-peak",
        text: include_str!("../../scenarios/callcentre-peak.toml"),
    },
    Shipped {
        name: "conference",
        text: include_str!("../../scenarios/conference.toml"),
    },
    Shipped {
        name: "smoke",
        text: include_str!("../../scenarios/smoke.toml"),
    },
];

impl Shipped {
    /// The path it has in the repository, used in messages.
    pub fn path(&self) -> String {
        format!("scenarios/{}.toml", self.name)
    }

    /// The parsed scenario.
    ///
    /// # Errors
    /// The shipped file is invalid (a test catches this before release).
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml(self.text, &self.path())
    }
}

/// The shipped scenario called `name`, also accepting "office.toml" and
/// "scenarios/office.toml".
pub fn find(name: &str) -> Option<&'static Shipped> {
    let name = name.strip_prefix("scenarios/").unwrap_or(name);
    let name = name.strip_suffix(".toml").unwrap_or(name);
    ALL.iter().find(|s| s.name == name)
}

/// The shipped names, in listing order.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|s| s.name).collect()
}
