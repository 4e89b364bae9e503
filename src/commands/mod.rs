//! One module per subcommand: arguments and the glue to the library.

pub mod activity;
pub mod check;
pub mod conform;
pub mod conform_client;
pub mod connection_limits;
pub mod control_credentials;
pub mod directory_choice;
pub mod events;
pub mod load;
pub mod load_hostile;
pub mod play;
pub mod record;
pub mod replay_choice;
pub mod run_limits;
pub mod scenario_choice;
pub mod serve;
pub mod serve_flags;
pub mod serve_setup;
pub mod signals;
