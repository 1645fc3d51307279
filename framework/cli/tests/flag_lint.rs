//! Issue 13 item 3 at the command line: `reactive build` and `reactive proof` fail a charm
//! whose handler waits for a flag nothing sets, suggesting the closest flag that is set,
//! and one whose `#[hook]` names a hook the charm never runs, suggesting the closest
//! hook. The fixtures are real charm crates, compiled by the build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use test_support::cli::{stderr, stdout};
use test_support::target_dir;
use test_support::tmp;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `reactive build <fixture> -o <out>`, compiling in the workspace's shared charm target.
fn build(name: &str, out: &Path) -> Output {
    Command::new(REACTIVE)
        .arg("build")
        .arg(fixture(name))
        .arg("-o")
        .arg(out)
        .env("REACTIVE_TARGET_DIR", target_dir!().join("reactive-build"))
        .output()
        .expect("run reactive build")
}

fn proof(charm: &Path) -> Output {
    Command::new(REACTIVE)
        .arg("proof")
        .arg(charm)
        .output()
        .expect("run reactive proof")
}

#[test]
fn item_3_a_misspelt_flag_fails_build_and_proof_with_the_flag_that_is_set() {
    let out = tmp!("cli-item-3-misspelt-flag");
    let built = build("lint-misspelled-flag", &out);
    let err = stderr(&built);
    assert_eq!(built.status.code(), Some(200), "build:\n{err}");
    let expected_start = "E: handler lint_misspelled_flag::configure (";
    let expected_end = "waits for flag \"lintdemo.instaled\", which nothing sets (no handler, \
                        trigger, layer or automatic flag), so it can never run; did you mean \
                        \"lintdemo.installed\"?";
    let found = |text: &str| {
        text.lines()
            .any(|l| l.starts_with(expected_start) && l.ends_with(expected_end))
    };
    assert!(found(&err), "build did not report the flag:\n{err}");

    let proofed = proof(&out.join("lint-misspelled-flag"));
    let report = stdout(&proofed);
    assert_eq!(proofed.status.code(), Some(200), "proof:\n{report}");
    assert!(found(&report), "proof did not report the flag:\n{report}");
    // The flag that is set is read: no info about it.
    assert!(
        !report.contains("flag \"lintdemo.installed\" is set"),
        "{report}"
    );
}

#[test]
fn item_3_a_hook_the_charm_never_runs_fails_build_and_proof_with_the_closest_hook() {
    let out = tmp!("cli-item-3-unknown-hook");
    let built = build("lint-unknown-hook", &out);
    let err = stderr(&built);
    assert_eq!(built.status.code(), Some(200), "build:\n{err}");
    let instal = |text: &str| {
        text.lines().any(|l| {
            l.starts_with("E: handler lint_unknown_hook::install (")
                && l.ends_with(
                    "#[hook(\"instal\")] names hook \"instal\", which this charm never runs \
                     (not a Juju hook, or an endpoint metadata.yaml lacks); did you mean \
                     \"install\"?",
                )
        })
    };
    let db = |text: &str| {
        text.lines().any(|l| {
            l.starts_with("E: handler lint_unknown_hook::db_joined (")
                && l.contains("#[hook(\"db-relation-joined\")] names hook \"db-relation-joined\"")
        })
    };
    assert!(instal(&err), "build did not report instal:\n{err}");
    assert!(db(&err), "build did not report db-relation-joined:\n{err}");

    let proofed = proof(&out.join("lint-unknown-hook"));
    let report = stdout(&proofed);
    assert_eq!(proofed.status.code(), Some(200), "proof:\n{report}");
    assert!(
        instal(&report) && db(&report),
        "proof did not report the hooks:\n{report}"
    );
}
