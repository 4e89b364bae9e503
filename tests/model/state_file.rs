//! `serve --state`: the directory saved as JSON lines and read back, atomic saves,
//! and damaged files refused with the line and the problem.

use isymphony_sim::provisioning::state_file::{self, StateFileError};

use super::config_api::provisioned;

fn refused(text: &str) -> StateFileError {
    match state_file::from_text(text, "state.jsonl") {
        Ok(directory) => panic!("accepted {text}: {directory:?}"),
        Err(err) => err,
    }
}

#[test]
fn a_provisioned_directory_reads_back_the_same() {
    let (api, _) = provisioned();
    let directory = api.pbx.directory();

    let text = state_file::to_text(&directory);

    assert_eq!(
        state_file::from_text(&text, "state.jsonl").unwrap(),
        directory
    );
    assert_eq!(
        text.lines().count(),
        9,
        "a header and one line per object: {text}"
    );
    assert!(
        !text.contains("s3cret") && !text.contains("adm1n"),
        "no clear password: {text}"
    );
    assert!(text.contains("pbkdf2-sha256$4096$"), "{text}");
}

#[test]
fn saves_are_atomic_and_replace_the_file() {
    let (api, _) = provisioned();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.jsonl");
    std::fs::write(&path, "old").unwrap();

    state_file::save(&path, &api.pbx.directory()).unwrap();

    let loaded = state_file::load(&path).unwrap().expect("a file");
    assert_eq!(loaded, api.pbx.directory());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["state.jsonl"], "no temporary file is left");
    assert!(
        state_file::load(&dir.path().join("none.jsonl"))
            .unwrap()
            .is_none()
    );
    let unwritable = dir.path().join("no/such/folder/state.jsonl");
    assert!(state_file::save(&unwritable, &api.pbx.directory()).is_err());
}

#[test]
fn damaged_files_name_the_line_and_the_problem() {
    let (api, _) = provisioned();
    let good = state_file::to_text(&api.pbx.directory());
    let lines: Vec<&str> = good.lines().collect();
    let with = |n: usize, line: &str| {
        let mut copy: Vec<&str> = lines.clone();
        copy[n - 1] = line;
        copy.join("\n")
    };
    let extension = lines
        .iter()
        .position(|l| l.starts_with("{\"extension\""))
        .unwrap()
        + 1;
    let user = lines.iter().position(|l| l.contains("\"user\":")).unwrap() + 1;
    let cases: Vec<(String, usize, &str)> = vec![
        (
            with(2, "{\"coreServer\": {\"id\": \"x\",}"),
            2,
            "not JSON at column",
        ),
        (with(1, "{\"isymphony-sim state\":2}"), 1, "version 2"),
        (with(1, "{\"other\":1}"), 1, "first line must be"),
        (
            with(extension, "[1,2]"),
            extension,
            "expected a JSON object",
        ),
        (
            with(
                extension,
                "{\"extension\":{\"id\":\"e9\",\"extension\":\"1101\"},\"extra\":1}",
            ),
            extension,
            "unknown field `extra`",
        ),
        (
            with(extension, "{\"extension\":{\"extension\":\"1199\"}}"),
            extension,
            "no `id`",
        ),
        (
            with(extension, "{\"extension\":{\"id\":\"e9\",\"extension\":5}}"),
            extension,
            "`extension`: field `extension` must be a string",
        ),
        (
            with(extension, "{\"gadget\":{}}"),
            extension,
            "one of `coreServer`",
        ),
        (
            with(
                user,
                &lines[user - 1].replace("pbkdf2-sha256$4096$", "plain$"),
            ),
            user,
            "never holds a clear password",
        ),
        (
            with(
                user,
                &lines[user - 1].replace("\"extensions\":[\"1101\"]", "\"extensions\":[\"9999\"]"),
            ),
            user,
            "no earlier line defines",
        ),
        (
            format!("{}\n{}", good.trim_end(), lines[extension - 1]),
            lines.len() + 1,
            "on an earlier line already",
        ),
        (
            format!("{}\n{}", lines[0], lines[extension - 1]),
            2,
            "before the `coreServer` line",
        ),
    ];
    for (text, line, needle) in cases {
        let err = refused(&text);
        assert_eq!(err.line, Some(line), "{err}");
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("state.jsonl:{line}: ")),
            "{shown}"
        );
        assert!(shown.contains(needle), "`{shown}` lacks `{needle}`");
    }
    assert!(refused("").to_string().contains("the file is empty"));
}
