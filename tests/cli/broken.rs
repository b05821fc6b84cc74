//! A directory of deliberately broken instrument files, each pinned to its
//! exact error output and exit code 2. `BLESS=1 cargo test` rewrites the
//! `.stderr` files; read the diff before committing.

use crate::{bin, data, run};

#[test]
fn every_broken_file_gives_its_pinned_located_error() {
    let dir = data("broken");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "fixtures: {names:?}");
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for name in &names {
        let (stdout, stderr, code) =
            run(bin()
                .current_dir(&dir)
                .args(["instruments", "validate", name]));
        let want_path = dir.join(name.replace(".yaml", ".stderr"));
        if bless {
            std::fs::write(&want_path, &stderr).unwrap();
        }
        let want = std::fs::read_to_string(&want_path).unwrap_or_default();
        if code != 2 || !stdout.is_empty() || stderr != want {
            failures.push(format!(
                "{name}: exit {code}\n--- got\n{stderr}--- want\n{want}"
            ));
        }
        assert!(!stderr.contains("panicked"), "{name} panicked");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn validate_checks_every_file_not_just_the_first() {
    let dir = data("broken");
    let (stdout, stderr, code) = run(bin().current_dir(&dir).args([
        "instruments",
        "validate",
        "band-gap.yaml",
        "../../../instruments/gad7.yaml",
        "unknown-key.yaml",
    ]));
    assert_eq!(code, 2);
    assert!(stdout.contains("gad7.yaml: ok (gad7: 7 items"), "{stdout}");
    assert!(stderr.contains("--> band-gap.yaml:23:15"), "{stderr}");
    assert!(stderr.contains("--> unknown-key.yaml:6:1"), "{stderr}");
    assert!(stderr.ends_with("2 of 3 file(s) have errors\n"), "{stderr}");
}
