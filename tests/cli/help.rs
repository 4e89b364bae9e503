//! `--help` of every command: an environment variable is named without a value, so an
//! unset variable does not read as one set to the empty string.

use std::process::Command;

use super::BIN;

const COMMANDS: [&str; 7] = [
    "serve", "play", "check", "events", "load", "conform", "record",
];

#[test]
fn help_names_environment_variables_without_a_value() {
    for command in COMMANDS {
        let out = Command::new(BIN)
            .args([command, "--help"])
            .env_remove("ISYM_USERNAME")
            .env_remove("ISYM_PASSWORD")
            .env_remove("ISYM_SEED")
            .output()
            .expect("run --help");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command} --help: {help}");
        for line in help.lines().filter(|l| l.contains("[env: ")) {
            assert!(
                !line.contains("=]") && !line.contains('='),
                "{command} --help shows an unset variable as set to \"\": {line:?}"
            );
        }
    }
}

#[test]
fn help_still_names_the_variables() {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .expect("run --help");
    let help = String::from_utf8_lossy(&out.stdout);
    for name in ["ISYM_USERNAME", "ISYM_PASSWORD", "ISYM_SEED"] {
        assert!(help.contains(&format!("[env: {name}]")), "{name}: {help}");
    }
}
