//! Issue 16 items 1 and 2 at the command line: `reactive model status` laid out as
//! `juju status` (its Model, App, Unit and Machine sections, the leader starred, open
//! ports, charm text escaped), read by another process while a hook runs, and a command
//! that leaves failed hooks to automatic retries returning at once, saying when they are
//! due; `model-config` and `init --no-retry-hooks` turn the retries off.

use std::path::Path;
use std::time::{Duration, Instant};

use test_support::charm::{write_charm, KV};
use test_support::cli::{stderr, CliModel};
use test_support::tmp;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

fn init(root: &Path, extra: &[&str]) -> CliModel {
    let m = CliModel::new(REACTIVE, root.join("model"));
    let mut args = vec!["init", "--seed", "1"];
    args.extend_from_slice(extra);
    m.ok(&args);
    m
}

/// A unit's address, from the model's state (`show-unit`), not from the status.
fn address(m: &CliModel, unit: &str) -> String {
    let shown: serde_json::Value =
        serde_json::from_str(&m.ok_stdout(&["show-unit", unit])).expect("show-unit is JSON");
    shown["address"].as_str().unwrap_or_default().to_string()
}

/// The host's base as Juju writes it (`debian@12`), from /etc/os-release.
fn host_base() -> String {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_default()
    };
    format!("{}@{}", field("ID"), field("VERSION_ID"))
}

#[test]
fn item_1_the_status_table_is_laid_out_like_juju_status() {
    let root = tmp!("cli-status-table");
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = start ] && [ \"$(is-leader)\" = True ]; then\n  open-port 80\n  open-port 8000-8010/udp\n  application-version-set 1.2\nfi\nstatus-set active ok\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    let m = init(&root, &[]);
    m.ok(&["deploy", kv.to_str().unwrap(), "-n", "2"]);
    let (a0, a1) = (address(&m, "kv/0"), address(&m, "kv/1"));
    let base = host_base();
    let b = base.len().max(4);
    let expected = [
        "Model  Controller  Cloud/Region  Version  Seed".to_string(),
        "model  reactive    local         3.6.4    1".to_string(),
        String::new(),
        "App  Version  Status  Scale  Charm  Channel  Rev  Exposed  Message".to_string(),
        "kv   1.2      active      2  kv                0  no       ok".to_string(),
        String::new(),
        format!(
            "Unit   Workload  Agent  Machine  {:<14}  {:<20}  Message",
            "Public address", "Ports"
        ),
        format!(
            "kv/0*  active    idle   0        {a0:<14}  {:<20}  ok",
            "80/tcp 8000-8010/udp"
        ),
        format!("kv/1   active    idle   0        {a1:<14}  {:<20}  ok", ""),
        String::new(),
        format!(
            "Machine  State    Address    Inst id    {:<b$}  AZ  Message",
            "Base"
        ),
        format!("0        started  127.0.0.1  localhost  {base:<b$}      Running"),
    ]
    .join("\n")
        + "\n";
    assert_eq!(m.ok_stdout(&["status"]), expected);

    // json as Juju prints it: one line, Juju's keys.
    let json = m.ok_stdout(&["status", "--format", "json"]);
    assert_eq!(json.lines().count(), 1, "{json}");
    let doc: serde_json::Value = serde_json::from_str(&json).expect("status json");
    let unit = &doc["applications"]["kv"]["units"]["kv/0"];
    assert_eq!(
        unit["open-ports"],
        serde_json::json!(["80/tcp", "8000-8010/udp"])
    );
    assert_eq!(unit["juju-status"]["current"], "idle");
    assert_eq!(doc["applications"]["kv"]["charm"], "local:kv-0");
    let yaml: serde_json::Value =
        serde_yaml::from_str(&m.ok_stdout(&["status", "--format", "yaml"])).expect("status yaml");
    assert_eq!(yaml, doc, "yaml and json hold the same document");
}

#[test]
fn item_1_control_characters_in_a_status_are_escaped_in_the_table() {
    let root = tmp!("cli-status-escape");
    let dispatch =
        "#!/bin/sh\nstatus-set active \"$(printf 'red \\033[31mtext\\033[0m\\nnext')\"\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    let m = init(&root, &[]);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    let table = m.ok_stdout(&["status"]);
    assert!(
        !table.contains('\x1b'),
        "a raw escape reached the table: {table:?}"
    );
    assert!(
        table.contains("red \\x1b[31mtext\\x1b[0m\\nnext"),
        "{table}"
    );
    // The derived application status carries the same message, escaped too.
    let app_row = table
        .lines()
        .find(|l| l.starts_with("kv "))
        .unwrap_or_default();
    assert!(
        app_row.ends_with("red \\x1b[31mtext\\x1b[0m\\nnext"),
        "{table}"
    );
    // JSON keeps the text as the charm set it (escaped by JSON itself).
    let json = m.ok_stdout(&["status", "--format", "json"]);
    assert!(
        json.contains("red \\u001b[31mtext\\u001b[0m\\nnext"),
        "{json}"
    );
}

#[test]
fn item_1_another_command_sees_the_agent_executing_and_not_once_the_command_is_killed() {
    let root = tmp!("cli-status-executing");
    let ctl = root.join("ctl");
    std::fs::create_dir_all(&ctl).unwrap();
    let dispatch = format!(
        "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = install ]; then\n  touch {ctl}/started\n  n=0\n  while [ ! -f {ctl}/go ] && [ $n -lt 6000 ]; do sleep 0.1; n=$((n+1)); done\nfi\nexit 0\n",
        ctl = ctl.display()
    );
    let kv = write_charm(&root, "kv", KV, &dispatch);
    let m = init(&root, &[]);
    let mut deploy = m
        .command(&["deploy", kv.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("reactive model deploy starts");
    let deadline = Instant::now() + Duration::from_secs(300);
    while !ctl.join("started").exists() {
        assert!(Instant::now() < deadline, "install never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let table = m.ok_stdout(&["status"]);
    let row = table
        .lines()
        .find(|l| l.starts_with("kv/0*"))
        .unwrap_or_default()
        .to_string();
    assert!(row.contains(" executing "), "{table}");
    assert!(
        row.ends_with("(install) installing charm software"),
        "Juju names the hook before the message: {table}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&m.ok_stdout(&["status", "--format", "json"])).unwrap();
    assert_eq!(
        doc["applications"]["kv"]["units"]["kv/0"]["juju-status"]["message"],
        "running install hook"
    );
    // Killed outright: its record stays, but names a process that is gone.
    deploy.kill().unwrap();
    deploy.wait().unwrap();
    std::fs::write(ctl.join("go"), "").unwrap();
    let table = m.ok_stdout(&["status"]);
    assert!(!table.contains("executing"), "{table}");
    // The next command records the cut-short hook as failed, and it is retried like
    // any failed hook (item 2): due after 5s of model time, then it runs to the end.
    let next = m.ok(&["tick"]);
    assert!(
        stderr(&next)
            .contains("kv/0: install hook failed; retry in 5s (automatically-retry-hooks)"),
        "{}",
        stderr(&next)
    );
    m.ok(&["tick", "--advance", "5s"]);
    let doc: serde_json::Value =
        serde_json::from_str(&m.ok_stdout(&["status", "--format", "json"])).unwrap();
    assert_eq!(
        doc["applications"]["kv"]["units"]["kv/0"]["workload-status"]["current"], "unknown",
        "installed and started after the retry: {doc}"
    );
}

#[test]
fn item_2_a_command_leaves_failed_hooks_to_retries_and_says_when_they_are_due() {
    let root = tmp!("cli-retries");
    let dispatch = "#!/bin/sh\n[ \"$JUJU_HOOK_NAME\" = install ] && exit 1\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    let m = init(&root, &[]);
    let deployed = m.ok(&["deploy", kv.to_str().unwrap()]);
    assert!(
        stderr(&deployed)
            .lines()
            .any(|l| l == "kv/0: install hook failed; retry in 5s (automatically-retry-hooks)"),
        "{}",
        stderr(&deployed)
    );
    let ticked = m.ok(&["tick", "--advance", "5s"]);
    assert!(
        stderr(&ticked)
            .contains("kv/0: install hook failed; retry in 10s (automatically-retry-hooks)"),
        "{}",
        stderr(&ticked)
    );

    // `juju model-config`: list, one key, set.
    let listed = m.ok_stdout(&["model-config"]);
    assert_eq!(
        listed,
        "Attribute                  From     Value\n\
         automatically-retry-hooks  default  true\n\
         logging-config             default  <root>=INFO\n"
    );
    m.ok(&["model-config", "automatically-retry-hooks=false"]);
    assert_eq!(
        m.ok_stdout(&["model-config", "automatically-retry-hooks"]),
        "false\n"
    );
    let ticked = m.ok(&["tick", "--advance", "1h"]);
    assert!(!stderr(&ticked).contains("retry in"), "{}", stderr(&ticked));
    let bad = m.run(&["model-config", "automatically-retry-hooks=perhaps"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("automatically-retry-hooks: expected bool, got string(\"perhaps\")"),
        "{}",
        stderr(&bad)
    );

    // A model made without retries.
    let off = CliModel::new(REACTIVE, root.join("off"));
    off.ok(&["init", "--no-retry-hooks"]);
    let deployed = off.ok(&["deploy", kv.to_str().unwrap()]);
    assert!(
        !stderr(&deployed).contains("retry in"),
        "{}",
        stderr(&deployed)
    );
    assert!(stderr(&deployed).contains("units in error: kv/0"));
    assert_eq!(
        off.ok_stdout(&["model-config", "automatically-retry-hooks"]),
        "false\n"
    );
}
