//! Error messages for broken scenario files: one snapshot per file in broken/.

use isymphony_sim::scenario::Scenario;

/// Every problem of each file in broken/, with its position: one snapshot per file.
#[test]
fn error_messages() {
    insta::glob!("broken/*.toml", |path| {
        // Arrange
        let text = std::fs::read_to_string(path).expect("readable fixture");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name");
        let shown = format!("tests/scenario/broken/{name}");
        // Act
        let result = Scenario::from_toml(&text, &shown);
        // Assert
        let err = result.expect_err("a broken file must not load");
        insta::assert_snapshot!(err.to_string());
    });
}

#[test]
fn problems_come_in_file_order_each_once() {
    let text =
        "[[steps]]\nat = \"1m\"\naction = \"nap\"\n[scenario]\nname = \"x\"\nlength = \"bad\"\n";
    let err = Scenario::from_toml(text, "t.toml").unwrap_err();
    let lines: Vec<usize> = err.diagnostics.iter().map(|d| d.line).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted, "{err}");
    assert!(
        err.to_string()
            .contains("t.toml:3:10: unknown action \"nap\""),
        "{err}"
    );
    assert!(err.to_string().contains("t.toml:6:10: `length`"), "{err}");
}
