//! Issue 16 item 9 at the command line: `reactive model run` takes an action's
//! parameters as `juju run` does (`key=value` YAML, `key.key=value`, `--string-args`,
//! `--params FILE`) and refuses ones the action's schema rejects with Juju's message,
//! exit 1, running nothing. The validation itself is tested through the library in
//! framework/model/tests/actions_as_juju_run.rs.

use test_support::charm::{write_charm, KV};
use test_support::cli::{stderr, stdout, CliModel};
use test_support::tmp;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

/// The action hands its parameters back as its result `params`.
const ECHO: &str = "#!/bin/sh\nif [ -n \"$JUJU_ACTION_NAME\" ]; then\n  action-set params=\"$(action-get --format=json)\"\nfi\nexit 0\n";

#[test]
fn item_9_run_refuses_parameters_the_schema_rejects_with_jujus_message() {
    let root = tmp!("cli-item-9-actions");
    let charm = write_charm(&root, "echo", &KV.replace("name: kv", "name: echo"), ECHO);
    std::fs::write(
        charm.join("actions.yaml"),
        "greet:\n  params:\n    name: {type: string}\n    times: {type: integer, default: 1}\n  required: [name]\n",
    )
    .expect("actions.yaml");
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init"]);
    m.ok(&["deploy", charm.to_str().expect("utf-8 path")]);
    let log_before = m.files().log();

    let o = m.run(&["run", "echo/0", "greet", "name=123"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: validation failed: (root).name : must be of type string, given 123\n"
    );
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let o = m.run(&["run", "echo/0", "greet", "Name=x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("key \"Name\" must start and end with lowercase alphanumeric"),
        "{}",
        stderr(&o)
    );
    assert_eq!(m.files().log(), log_before, "nothing ran");

    // The same value as a string passes; a params file supplies the rest.
    let file = root.join("p.yaml");
    std::fs::write(&file, "times: 2\n").expect("params file");
    let out = m.ok_stdout(&[
        "run",
        "echo/0",
        "greet",
        "--string-args",
        "--params",
        file.to_str().expect("utf-8 path"),
        "name=123",
    ]);
    assert!(out.contains("status: completed"), "{out}");
    assert!(
        out.contains(r#""name":"123""#) && out.contains(r#""times":2"#),
        "{out}"
    );
}
