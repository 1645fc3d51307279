//! Issue 13 item 5: `reactive new demo` in an empty folder outside the workspace, then
//! `reactive build demo`, `reactive proof` and the scaffold's own `cargo test`, all
//! succeeding at once.

use std::path::PathBuf;
use std::process::Command;

use test_support::cli::{stderr, stdout};
use test_support::target_dir;
use test_support::{repo_root, run_ok};

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

/// A folder removed when the test ends, passed or failed.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn item_5_a_new_charm_builds_proofs_clean_and_passes_its_test_outside_the_workspace() {
    let work = TempDir(std::env::temp_dir().join(format!("reactive-new-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&work.0);
    std::fs::create_dir_all(&work.0).expect("mkdir");
    let work = &work.0;
    assert!(
        !work.starts_with(repo_root()),
        "{} is in the workspace",
        work.display()
    );

    let made = run_ok(
        Command::new(REACTIVE)
            .args(["new", "demo", "--layers", "apt"])
            .current_dir(work),
    );
    assert!(
        stdout(&made).contains("wrote demo/layer.yaml"),
        "{}",
        stdout(&made)
    );
    let layer_yaml = std::fs::read_to_string(work.join("demo/layer.yaml")).expect("layer.yaml");
    assert!(
        layer_yaml.contains("'layer:base'") && layer_yaml.contains("'layer:apt'"),
        "{layer_yaml}"
    );
    // Again: the folder is not empty any more.
    let again = Command::new(REACTIVE)
        .args(["new", "demo"])
        .current_dir(work)
        .output()
        .expect("run reactive new");
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists and is not empty"),
        "{}",
        stderr(&again)
    );

    let built = run_ok(
        Command::new(REACTIVE)
            .args(["build", "demo"])
            .current_dir(work)
            .env_remove("CHARM_BUILD_DIR")
            .env_remove("CARGO_TARGET_DIR")
            .env("REACTIVE_TARGET_DIR", target_dir!().join("reactive-build")),
    );
    let build_err = stderr(&built);
    assert!(
        !build_err
            .lines()
            .any(|l| l.starts_with("E:") || l.starts_with("W:")),
        "{build_err}"
    );
    let charm = work.join("demo/target/charms/demo");
    let proof = Command::new(REACTIVE)
        .arg("proof")
        .arg(&charm)
        .output()
        .expect("run reactive proof");
    assert_eq!(proof.status.code(), Some(0), "{}", stdout(&proof));
    assert!(
        !stdout(&proof).contains("flag lint skipped"),
        "{}",
        stdout(&proof)
    );

    // The scaffold's test, in a target directory shared with the guide's test.
    let tested = run_ok(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .arg("test")
            .current_dir(work.join("demo"))
            .env("CARGO_TARGET_DIR", target_dir!().join("guide-charm")),
    );
    assert!(
        stdout(&tested).contains("test the_status_shows_the_configured_message ... ok"),
        "{}",
        stdout(&tested)
    );
}
