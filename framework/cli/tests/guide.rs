//! The charm author's guide (`docs/guide.md`), followed as a new user would: every file it
//! shows is written into an empty folder outside this repository, then the charm is built,
//! proofed, its harness test run, and it is deployed at 2 units on a local model whose
//! status must follow a config change. The README's example must be the guide's handler
//! file, so it is built here too.

use std::path::{Path, PathBuf};
use std::process::Command;

use test_support::run_ok;
use test_support::target_dir;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");
/// What the guide writes where the reader's checkout goes.
const CHECKOUT_PLACEHOLDER: &str = "/path/to/charms-reactive";

fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The guide's files: each fenced block right after a `<!-- file: PATH -->` line.
fn guide_files(guide: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut lines = guide.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .trim()
            .strip_prefix("<!-- file:")
            .and_then(|rest| rest.strip_suffix("-->"))
        else {
            continue;
        };
        let fence = lines.next().unwrap_or_default();
        assert!(
            fence.starts_with("```"),
            "docs/guide.md: the line after `{line}` must open a code block, found {fence:?}"
        );
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        files.push((path.trim().to_string(), body.join("\n") + "\n"));
    }
    files
}

/// A folder removed when the test ends, passed or failed.
struct TempDir(PathBuf);

impl TempDir {
    fn new(path: PathBuf) -> TempDir {
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Each unit's workload status and message, from `status --format json`.
fn unit_statuses(model: &Path) -> Vec<(String, String, String)> {
    let out = run_ok(
        Command::new(REACTIVE)
            .args(["model", "--model"])
            .arg(model)
            .args(["status", "--format", "json"]),
    );
    let status: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("status --format json prints JSON");
    let units = status["applications"]["greeter"]["units"]
        .as_object()
        .unwrap_or_else(|| panic!("no greeter units in the status: {status}"));
    units
        .iter()
        .map(|(name, unit)| {
            let workload = &unit["workload-status"];
            (
                name.clone(),
                workload["current"].as_str().unwrap_or_default().to_string(),
                workload["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_readme_example_is_the_guides_handler_file() {
    let root = repo_root();
    let guide = std::fs::read_to_string(root.join("docs/guide.md")).expect("docs/guide.md");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let (_, lib) = guide_files(&guide)
        .into_iter()
        .find(|(path, _)| path == "src/lib.rs")
        .expect("the guide shows src/lib.rs");
    assert!(
        readme.contains(&lib),
        "README.md's example must be docs/guide.md's src/lib.rs, which the guide test builds:\n{lib}"
    );
}

#[test]
fn the_guide_builds_proofs_tests_and_deploys_a_charm_from_an_empty_folder() {
    let root = repo_root();
    let guide = std::fs::read_to_string(root.join("docs/guide.md")).expect("docs/guide.md");
    let files = guide_files(&guide);
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        "layer.yaml",
        "metadata.yaml",
        "config.yaml",
        "Cargo.toml",
        "src/lib.rs",
        "tests/greeter.rs",
    ] {
        assert!(
            names.contains(&expected),
            "the guide shows no {expected}: {names:?}"
        );
    }

    // An empty folder outside the workspace, as a reader would start from.
    let work =
        TempDir::new(std::env::temp_dir().join(format!("reactive-guide-{}", std::process::id())));
    let work = &work.0;
    assert!(
        !work.starts_with(&root),
        "{} is inside the workspace",
        work.display()
    );
    let charm = work.join("greeter");
    let checkout = root.to_string_lossy().into_owned();
    for (path, content) in &files {
        let file = charm.join(path);
        std::fs::create_dir_all(file.parent().expect("a file in the charm")).expect("mkdir");
        std::fs::write(&file, content.replace(CHECKOUT_PLACEHOLDER, &checkout)).expect("write");
    }

    // The guide's `cargo test`. Its own target directory (not the one this test runs
    // from, which cargo keeps locked), reused between runs; the workspace's lock file so
    // the same versions are compiled as everywhere else in this repository.
    std::fs::copy(root.join("Cargo.lock"), charm.join("Cargo.lock")).expect("copy Cargo.lock");
    let tested = run_ok(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .arg("test")
            .current_dir(&charm)
            .env("CARGO_TARGET_DIR", target_dir!().join("guide-charm")),
    );
    let tested = String::from_utf8_lossy(&tested.stdout);
    assert!(
        tested.contains("test the_status_shows_the_configured_message ... ok"),
        "the guide's harness test did not run:\n{tested}"
    );

    // `reactive build .` with the default output. The compiled code goes to the
    // workspace's shared charm target (the documented REACTIVE_TARGET_DIR), so this test
    // does not pay the framework's first release build again.
    run_ok(
        Command::new(REACTIVE)
            .args(["build", "."])
            .current_dir(&charm)
            .env_remove("CHARM_BUILD_DIR")
            .env_remove("CARGO_TARGET_DIR")
            .env("REACTIVE_TARGET_DIR", target_dir!().join("reactive-build")),
    );
    let built = charm.join("target/charms/greeter");
    assert!(
        built.join("dispatch").is_file(),
        "no {}/dispatch",
        built.display()
    );
    assert!(
        !charm.join("src/greeter").exists() && !charm.join("greeter").exists(),
        "the build wrote into the charm's sources"
    );

    let proof = Command::new(REACTIVE)
        .arg("proof")
        .arg(&built)
        .output()
        .expect("run reactive proof");
    let report = String::from_utf8_lossy(&proof.stdout).into_owned()
        + &String::from_utf8_lossy(&proof.stderr);
    assert!(
        !report.lines().any(|l| l.starts_with("E:")),
        "proof found errors:\n{report}"
    );
    assert!(
        matches!(proof.status.code(), Some(0 | 100)),
        "proof exited with {}:\n{report}",
        proof.status
    );

    let model = work.join("model");
    let reactive_model = |args: &[&str]| {
        run_ok(
            Command::new(REACTIVE)
                .args(["model", "--model"])
                .arg(&model)
                .args(args),
        )
    };
    reactive_model(&["init"]);
    reactive_model(&["deploy", built.to_str().expect("utf-8 path"), "-n", "2"]);
    let before = unit_statuses(&model);
    assert_eq!(before.len(), 2, "{before:?}");
    for (unit, status, message) in &before {
        assert_eq!(
            (status.as_str(), message.as_str()),
            ("active", "says: hello"),
            "{unit}"
        );
    }
    reactive_model(&["config", "greeter", "message=bonjour"]);
    for (unit, status, message) in unit_statuses(&model) {
        assert_eq!(
            (status.as_str(), message.as_str()),
            ("active", "says: bonjour"),
            "{unit}"
        );
    }
    reactive_model(&["destroy"]);
}
