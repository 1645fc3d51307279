//! Issue 16 item 9: an action's parameters as `juju run` sends them and as Juju checks
//! them before the action is queued: YAML values, nested `key.key=value` maps, the
//! action's JSON schema from `actions.yaml` (types, enum, required,
//! `additionalProperties`, ranges), defaults filled in, Juju's messages, and nothing run
//! when they do not validate. The hook is a real process that prints what
//! `action-get` gives it.

use std::path::Path;

use charms_reactive_model::model::ActionArgs;
use charms_reactive_model::Helpers;
use test_support::charm::{write_charm, KV};
use test_support::{strings as s, tmp, TestModel};

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

fn new_model(root: &Path) -> anyhow::Result<TestModel> {
    TestModel::init(&helpers(), root, 1, None)
}

/// The action hands every parameter it was given back as its result `params`.
const ECHO: &str = "#!/bin/sh\nif [ -n \"$JUJU_ACTION_NAME\" ]; then\n  action-set params=\"$(action-get --format=json)\"\nfi\nexit 0\n";

const ACTIONS: &str = "\
greet:
  description: Say hello.
  params:
    name: {type: string}
    times: {type: integer, minimum: 1, maximum: 5, default: 1}
    ratio: {type: number}
    loud: {type: boolean, default: false}
    mode: {type: string, enum: [plain, fancy], default: plain}
    tags: {type: array, items: {type: string}}
    extra: {type: object}
  required: [name]
open:
  params:
    port: {type: integer}
  additionalProperties: true
";

fn run(m: &mut TestModel, action: &str, pairs: &[&str]) -> anyhow::Result<serde_json::Value> {
    let result = m.step(|m| m.run_action("echo/0", action, &s(pairs)))?;
    assert_eq!(result.status, "completed", "{result:?}");
    let text = result.results["params"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Ok(serde_json::from_str(&text)?)
}

#[test]
fn item_9_action_parameters_are_validated_against_the_schema_with_defaults_filled_in(
) -> anyhow::Result<()> {
    let root = tmp!("model-item-9-actions");
    let charm = write_charm(&root, "echo", &KV.replace("name: kv", "name: echo"), ECHO);
    std::fs::write(charm.join("actions.yaml"), ACTIONS)?;
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&charm, None, 1))?;

    // Valid: defaults filled in, YAML types kept, dotted keys nest.
    let got = run(
        &mut m,
        "greet",
        &[
            "name=web",
            "ratio=2",
            "tags=[a, b]",
            "extra.kind=xz",
            "loud=yes",
        ],
    )?;
    assert_eq!(
        got,
        serde_json::json!({"name": "web", "times": 1, "ratio": 2, "loud": true,
                           "mode": "plain", "tags": ["a", "b"], "extra": {"kind": "xz"}})
    );
    // additionalProperties: true in actions.yaml lets unknown parameters through.
    let got = run(&mut m, "open", &["port=80", "note=hi"])?;
    assert_eq!(got, serde_json::json!({"port": 80, "note": "hi"}));

    // Invalid: Juju's messages, and the action does not run (no hook is numbered).
    let hooks_before = m.json()["hooks_run"].clone();
    for (pairs, want) in [
        (
            &["name=123"][..],
            "validation failed: (root).name : must be of type string, given 123",
        ),
        (
            &["name=web", "times=2.5"],
            "validation failed: (root).times : must be of type integer, given 2.5",
        ),
        (
            &["name=web", "times=9"],
            "validation failed: (root).times : must be lower than or equal to 5, given 9",
        ),
        (
            &["name=web", "loud=maybe"],
            "validation failed: (root).loud : must be of type boolean, given \"maybe\"",
        ),
        (
            &["name=web", "mode=odd"],
            "validation failed: (root).mode : must match one of the enum values [\"plain\",\"fancy\"], given \"odd\"",
        ),
        (
            &["name=web", "tags=[1]"],
            "validation failed: (root).tags.0 : must be of type string, given 1",
        ),
        (
            &["name=web", "extra=x"],
            "validation failed: (root).extra : must be of type object, given \"x\"",
        ),
        (
            &["times=2"],
            "validation failed: (root) : \"name\" property is missing and required, given {\"loud\":false,\"mode\":\"plain\",\"times\":2}",
        ),
        (
            &["name=web", "colour=red"],
            "validation failed: (root) : additional property \"colour\" is not allowed, given {\"colour\":\"red\",\"loud\":false,\"mode\":\"plain\",\"name\":\"web\",\"times\":1}",
        ),
    ] {
        let err = m.run_action("echo/0", "greet", &s(pairs)).unwrap_err();
        assert_eq!(err.to_string(), want, "{pairs:?}");
    }
    m.reopen()?;
    assert_eq!(
        m.json()["hooks_run"],
        hooks_before,
        "a refused action ran nothing"
    );

    // --string-args and a --params file, the pairs overriding the file.
    let file = root.join("params.yaml");
    std::fs::write(&file, "name: from-file\ntimes: 3\n")?;
    let args = ActionArgs {
        pairs: s(&["name=123"]),
        string_args: true,
        params_file: Some(file),
    };
    let result = m.step(|m| m.run_action_args("echo/0", "greet", &args))?;
    let got: serde_json::Value =
        serde_json::from_str(result.results["params"].as_str().unwrap_or_default())?;
    assert_eq!(got["name"], "123");
    assert_eq!(got["times"], 3);
    Ok(())
}
