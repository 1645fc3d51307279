//! `reactive model …` as a user runs it: what each verb prints, on which stream, and its
//! exit code. What the model does is tested through its library in
//! framework/model/tests; here, only the command's surface. Test charms are plain
//! directories whose `dispatch` is a shell script.

use test_support::charm::{write_charm, KV, NOOP, WEB};
use test_support::cli::{stderr, stdout, CliModel};
use test_support::{tmp, write_file};

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

/// `reactive model init --seed <seed>` in `<root>/model`.
fn init(root: &std::path::Path, seed: u64) -> CliModel {
    let m = CliModel::new(REACTIVE, root.join("model"));
    let out = m.ok_stdout(&["init", "--seed", &seed.to_string()]);
    assert_eq!(
        out,
        format!(
            "model model in {} (seed {seed}, provider local)\n",
            m.dir.display()
        )
    );
    m
}

#[test]
fn init_twice_is_an_error_and_commands_without_a_model_say_to_init() {
    let root = tmp!("cli-model-init");
    let m = init(&root, 1);
    let again = m.run(&["init"]);
    assert_ne!(again.status.code(), Some(0));
    assert!(
        stderr(&again).contains("a model already exists in"),
        "{}",
        stderr(&again)
    );
    let none = CliModel::new(REACTIVE, root.join("none"));
    for args in [vec!["status"], vec!["tick"]] {
        let o = none.run(&args);
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        assert!(
            stderr(&o).contains("(run `reactive model init` first?)"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    // `--jobs` is bounded by clap.
    let o = CliModel::new(REACTIVE, root.join("jobs")).run(&["init", "--jobs", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_failed_hook_shows_in_status_and_resolve_retries_it() {
    let root = tmp!("cli-model-fail-resolve");
    // config-changed fails until the `allow` file exists.
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = config-changed ]; then\n  relation-set -r cluster:0 answer=42 || exit 3\n  [ -f \"$CHARM_DIR/../../../allow\" ] || exit 1\nfi\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    let m = init(&root, 1);
    let deployed = m.ok(&["deploy", kv.to_str().unwrap()]);
    // A hook failing is not the command failing: it says so on stderr.
    let err = stderr(&deployed);
    assert!(err.contains("deployed kv (1 unit)"), "{err}");
    assert!(err.contains("settled after"), "{err}");
    assert!(
        err.contains(
            "units in error: kv/0 (see `reactive model debug-log`, then `reactive model resolve`)"
        ),
        "{err}"
    );
    let status = m.ok_stdout(&["status"]);
    assert!(
        status.contains("error") && status.contains("hook failed: \"config-changed\""),
        "{status}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&m.ok_stdout(&["show-unit", "kv/0"])).unwrap();
    assert_eq!(shown["agent"]["state"], "error");

    write_file(m.dir.join("allow"), "");
    let resolved = m.ok(&["resolve", "kv/0"]);
    assert!(!stderr(&resolved).contains("units in error"));
    assert_eq!(m.files().state()["units"]["kv/0"]["agent"]["state"], "idle");
}

#[test]
fn status_prints_tables_json_and_yaml_and_refuses_other_formats() {
    let root = tmp!("cli-model-status");
    let kv = write_charm(
        &root,
        "kv",
        KV,
        "#!/bin/sh\n[ \"$JUJU_HOOK_NAME\" = install ] && application-version-set 1.2.3\nexit 0\n",
    );
    let m = init(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap(), "-n", "2"]);
    let table = m.ok_stdout(&["status"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("Model") && lines[1].starts_with("model"),
        "{table}"
    );
    assert!(table.contains("kv/0*"), "the leader is starred: {table}");
    // Every rendering shows the application's version, from the one status document.
    let kv_row = lines.iter().find(|l| l.starts_with("kv ")).unwrap();
    assert!(kv_row.contains("1.2.3"), "{table}");
    let doc: serde_json::Value =
        serde_json::from_str(&m.ok_stdout(&["status", "--format", "json"])).unwrap();
    assert_eq!(doc["model"]["name"], "model");
    assert_eq!(
        doc["applications"]["kv"]["units"]
            .as_object()
            .map(|u| u.len()),
        Some(2)
    );
    assert_eq!(doc["applications"]["kv"]["units"]["kv/0"]["leader"], true);
    assert_eq!(doc["applications"]["kv"]["version"], "1.2.3");
    let yaml = m.ok_stdout(&["status", "--format", "yaml"]);
    assert!(
        yaml.contains("applications:") && yaml.contains("kv/1:") && yaml.contains("version: 1.2.3"),
        "{yaml}"
    );
    let o = m.run(&["status", "--format", "xml"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("unknown format \"xml\": use tabular, json or yaml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_input_is_a_one_line_error_and_leaves_the_model_unchanged() {
    let root = tmp!("cli-model-bad-input");
    let kv = write_charm(&root, "kv", KV, NOOP);
    write_file(
        kv.join("config.yaml"),
        "options:\n  port: {type: int, default: 1}\n",
    );
    let web = write_charm(&root, "web", WEB, NOOP);
    let other = write_charm(
        &root,
        "other",
        "name: other\nsummary: s\ndescription: d\nrequires:\n  db: {interface: mysql}\n",
        NOOP,
    );
    let m = init(&root, 1);
    for charm in [&kv, &web, &other] {
        m.ok(&["deploy", charm.to_str().unwrap()]);
    }
    let before = m.files().state_text();
    let not_a_charm = tmp!("cli-model-not-a-charm");
    for (args, want) in [
        (vec!["remove-unit", "kv/9"], "unit \"kv/9\" not found"),
        (
            vec!["config", "nosuch", "a=b"],
            "application \"nosuch\" not found",
        ),
        (
            vec!["relate", "kv:nosuch", "web:database"],
            "application \"kv\" has no endpoint \"nosuch\"",
        ),
        (
            vec!["relate", "kv:db", "other:db"],
            "no compatible endpoints",
        ),
        (
            vec!["relate", "kv:db", "kv:db"],
            "cannot relate application \"kv\" to itself",
        ),
        (
            vec!["config", "kv", "port=eighty"],
            "option \"port\" expected int, got \"eighty\"",
        ),
        (
            vec!["deploy", not_a_charm.to_str().unwrap()],
            "is not a charm: it has no metadata.yaml",
        ),
        (
            vec!["run", "kv/0", "backup", "target"],
            "argument \"target\" must be of the form key.key.key...=value",
        ),
    ] {
        let o = m.run(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(want),
            "{args:?}: {err}"
        );
        assert_eq!(m.files().state_text(), before, "{args:?} changed the model");
    }
    // `config <app>` alone prints the effective config.
    let config: serde_json::Value = serde_json::from_str(&m.ok_stdout(&["config", "kv"])).unwrap();
    assert_eq!(config["port"], 1);
}

#[test]
fn a_failed_action_prints_its_result_and_fails_the_command() {
    let root = tmp!("cli-model-actions");
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_ACTION_NAME\" = backup ]; then\n  action-set target=\"$(action-get target)\"\n  state-set done=yes\n  action-fail partial\nfi\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    write_file(
        kv.join("actions.yaml"),
        "backup:\n  params:\n    target: {type: string, default: s3}\n",
    );
    let m = init(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    let o = m.run(&["run", "kv/0", "backup"]);
    assert_ne!(
        o.status.code(),
        Some(0),
        "a failed action fails the command"
    );
    let out = stdout(&o);
    assert!(
        out.contains("target: s3") && out.contains("status: failed") && out.contains("partial"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("error: action backup failed on kv/0: partial"),
        "{}",
        stderr(&o)
    );
    // Parameters given on the command line override the schema's defaults.
    let local = stdout(&m.run(&["run", "kv/0", "backup", "target=local"]));
    assert!(local.contains("target: local"), "{local}");
}

#[test]
fn a_failed_upgrade_names_the_unit_and_fails_the_command() {
    let root = tmp!("cli-model-upgrade");
    let v1 = write_charm(&root, "kv", KV, NOOP);
    let m = init(&root, 1);
    m.ok(&["deploy", v1.to_str().unwrap(), "-n", "3"]);
    let v2 = write_charm(&root, "kv-v2", KV, "#!/bin/sh\n# v2\nexit 0\n");
    let blocker = m.dir.join("units/unit-kv-2/charm.old");
    write_file(blocker.join("leftover"), "x");
    let out = m.run(&["upgrade", "kv", v2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unit-kv-2"), "{}", stderr(&out));
    std::fs::remove_dir_all(&blocker).unwrap();
    m.ok(&["upgrade", "kv", v2.to_str().unwrap()]);
}

#[test]
fn add_unit_remove_unit_unrelate_and_tick_settle_and_say_so() {
    let root = tmp!("cli-model-verbs");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let web = write_charm(&root, "web", WEB, NOOP);
    let m = init(&root, 1);
    let deployed = m.ok(&["deploy", kv.to_str().unwrap(), "store", "-n", "2"]);
    assert!(
        stderr(&deployed).contains("deployed store (2 units)"),
        "{}",
        stderr(&deployed)
    );
    m.ok(&["deploy", web.to_str().unwrap()]);
    for args in [
        vec!["add-unit", "store"],
        vec!["relate", "store:db", "web"],
        vec!["unrelate", "store:db", "web:database"],
        vec!["remove-unit", "store/1"],
        vec!["tick"],
    ] {
        let o = m.ok(&args);
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
        assert!(
            stderr(&o).starts_with("settled after "),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let log = m.ok_stdout(&["debug-log", "--replay", "--unit", "store/0"]);
    assert!(
        !log.is_empty() && log.lines().all(|l| l.starts_with("unit-store-0: ")),
        "{log}"
    );
}

#[test]
fn ssh_runs_in_the_units_charm_directory_and_exits_with_the_commands_code() {
    let root = tmp!("cli-model-ssh");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let m = init(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    let pwd = m.ok_stdout(&["ssh", "kv/0", "--", "sh", "-c", "pwd; echo $JUJU_UNIT_NAME"]);
    assert_eq!(
        pwd,
        format!("{}\nkv/0\n", m.dir.join("units/unit-kv-0/charm").display())
    );
    let o = m.run(&["ssh", "kv/0", "--", "sh", "-c", "exit 7"]);
    assert_eq!(o.status.code(), Some(7));
    let o = m.run(&["ssh", "kv/0"]);
    assert_eq!(o.status.code(), Some(2), "a command is required");
}

#[test]
fn destroy_removes_only_what_the_model_made() {
    let root = tmp!("cli-model-destroy");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let m = init(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    write_file(m.dir.join("notes.txt"), "mine");
    let out = m.ok_stdout(&["destroy"]);
    assert_eq!(out, format!("destroyed {}\n", m.dir.display()));
    assert!(m.dir.join("notes.txt").exists());
    assert!(!m.dir.join("model.json").exists() && !m.dir.join("units").exists());
}

#[test]
fn without_model_reactive_model_or_home_there_is_no_default_model() {
    let o = std::process::Command::new(REACTIVE)
        .args(["model", "status"])
        .env_remove("REACTIVE_MODEL")
        .env("XDG_DATA_HOME", "")
        .env_remove("HOME")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: no model directory: set REACTIVE_MODEL, XDG_DATA_HOME or HOME, or pass --model\n"
    );
}

#[test]
fn subcommand_help_describes_every_argument() {
    let o = std::process::Command::new(REACTIVE)
        .args(["model", "deploy", "--help"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let help = stdout(&o);
    for want in [
        "The built charm's directory",
        "The application's name [default: the charm's name]",
        "How many units",
    ] {
        assert!(help.contains(want), "{want:?} missing from:\n{help}");
    }
}

#[test]
fn reactive_called_as_a_tool_with_an_argument_that_is_not_utf8_does_not_panic() {
    use std::os::unix::ffi::OsStrExt;
    let root = tmp!("cli-tool-non-utf8");
    let tool = root.join("relation-set");
    std::os::unix::fs::symlink(REACTIVE, &tool).unwrap();
    let o = std::process::Command::new(&tool)
        .arg(std::ffi::OsStr::from_bytes(b"v=a\xffb"))
        .env_remove("JUJU_CONTEXT_ID")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "ERROR JUJU_CONTEXT_ID not set\n");
}

/// `reactive model <args>` with the default hook-tool lookup (no `REACTIVE_HOOK_TOOL`).
fn run_default_lookup(m: &CliModel, args: &[&str]) -> std::process::Output {
    let o = m
        .command(args)
        .env_remove("REACTIVE_HOOK_TOOL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

#[test]
fn without_an_override_the_hook_tool_is_the_one_beside_reactive_else_reactive_itself() {
    // The cli package's tests cannot have cargo build the model's `reactive-hook-tool`
    // (CARGO_BIN_EXE_ covers only this package's binaries, and artifact dependencies are
    // unstable), so `reactive` is copied into folders of its own, alone or beside a
    // stand-in hook tool, and the lookup is observed through the copy the model takes.
    let root = tmp!("cli-hook-tool-lookup");
    let charm = write_charm(
        &root,
        "kv",
        KV,
        "#!/bin/sh\nset -e\n[ \"$JUJU_HOOK_NAME\" = start ] && status-set active looked-up\nexit 0\n",
    );
    let charm = charm.to_str().unwrap();
    let alone = root.join("alone/reactive");
    let beside = root.join("beside/reactive");
    for exe in [&alone, &beside] {
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::copy(REACTIVE, exe).unwrap();
    }
    // A stand-in `reactive-hook-tool`: records that it ran, then answers as `reactive`
    // does under the tool's name.
    let marker = root.join("stand-in-ran");
    let stand_in = root.join("beside/reactive-hook-tool");
    test_support::write_executable(
        &stand_in,
        &format!(
            "#!/bin/bash\necho \"$(basename \"$0\")\" >> {}\nexec -a \"$(basename \"$0\")\" {} \"$@\"\n",
            marker.display(),
            beside.display()
        ),
    );
    for (exe, tool) in [(&alone, &alone), (&beside, &stand_in)] {
        let m = CliModel::new(exe, exe.with_file_name("model"));
        run_default_lookup(&m, &["init"]);
        let copy = m.dir.join("tools/reactive-hook-tool");
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            std::fs::read(tool).unwrap(),
            "{} is a copy of {}",
            copy.display(),
            tool.display()
        );
        run_default_lookup(&m, &["deploy", charm]);
        let status = stdout(&run_default_lookup(&m, &["status"]));
        assert!(status.contains("looked-up"), "{status}");
    }
    assert_eq!(test_support::read(&marker), "status-set\n");
}

/// A value no status, log, unit or error may show; only `show-secret --reveal` does.
const SENTINEL: &str = "SENTINEL-5f3a9c";

#[test]
fn secrets_and_show_secret_print_metadata_and_only_reveal_prints_the_content() {
    let root = tmp!("cli-model-secrets");
    // The first tick adds a secret (and makes calls whose errors could echo it); the
    // next reads it and fails, so the unit shows an error.
    let dispatch = format!(
        "#!/bin/sh\nctl=\"$CHARM_DIR/../../..\"\nif [ \"$JUJU_HOOK_NAME\" = update-status ] && [ ! -f \"$ctl/id\" ]; then\n  secret-add --label db-pass --rotate hourly --description 'the password' password={SENTINEL} > \"$ctl/id\" || exit 1\n  secret-get \"$(cat \"$ctl/id\")\" missing\n  secret-set \"$(cat \"$ctl/id\")\" Bad-Key=x\nelif [ \"$JUJU_HOOK_NAME\" = update-status ]; then\n  secret-get \"$(cat \"$ctl/id\")\" > /dev/null\n  exit 1\nfi\nexit 0\n"
    );
    let kv = write_charm(&root, "kv", KV, &dispatch);
    let m = init(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    m.ok(&["tick"]);
    let uri = std::fs::read_to_string(m.dir.join("id")).unwrap();
    let id = uri.trim().strip_prefix("secret:").unwrap().to_string();
    assert_eq!(id.len(), 20, "{uri:?}");

    // `juju secrets`: Juju's table (two spaces between columns, the revision
    // right-aligned), the age from the model clock.
    let table = m.ok_stdout(&["secrets"]);
    assert_eq!(
        table,
        format!(
            "{:<20}  {:<4}  {:<5}  {:<8}  {:>8}  Last updated\n{id}  {:<4}  {:<5}  {:<8}  {:>8}  now\n",
            "ID", "Name", "Owner", "Rotation", "Revision", "-", "kv", "hourly", 1
        )
    );
    // The clock moves with tick --advance (the second tick also fails the hook).
    m.ok(&["tick", "--advance", "10m"]);
    assert!(
        m.ok_stdout(&["secrets"]).ends_with("10 minutes ago\n"),
        "{}",
        m.ok_stdout(&["secrets"])
    );
    let yaml = m.ok_stdout(&["secrets", "--format", "yaml"]);
    assert_eq!(
        yaml,
        format!("{id}:\n  revision: 1\n  rotation: hourly\n  rotates: 2025-01-01T01:00:00Z\n  owner: kv\n  description: the password\n  label: db-pass\n  created: 2025-01-01T00:00:00Z\n  updated: 2025-01-01T00:00:00Z\n")
    );
    let json = m.ok_stdout(&["secrets", "--format", "json"]);
    assert_eq!(
        json,
        format!("{{\"{id}\":{{\"revision\":1,\"rotation\":\"hourly\",\"rotates\":\"2025-01-01T01:00:00Z\",\"owner\":\"kv\",\"description\":\"the password\",\"label\":\"db-pass\",\"created\":\"2025-01-01T00:00:00Z\",\"updated\":\"2025-01-01T00:00:00Z\"}}}}\n")
    );

    // show-secret by id, URI or label: metadata; --reveal adds the content.
    for query in [id.as_str(), uri.trim(), "db-pass"] {
        let shown = m.ok_stdout(&["show-secret", query]);
        assert!(
            shown.starts_with(&format!("{id}:\n  revision: 1\n")),
            "{shown}"
        );
        assert!(!shown.contains(SENTINEL), "{shown}");
    }
    let revealed = m.ok_stdout(&["show-secret", &id, "--reveal"]);
    assert!(
        revealed.ends_with(&format!("  content:\n    password: {SENTINEL}\n")),
        "{revealed}"
    );
    let revealed = m.ok_stdout(&["show-secret", &id, "--reveal", "--format", "json"]);
    assert!(
        revealed.contains(&format!("\"content\":{{\"password\":\"{SENTINEL}\"}}")),
        "{revealed}"
    );
    let revisions = m.ok_stdout(&["show-secret", &id, "--revisions"]);
    assert!(
        revisions.ends_with("  revisions:\n  - revision: 1\n    created: 2025-01-01T00:00:00Z\n    updated: 2025-01-01T00:00:00Z\n"),
        "{revisions}"
    );

    // Errors: Juju's messages, exit code 1, never the content.
    let mut outputs = Vec::new();
    for (args, want) in [
        (vec!["show-secret", "nope"], "secret \"nope\" not found"),
        (
            vec!["show-secret", &id, "--reveal", "--revisions"],
            "specify either --revisions or --reveal but not both",
        ),
        (
            vec!["secrets", "--format", "xml"],
            "unknown format \"xml\": use yaml or json",
        ),
    ] {
        let o = m.run(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        outputs.push(stdout(&o) + &stderr(&o));
    }

    // Nowhere else: status in every format, show-unit, debug-log, the state file.
    let status = m.ok_stdout(&["status"]);
    assert!(
        status.contains("hook failed: \"update-status\""),
        "{status}"
    );
    for format in ["tabular", "json", "yaml"] {
        outputs.push(m.ok_stdout(&["status", "--format", format]));
    }
    outputs.push(m.ok_stdout(&["show-unit", "kv/0"]));
    let debug_log = m.ok_stdout(&["debug-log", "--replay"]);
    assert!(
        debug_log.contains("ERROR secret key value \"missing\" not found"),
        "{debug_log}"
    );
    outputs.push(debug_log);
    outputs.push(m.files().state_text());
    outputs.push(m.files().log());
    for text in outputs {
        assert!(!text.contains(SENTINEL), "{text}");
    }
}
