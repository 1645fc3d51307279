//! The local model end to end through its library: Juju's worked hook traces (a peer
//! deploy, relating, removing a unit, removing the leader), seeds and interleavings,
//! failed hooks and resolve, charmhelpers hooks, actions, upgrades, destroy, and bad input.
//! Test charms are plain directories whose `dispatch` is a shell script; the hook log
//! records what ran.

use std::path::Path;

use charms_reactive_model::{Helpers, Model, Resolve};
use test_support::charm::{write_charm, KV, NOOP, WEB};
use test_support::{strings as s, tmp, TestModel};

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

fn new_model(root: &Path, seed: u64) -> anyhow::Result<TestModel> {
    TestModel::init(&helpers(), root, seed, None)
}

#[test]
fn trace_a_three_unit_peer_deploy() -> anyhow::Result<()> {
    let root = tmp!("model-trace-a");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&kv, None, 3))?;
    assert_eq!(
        m.trace("kv/0"),
        s(&[
            "install",
            "cluster-relation-created",
            "leader-elected",
            "config-changed",
            "start",
            "cluster-relation-joined(kv/1)",
            "cluster-relation-changed(kv/1)",
            "cluster-relation-joined(kv/2)",
            "cluster-relation-changed(kv/2)"
        ])
    );
    for (unit, others) in [("kv/1", ["kv/0", "kv/2"]), ("kv/2", ["kv/0", "kv/1"])] {
        let mut want = s(&[
            "install",
            "cluster-relation-created",
            "leader-settings-changed",
            "config-changed",
            "start",
        ]);
        for o in others {
            want.push(format!("cluster-relation-joined({o})"));
            want.push(format!("cluster-relation-changed({o})"));
        }
        assert_eq!(m.trace(unit), want, "{unit}");
    }
    Ok(())
}

#[test]
fn traces_b_c_d_relate_remove_a_unit_remove_the_leader() -> anyhow::Result<()> {
    let root = tmp!("model-trace-bcd");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let web = write_charm(&root, "web", WEB, NOOP);
    let mut m = new_model(&root, 7)?;
    m.step(|m| m.deploy(&kv, None, 3))?;
    m.step(|m| m.deploy(&web, None, 1))?;
    assert_eq!(
        m.trace("web/0"),
        s(&["install", "leader-elected", "config-changed", "start"])
    );

    // (b) relate kv:db web:database
    m.clear_log();
    m.step(|m| m.relate("kv:db", "web:database"))?;
    for unit in ["kv/0", "kv/1", "kv/2"] {
        assert_eq!(
            m.trace(unit),
            s(&[
                "db-relation-created",
                "db-relation-joined(web/0)",
                "db-relation-changed(web/0)"
            ]),
            "{unit}"
        );
    }
    assert_eq!(
        m.trace("web/0"),
        s(&[
            "database-relation-created",
            "database-relation-joined(kv/0)",
            "database-relation-changed(kv/0)",
            "database-relation-joined(kv/1)",
            "database-relation-changed(kv/1)",
            "database-relation-joined(kv/2)",
            "database-relation-changed(kv/2)"
        ])
    );

    // (c) remove-unit kv/2 (not the leader)
    m.clear_log();
    m.step(|m| m.remove_unit("kv/2"))?;
    assert_eq!(
        m.trace("kv/2"),
        s(&[
            "db-relation-departed(web/0)",
            "db-relation-broken",
            "cluster-relation-departed(kv/0)",
            "cluster-relation-departed(kv/1)",
            "stop",
            "remove"
        ])
    );
    assert_eq!(m.trace("kv/0"), s(&["cluster-relation-departed(kv/2)"]));
    assert_eq!(m.trace("kv/1"), s(&["cluster-relation-departed(kv/2)"]));
    assert_eq!(m.trace("web/0"), s(&["database-relation-departed(kv/2)"]));
    assert!(m.json()["units"].get("kv/2").is_none());

    // (d) remove-unit kv/0 (the leader): it resigns; kv/1 is elected after it is gone.
    m.step(|m| m.add_unit("kv", 1))?;
    m.clear_log();
    m.step(|m| m.remove_unit("kv/0"))?;
    assert_eq!(
        m.trace("kv/0"),
        s(&[
            "db-relation-departed(web/0)",
            "db-relation-broken",
            "cluster-relation-departed(kv/1)",
            "cluster-relation-departed(kv/3)",
            "stop",
            "remove"
        ])
    );
    assert_eq!(
        m.trace("kv/1"),
        s(&["cluster-relation-departed(kv/0)", "leader-elected"])
    );
    assert_eq!(
        m.trace("kv/3"),
        s(&["cluster-relation-departed(kv/0)", "leader-settings-changed"])
    );
    assert_eq!(m.trace("web/0"), s(&["database-relation-departed(kv/0)"]));
    assert_eq!(m.json()["applications"]["kv"]["leader"], "kv/1");
    Ok(())
}

#[test]
fn the_same_seed_gives_the_same_log_and_another_seed_another_interleaving() -> anyhow::Result<()> {
    let run = |name: &str, seed: u64, jobs: Option<u32>| -> anyhow::Result<_> {
        let root = tmp!(format!("model-seed-{name}"));
        let kv = write_charm(&root, "kv", KV, NOOP);
        let mut m = TestModel::init(&helpers(), &root, seed, jobs)?;
        m.step(|m| m.deploy(&kv, None, 3))?;
        let traces: Vec<Vec<String>> = ["kv/0", "kv/1", "kv/2"]
            .iter()
            .map(|u| m.trace(u))
            .collect();
        let mut status = serde_json::to_value(m.status())?;
        status["model"]["seed"] = serde_json::Value::Null;
        Ok((m.log(), traces, status))
    };
    // Hooks of several units run at the same time by default; the log still depends
    // only on the seed (and the number of jobs), not on which hook finishes first.
    let (log1, traces1, status1) = run("1a", 1, None)?;
    let (log1b, _, _) = run("1b", 1, None)?;
    let (log2, traces2, status2) = run("2", 2, None)?;
    assert_eq!(log1, log1b, "same seed, same hook log");
    assert_ne!(log1, log2, "another seed interleaves differently");
    assert_eq!(traces1, traces2, "each unit's own trace is the same");
    assert_eq!(status1, status2, "and so is the final state");
    // One hook at a time: another interleaving, the same outcome.
    let (log_serial, traces_serial, status_serial) = run("1-serial", 1, Some(1))?;
    let (log_serial_b, _, _) = run("1-serial-b", 1, Some(1))?;
    assert_eq!(
        log_serial, log_serial_b,
        "same seed and jobs, same hook log"
    );
    assert_ne!(
        log_serial, log1,
        "one job interleaves differently from eight"
    );
    assert_eq!(traces_serial, traces1);
    assert_eq!(status_serial, status1);
    Ok(())
}

#[test]
fn a_hook_failing_after_relation_set_commits_nothing_and_resolve_retries_it() -> anyhow::Result<()>
{
    let root = tmp!("model-fail-resolve");
    // config-changed writes relation data, then fails until the `allow` file exists.
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = config-changed ]; then\n  relation-set -r cluster:0 answer=42 || exit 3\n  [ -f \"$CHARM_DIR/../../../allow\" ] || exit 1\nfi\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    let mut m = new_model(&root, 1)?;
    let settled = {
        m.deploy(&kv, None, 1)?;
        m.settle()?
    };
    assert_eq!(settled.errors, s(&["kv/0"]));
    let state = m.json();
    assert_eq!(state["units"]["kv/0"]["agent"]["state"], "error");
    assert_eq!(
        state["units"]["kv/0"]["agent"]["hook"]["name"],
        "config-changed"
    );
    assert!(
        state["relations"]["0"]["unit_data"]["kv/0"]["data"]
            .get("answer")
            .is_none(),
        "nothing committed"
    );
    let status = serde_json::to_value(m.status())?;
    let shown = &status["applications"]["kv"]["units"]["kv/0"]["workload-status"];
    assert_eq!(shown["current"], "error");
    assert_eq!(shown["message"], "hook failed: \"config-changed\"");
    assert_eq!(
        m.trace("kv/0").last().map(String::as_str),
        Some("config-changed"),
        "later hooks are held"
    );

    std::fs::write(m.dir().join("allow"), "")?;
    m.step(|m| m.resolve("kv/0", Resolve::Retry))?;
    let state = m.json();
    assert_eq!(state["units"]["kv/0"]["agent"]["state"], "idle");
    assert_eq!(
        state["relations"]["0"]["unit_data"]["kv/0"]["data"]["answer"],
        "42"
    );
    let trace = m.trace("kv/0");
    assert_eq!(&trace[trace.len() - 2..], ["config-changed", "start"]);
    Ok(())
}

#[test]
fn bad_input_is_an_error_naming_what_is_wrong_and_leaves_the_model_unchanged() -> anyhow::Result<()>
{
    let root = tmp!("model-bad-input");
    let kv = write_charm(&root, "kv", KV, NOOP);
    std::fs::write(
        kv.join("config.yaml"),
        "options:\n  port: {type: int, default: 1}\n",
    )?;
    let web = write_charm(&root, "web", WEB, NOOP);
    let other = write_charm(
        &root,
        "other",
        "name: other\nsummary: s\ndescription: d\nrequires:\n  db: {interface: mysql}\n",
        NOOP,
    );
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&kv, None, 1))?;
    m.step(|m| m.deploy(&web, None, 1))?;
    m.step(|m| m.deploy(&other, None, 1))?;
    std::fs::write(
        kv.join("actions.yaml"),
        "backup:\n  params:\n    target: {type: string}\n  required: [target]\n",
    )?;
    m.step(|m| m.upgrade("kv", &kv))?;
    // A socket in the charm cannot be copied: adding a unit fails after the
    // application's unit counter and list were already touched in memory.
    let _socket = std::os::unix::net::UnixListener::bind(kv.join("agent.sock"))?;
    let before = m.files.state_text();
    let before_state = serde_json::to_value(m.state())?;
    let not_a_charm = tmp!("model-not-a-charm");
    type Change = Box<dyn Fn(&mut Model) -> anyhow::Result<()>>;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "remove-unit kv/9",
            Box::new(|m| m.remove_unit("kv/9")),
            "unit \"kv/9\" not found",
        ),
        (
            "config nosuch a=b",
            Box::new(|m| m.config("nosuch", &s(&["a=b"]))),
            "application \"nosuch\" not found",
        ),
        (
            "relate kv:nosuch web:database",
            Box::new(|m| m.relate("kv:nosuch", "web:database").map(|_| ())),
            "application \"kv\" has no endpoint \"nosuch\"",
        ),
        (
            "relate kv:db other:db",
            Box::new(|m| m.relate("kv:db", "other:db").map(|_| ())),
            "no compatible endpoints",
        ),
        (
            "config kv port=eighty",
            Box::new(|m| m.config("kv", &s(&["port=eighty"]))),
            "option \"port\" expected int, got \"eighty\"",
        ),
        (
            "deploy <not a charm>",
            Box::new(move |m| m.deploy(&not_a_charm, None, 1).map(|_| ())),
            "is not a charm: it has no metadata.yaml",
        ),
        (
            "run kv/0 backup (no target)",
            Box::new(|m| m.run_action("kv/0", "backup", &[]).map(|_| ())),
            "validation failed: (root) : \"target\" property is missing and required, given {}",
        ),
        (
            "add-unit kv (uncopyable charm)",
            Box::new(|m| m.add_unit("kv", 1).map(|_| ())),
            "agent.sock",
        ),
        (
            "deploy kv as kv2 (uncopyable charm)",
            Box::new(move |m| m.deploy(&kv, Some("kv2"), 1).map(|_| ())),
            "agent.sock",
        ),
    ];
    for (what, change, want) in cases {
        let err = match m.step(|m| change(m)) {
            Ok(()) => panic!("{what} succeeded"),
            Err(e) => format!("{e:#}"),
        };
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
        assert!(err.contains(want), "{what}: {err}");
        assert_eq!(m.files.state_text(), before, "{what} changed the model");
        // Also in memory: the next settle saves whatever the state holds.
        assert_eq!(
            serde_json::to_value(m.state())?,
            before_state,
            "{what} changed the model in memory"
        );
    }
    Ok(())
}

#[test]
fn hooks_written_with_charmhelpers_work_unchanged() -> anyhow::Result<()> {
    let repo = test_support::repo_root();
    let out = test_support::run_ok(
        std::process::Command::new("bash").arg(repo.join("tests/model/charmhelpers-venv.sh")),
    );
    let python = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let root = tmp!("model-charmhelpers");
    let template = std::fs::read_to_string(repo.join("tests/model/charmhelpers_hook.py"))?;
    let script = format!(
        "#!{python}\n{}",
        template.replace("@SITE@", &repo.join("bench/python-site").to_string_lossy())
    );
    let meta = "name: chk\nsummary: s\ndescription: d\npeers:\n  cluster: {interface: chk-peers}\n";
    let dir = write_charm(&root, "chk", meta, &script);
    std::fs::write(
        dir.join("config.yaml"),
        "options:\n  greeting: {type: string, default: hello}\n",
    )?;
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&dir, None, 2))?;
    m.step(|m| m.config("chk", &s(&["greeting=hi"])))?;
    let state = m.json();
    for u in ["chk/0", "chk/1"] {
        assert_eq!(
            state["units"][u]["agent"]["state"],
            "idle",
            "{u}: {}",
            m.files.debug_log()
        );
        assert_eq!(
            state["relations"]["0"]["unit_data"][u]["data"]["greeting"], "hi",
            "relation_set from {u}"
        );
    }
    assert_eq!(
        state["applications"]["chk"]["leader_settings"]["data"]["token"],
        "from-the-leader"
    );
    assert_eq!(
        state["units"]["chk/1"]["status"]["message"],
        "chk/0 says hi; token from-the-leader"
    );
    assert_eq!(
        state["units"]["chk/0"]["status"]["message"],
        "chk/1 says hi; token from-the-leader"
    );
    let debug = m.files.debug_log();
    assert!(
        debug.contains(" INFO unit.chk/0.juju-log greeting is hi\n"),
        "{debug}"
    );
    // The debug log's lines of one unit, as `reactive model debug-log --unit` reads them.
    let mine = m.debug_log(Some("chk/0"))?;
    assert!(
        !mine.is_empty() && mine.iter().all(|l| l.starts_with("chk/0 ")),
        "{mine:?}"
    );
    Ok(())
}

#[test]
fn leader_set_without_change_fires_nothing_and_new_units_skip_upgrade_charm() -> anyhow::Result<()>
{
    let root = tmp!("model-leader-set-noop");
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$(is-leader --format=json)\" = true ]; then leader-set k=v; fi\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&kv, None, 2))?;
    m.clear_log();
    m.step(|m| {
        m.tick();
        Ok(())
    })?;
    // Which of the two runs first depends on the interleaving.
    let mut first = m.trace("kv/1");
    first.sort();
    assert_eq!(first, s(&["leader-settings-changed", "update-status"]));
    m.clear_log();
    m.step(|m| {
        m.tick();
        Ok(())
    })?;
    assert_eq!(
        m.trace("kv/1"),
        s(&["update-status"]),
        "the same value again changes nothing"
    );

    // A unit added after an upgrade is installed from the new charm: no upgrade-charm.
    m.step(|m| m.upgrade("kv", &kv))?;
    m.clear_log();
    m.step(|m| m.add_unit("kv", 1))?;
    assert!(
        !m.trace("kv/2").iter().any(|h| h == "upgrade-charm"),
        "{:?}",
        m.trace("kv/2")
    );
    Ok(())
}

#[test]
fn a_removed_units_relation_data_stays_readable_and_self_relations_are_refused(
) -> anyhow::Result<()> {
    let root = tmp!("model-removed-data");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&kv, None, 2))?;
    m.step(|m| m.remove_unit("kv/1"))?;
    let state = m.json();
    assert!(state["units"].get("kv/1").is_none());
    assert!(
        state["relations"]["0"]["unit_data"]["kv/1"]["data"]["private-address"].is_string(),
        "a departed unit's data stays readable to the units still in the relation"
    );
    let err = m.relate("kv:db", "kv:db").map(|_| ()).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot relate application \"kv\" to itself"),
        "{err}"
    );
    Ok(())
}

#[test]
fn actions_get_schema_defaults_and_action_fail_still_commits() -> anyhow::Result<()> {
    let root = tmp!("model-actions");
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_ACTION_NAME\" = backup ]; then\n  action-set target=\"$(action-get target)\"\n  state-set done=yes\n  action-fail partial\nfi\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    std::fs::write(
        kv.join("actions.yaml"),
        "backup:\n  params:\n    target: {type: string, default: s3}\n",
    )?;
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&kv, None, 1))?;
    let result = m.step(|m| m.run_action("kv/0", "backup", &[]))?;
    assert_eq!(result.status, "failed");
    assert_eq!(result.message.as_deref(), Some("partial"));
    assert_eq!(result.results["target"], "s3");
    assert_eq!(
        m.json()["units"]["kv/0"]["state"]["done"],
        "yes",
        "action-fail does not discard the action's writes"
    );
    // Parameters are YAML values; one that is not `key=value` is refused, as juju run
    // refuses it.
    let err = m.run_action("kv/0", "backup", &s(&["target"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "argument \"target\" must be of the form key.key.key...=value"
    );
    Ok(())
}

#[test]
fn a_hook_that_cannot_start_puts_the_unit_in_error_and_statuses_follow_the_uniter(
) -> anyhow::Result<()> {
    let root = tmp!("model-spawn-error");
    let bad = write_charm(
        &root,
        "bad",
        "name: bad\nsummary: s\ndescription: d\n",
        "#!/nonexistent/interpreter\n",
    );
    let kv = write_charm(&root, "kv", KV, NOOP);
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&bad, None, 1))?;
    m.step(|m| m.deploy(&kv, None, 1))?;
    let state = m.json();
    assert_eq!(state["units"]["bad/0"]["agent"]["state"], "error");
    assert_eq!(state["units"]["bad/0"]["agent"]["hook"]["name"], "install");
    // The reason, with its source, as the hook log shows it.
    let dispatch = m.dir().join("units/unit-bad-0/charm/dispatch");
    let log = m.log();
    let want = format!(
        "bad/0 install error (cannot run {}: No such file or directory (os error 2))",
        dispatch.display()
    );
    assert!(log.contains(&want), "{want:?} not in:\n{log}");
    // A dispatch that is not executable: the same, with that reason.
    let unrunnable = write_charm(
        &root,
        "unrunnable",
        "name: unrunnable\nsummary: s\ndescription: d\n",
        NOOP,
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        unrunnable.join("dispatch"),
        std::fs::Permissions::from_mode(0o644),
    )?;
    m.step(|m| m.deploy(&unrunnable, None, 1))?;
    assert!(
        m.log()
            .contains("unrunnable/0 install error (dispatch is not executable)"),
        "{}",
        m.log()
    );
    // A charm that never sets a status: "installing charm software" during install,
    // unknown after start.
    assert_eq!(state["units"]["kv/0"]["status"]["status"], "unknown");
    let history: Vec<&str> = state["units"]["kv/0"]["status_history"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s["message"].as_str())
        .collect();
    assert!(
        history.contains(&"installing charm software"),
        "{history:?}"
    );
    Ok(())
}

#[test]
fn destroy_removes_only_what_the_model_made() -> anyhow::Result<()> {
    let root = tmp!("model-destroy");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&kv, None, 1))?;
    let dir = m.dir().to_path_buf();
    std::fs::write(dir.join("notes.txt"), "mine")?;
    // Destroying the open model reuses its lock (taking it again would wait forever).
    let gone = m.model.destroy()?;
    assert_eq!(gone, dir);
    assert!(dir.join("notes.txt").exists());
    assert!(!dir.join("model.json").exists() && !dir.join("units").exists());
    assert!(!dir.join("tools").exists() && !dir.join("hooks.log").exists());
    // Nothing else left: the directory goes too.
    std::fs::remove_file(dir.join("notes.txt"))?;
    let mut again = new_model(&root, 1)?;
    again.step(|m| m.deploy(&kv, None, 1))?;
    drop(again);
    // Or from the directory, as `reactive model destroy` does.
    Model::open(&dir, &helpers())?.destroy()?;
    assert!(!dir.exists());
    Ok(())
}

#[test]
fn an_upgrade_that_fails_mid_swap_leaves_every_unit_on_the_old_charm() -> anyhow::Result<()> {
    let root = tmp!("model-upgrade-rollback");
    let v1 = write_charm(&root, "kv", KV, NOOP);
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&v1, None, 3))?;
    let v2 = write_charm(&root, "kv-v2", KV, "#!/bin/sh\n# v2\nexit 0\n");
    // A leftover non-empty `charm.old` makes the swap of the last unit (in name order)
    // fail after the others were swapped.
    let blocker = m.dir().join("units/unit-kv-2/charm.old");
    std::fs::create_dir_all(&blocker)?;
    std::fs::write(blocker.join("leftover"), "x")?;
    let before = m.json();
    let before_state = serde_json::to_value(m.state())?;
    let err = m.step(|m| m.upgrade("kv", &v2)).unwrap_err();
    assert!(format!("{err:#}").contains("unit-kv-2"), "{err:#}");
    for n in 0..3 {
        let dispatch = m.dir().join(format!("units/unit-kv-{n}/charm/dispatch"));
        assert_eq!(std::fs::read_to_string(&dispatch)?, NOOP, "kv/{n}");
        assert!(!m
            .dir()
            .join(format!("units/unit-kv-{n}/charm.new"))
            .exists());
    }
    assert_eq!(m.json(), before, "the model is unchanged");
    assert_eq!(
        serde_json::to_value(m.state())?,
        before_state,
        "the model is unchanged in memory"
    );
    m.settle()?;
    assert_eq!(
        m.json(),
        before,
        "settling after the failure saves no upgrade"
    );
    Ok(())
}

/// Every unit bumps its own `v` on each peer hook until 8, so peers keep changing while
/// other units' hooks run in the same round.
const BUMP: &str = r#"#!/bin/sh
set -e
case "$JUJU_DISPATCH_PATH" in
  hooks/cluster-relation-joined|hooks/cluster-relation-changed)
    relation-get v "$JUJU_REMOTE_UNIT" > "seen-$(echo "$JUJU_REMOTE_UNIT" | tr / -)"
    mine=$(relation-get v "$JUJU_UNIT_NAME")
    if [ "${mine:-0}" -lt 8 ]; then relation-set v=$(( ${mine:-0} + 1 )); fi
    ;;
esac
"#;

#[test]
fn concurrent_hooks_never_lose_a_peers_last_change() -> anyhow::Result<()> {
    for seed in 1..=6 {
        let root = tmp!(format!("model-bump-{seed}"));
        let kv = write_charm(&root, "kv", KV, BUMP);
        let mut m = TestModel::init(&helpers(), &root, seed, Some(4))?;
        m.step(|m| m.deploy(&kv, None, 4))?;
        for n in 0..4 {
            for p in (0..4).filter(|p| *p != n) {
                let seen = m.dir().join(format!("units/unit-kv-{n}/charm/seen-kv-{p}"));
                let got = std::fs::read_to_string(&seen).unwrap_or_default();
                assert_eq!(
                    got.trim(),
                    "8",
                    "seed {seed}: kv/{n} last saw kv/{p} at {got:?}, which ended at 8"
                );
            }
        }
    }
    Ok(())
}

#[test]
fn a_model_is_made_once_and_opening_none_says_to_init() -> anyhow::Result<()> {
    let root = tmp!("model-init-open");
    let m = new_model(&root, 3)?;
    let dir = m.dir().to_path_buf();
    assert_eq!(m.state().seed, 3);
    assert_eq!(m.state().name, "model");
    // Every hook tool is a relative link to the model's copy of the tool binary.
    let link = std::fs::read_link(dir.join("tools/relation-set"))?;
    assert_eq!(link, Path::new("reactive-hook-tool"));
    assert!(dir.join("tools/reactive-hook-tool").is_file());
    drop(m);
    let err = new_model(&root, 3).unwrap_err();
    assert!(
        err.to_string().contains("a model already exists in"),
        "{err}"
    );
    let opened = Model::open(&dir, &helpers())?;
    assert_eq!(opened.state().seed, 3);
    let missing = root.join("nothing-here");
    let err = Model::open(&missing, &helpers()).unwrap_err();
    assert!(
        err.to_string().contains("run `reactive model init` first?"),
        "{err}"
    );
    assert!(!missing.exists(), "opening no model writes nothing");
    Ok(())
}

#[test]
fn logs_not_written_yet_are_empty_and_unreadable_ones_are_errors() -> anyhow::Result<()> {
    let root = tmp!("model-logs");
    let m = new_model(&root, 1)?;
    assert_eq!(m.hook_log()?, "");
    assert!(m.debug_log(None)?.is_empty());
    // A directory where the log should be: an error naming it, not an empty log.
    std::fs::create_dir(m.dir().join("debug.log"))?;
    let err = m.debug_log(None).unwrap_err();
    assert!(format!("{err:#}").contains("debug.log"), "{err:#}");
    Ok(())
}

#[test]
fn a_new_model_is_locked_until_closed_and_a_view_reads_it_without_the_lock() -> anyhow::Result<()> {
    let root = tmp!("model-init-lock");
    let m = new_model(&root, 1)?;
    let dir = m.dir().to_path_buf();
    // Reading needs no lock.
    assert_eq!(
        charms_reactive_model::ModelView::open(&dir, &helpers())?.state(),
        m.state()
    );
    let (told, waited) = std::sync::mpsc::channel();
    let opener = {
        let dir = dir.clone();
        std::thread::spawn(move || {
            Model::open_waiting(&dir, &helpers(), move || {
                let _ = told.send(());
            })
            .map(|m| m.state().seed)
        })
    };
    // The opener finds the lock taken by init, says so, and gets it once `m` is closed.
    waited.recv()?;
    drop(m);
    let seed = opener
        .join()
        .map_err(|_| anyhow::anyhow!("the opener panicked"))??;
    assert_eq!(seed, 1);
    Ok(())
}

#[test]
fn a_tool_argument_that_is_not_utf8_is_passed_on_lossily_not_a_panic() -> anyhow::Result<()> {
    let root = tmp!("model-non-utf8");
    let dispatch = "#!/bin/sh\nset -e\nif [ \"$JUJU_HOOK_NAME\" = cluster-relation-created ]; then\n  relation-set \"v=$(printf 'a\\377b')\"\nfi\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    let mut m = new_model(&root, 1)?;
    m.step(|m| m.deploy(&kv, None, 1))?;
    // The tool did not panic: the hook (under `set -e`) succeeded.
    assert_eq!(
        m.state().unit("kv/0")?.agent,
        charms_reactive_model::state::Agent::Idle
    );
    let state = m.json();
    assert_eq!(
        state["relations"]["0"]["unit_data"]["kv/0"]["data"]["v"],
        "a\u{fffd}b"
    );
    Ok(())
}
