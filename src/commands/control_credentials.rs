//! `serve`'s credentials for the `/sim/` control API (ours), which loads
//! scenarios, injects events and restarts; by default the Event API's.

use std::fmt;

use isymphony_sim::server::{Credentials, ServerConfig};

/// `--control-username` and `--control-password`.
#[derive(Clone, clap::Args)]
pub struct ControlCredentialArgs {
    /// Username of the /sim/ control API (ours), which loads scenarios, injects
    /// events and restarts. Default: the Event API's --username and --password.
    #[arg(
        long,
        env = "ISYM_CONTROL_USERNAME",
        hide_env_values = true,
        requires = "control_password"
    )]
    control_username: Option<String>,

    /// Password of the /sim/ control API (needs --control-username).
    #[arg(
        long,
        env = "ISYM_CONTROL_PASSWORD",
        hide_env_values = true,
        requires = "control_username"
    )]
    control_password: Option<String>,
}

impl fmt::Debug for ControlCredentialArgs {
    // Hand-written so the password never shows up in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlCredentialArgs")
            .field("control_username", &self.control_username)
            .finish_non_exhaustive()
    }
}

impl ControlCredentialArgs {
    /// `config` with the control API's own credentials, when both flags are given.
    pub fn apply(&self, config: ServerConfig) -> ServerConfig {
        match (&self.control_username, &self.control_password) {
            (Some(user), Some(password)) => {
                config.with_control_credentials(Credentials::new(user, password))
            }
            _ => config,
        }
    }

    /// The banner's line; the password is never echoed.
    pub fn banner(&self) -> String {
        match &self.control_username {
            Some(user) => format!(
                "  control API credentials: {user} / (as set by --control-password / ISYM_CONTROL_PASSWORD)"
            ),
            None => "  control API credentials: the same".to_string(),
        }
    }
}
