//! Issue 13 items 4 and 6 at the command line, on the hello charm deployed to a local
//! model: `reactive model explain <unit>` reads the unit's flags from its unit state and
//! names, for each handler the hook would not run, the condition that fails; and the
//! debug log has, for each handler invocation, the flags that made its conditions true.

use std::process::Command;

use test_support::cli::{stderr, CliModel};
use test_support::target_dir;
use test_support::{repo_root, run_ok, tmp};

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

#[test]
fn item_4_explain_names_the_failing_condition_and_item_6_the_log_says_why_a_handler_ran() {
    let root = tmp!("cli-item-4-explain");
    run_ok(
        Command::new(REACTIVE)
            .arg("build")
            .arg(repo_root().join("charms/hello"))
            .arg("-o")
            .arg(&root)
            .env("REACTIVE_TARGET_DIR", target_dir!().join("reactive-build")),
    );
    let charm = root.join("hello");
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    m.ok(&["model-config", "logging-config=<root>=DEBUG"]);
    m.ok(&["deploy", charm.to_str().expect("utf-8 path")]);

    let out = m.ok_stdout(&["explain", "hello/0"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"unit hello/0, hook update-status (the unit is idle)"),
        "{out}"
    );
    let flags = lines
        .iter()
        .find_map(|l| l.strip_prefix("flags: "))
        .expect("a flags line");
    assert!(flags.split(", ").any(|f| f == "hello.installed"), "{out}");
    // Installed already: install would not run, and explain says which condition fails.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("skipped charm_hello::install (")
                && l.ends_with(": #[when_not(\"hello.installed\")]: hello.installed is set")),
        "{out}"
    );
    // The first flag of a #[when] that is not set.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("skipped charm_hello::publish (")
                && l.ends_with(
                    ": #[when(\"endpoint.peers.joined\")]: endpoint.peers.joined is not set"
                )),
        "{out}"
    );
    // --hook names the hook.
    let stop = m.ok_stdout(&["explain", "hello/0", "--hook", "stop"]);
    assert!(
        stop.starts_with("unit hello/0, hook stop (--hook)\n"),
        "{stop}"
    );
    // An unknown hook is refused, naming it.
    let bad = m.run(&["explain", "hello/0", "--hook", "instal"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("--hook \"instal\": the charm of hello/0 has no such hook"),
        "{}",
        stderr(&bad)
    );

    // The install hook ran install because hello.installed was not set, once.
    let log = m.ok_stdout(&["debug-log", "--replay", "--include", "hello/0"]);
    let why: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("charm_hello::install runs because: not hello.installed"))
        .collect();
    assert_eq!(why.len(), 1, "{log}");
    assert!(
        log.contains("Invoking reactive handler: charm_hello::install"),
        "{log}"
    );
}
