//! Issue 16 item 1, through the model's library: the status as `juju status` shows it.
//! The agent is `executing` with the uniter's message while a hook or action runs (read
//! by a `ModelView`, which takes no lock, while another thread runs the hook), the
//! application's status is derived from its units when its leader set none, and the
//! document has the keys of `juju status --format=json`, open ports included.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use charms_reactive_model::{Helpers, ModelView};
use serde_json::{json, Value};
use test_support::charm::{write_charm, KV, NOOP};
use test_support::{tmp, TestModel};

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

/// Waits (polling, generous deadline) until `path` exists: the hook under test made it.
fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A dispatch whose `hook` (or action, by `JUJU_ACTION_NAME`) announces it started
/// (`<ctl>/started-<name>`) and waits for `<ctl>/go-<name>` (at most 10 minutes).
fn waiting_dispatch(ctl: &Path, name: &str, var: &str) -> String {
    format!(
        "#!/bin/sh\nif [ \"${var}\" = {name} ]; then\n  touch {ctl}/started-{name}\n  n=0\n  while [ ! -f {ctl}/go-{name} ] && [ $n -lt 6000 ]; do sleep 0.1; n=$((n+1)); done\nfi\nexit 0\n",
        ctl = ctl.display()
    )
}

fn status_json(dir: &Path) -> Value {
    let view = ModelView::open(dir, &helpers()).expect("the model opens without its lock");
    serde_json::to_value(view.status()).expect("status serialises")
}

#[test]
fn item_1_the_agent_is_executing_with_jujus_message_while_a_hook_or_action_runs(
) -> anyhow::Result<()> {
    let root = tmp!("status-executing");
    let ctl: PathBuf = root.join("ctl");
    std::fs::create_dir_all(&ctl)?;
    let actions = "slow:\n  description: waits\n";
    let dispatch = waiting_dispatch(&ctl, "install", "JUJU_HOOK_NAME").replace(
        "exit 0\n",
        &waiting_dispatch(&ctl, "slow", "JUJU_ACTION_NAME").replace("#!/bin/sh\n", ""),
    );
    let kv = write_charm(&root, "kv", KV, &dispatch);
    std::fs::write(kv.join("actions.yaml"), actions)?;
    let m = TestModel::init(&helpers(), &root, 1, None)?;
    let dir = m.dir().to_path_buf();
    let unit = |doc: &Value| doc["applications"]["kv"]["units"]["kv/0"].clone();

    let mut model = m.model;
    let runner = std::thread::spawn(move || -> anyhow::Result<_> {
        model.deploy(&kv, None, 1)?;
        model.settle()?;
        Ok(model)
    });
    wait_for(&ctl.join("started-install"));
    let during = unit(&status_json(&dir));
    assert_eq!(
        during["juju-status"],
        json!({"current": "executing", "message": "running install hook", "version": "3.6.4"}),
        "{during}"
    );
    // The uniter's own status before install, as Juju sets it.
    assert_eq!(
        during["workload-status"],
        json!({"current": "maintenance", "message": "installing charm software"})
    );
    std::fs::write(ctl.join("go-install"), "")?;
    let model = runner.join().expect("the settling thread")?;
    let after = unit(&status_json(&dir));
    assert_eq!(
        after["juju-status"],
        json!({"current": "idle", "version": "3.6.4"})
    );

    // An action: "running action <name>".
    let mut model = model;
    let runner = std::thread::spawn(move || -> anyhow::Result<_> {
        let result = model.run_action("kv/0", "slow", &[])?;
        Ok((model, result.status))
    });
    wait_for(&ctl.join("started-slow"));
    let during = unit(&status_json(&dir));
    assert_eq!(during["juju-status"]["current"], "executing", "{during}");
    assert_eq!(during["juju-status"]["message"], "running action slow");
    std::fs::write(ctl.join("go-slow"), "")?;
    let (_model, status) = runner.join().expect("the action's thread")?;
    assert_eq!(status, "completed");
    assert_eq!(
        unit(&status_json(&dir))["juju-status"]["current"],
        "idle",
        "the record goes when the action ends"
    );
    Ok(())
}

#[test]
fn item_1_a_running_record_whose_command_is_gone_reads_as_idle_and_the_next_command_removes_it(
) -> anyhow::Result<()> {
    let root = tmp!("status-stale-record");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let mut m = TestModel::init(&helpers(), &root, 1, None)?;
    m.step(|m| m.deploy(&kv, None, 1))?;
    // The record a command killed mid-hook leaves: written by a process that has ended
    // (a real one: `true`, waited for), in the unit's directory, as the model writes it.
    let mut child = std::process::Command::new("true").spawn()?;
    let pid = child.id();
    child.wait()?;
    let record = m.dir().join("units/unit-kv-0/running.json");
    std::fs::write(
        &record,
        format!(r#"{{"message":"running install hook","pid":{pid},"started":1}}"#),
    )?;
    let doc = status_json(m.dir());
    assert_eq!(
        doc["applications"]["kv"]["units"]["kv/0"]["juju-status"]["current"],
        "idle"
    );
    // The next command (holding the lock, so no hook of another command runs) removes it.
    m.step(|m| {
        m.tick();
        Ok(())
    })?;
    assert!(
        !record.exists(),
        "a stale record is removed by the next command"
    );
    Ok(())
}

#[test]
fn item_1_the_application_status_is_the_most_severe_of_its_units_until_the_leader_sets_one(
) -> anyhow::Result<()> {
    let root = tmp!("status-derived");
    let ctl = root.join("ctl");
    std::fs::create_dir_all(&ctl)?;
    // Each unit sets what `<ctl>/<unit number>` says; the leader sets the application's
    // status when `<ctl>/app` exists.
    let dispatch = format!(
        "#!/bin/sh\nn=${{JUJU_UNIT_NAME#kv/}}\nif [ -f {ctl}/$n ]; then eval \"status-set $(cat {ctl}/$n)\" || exit 1; fi\nif [ -f {ctl}/app ] && [ \"$(is-leader)\" = True ]; then status-set --application active 'all good'; fi\nexit 0\n",
        ctl = ctl.display()
    );
    let kv = write_charm(&root, "kv", KV, &dispatch);
    std::fs::write(ctl.join("0"), "active ready")?;
    std::fs::write(ctl.join("1"), "blocked 'needs a db'")?;
    std::fs::write(ctl.join("2"), "waiting later")?;
    let mut m = TestModel::init(&helpers(), &root, 1, None)?;
    m.step(|m| m.deploy(&kv, None, 3))?;
    let app =
        |m: &TestModel| serde_json::to_value(m.status()).map(|d| d["applications"]["kv"].clone());
    assert_eq!(
        app(&m)?["application-status"],
        json!({"current": "blocked", "message": "needs a db"})
    );
    // A unit in error is the most severe of all.
    std::fs::write(ctl.join("2"), "bogus")?;
    m.step(|m| {
        m.tick();
        Ok(())
    })?;
    assert_eq!(
        app(&m)?["application-status"],
        json!({"current": "error", "message": "hook failed: \"update-status\""})
    );
    assert_eq!(
        app(&m)?["units"]["kv/2"]["workload-status"],
        json!({"current": "error", "message": "hook failed: \"update-status\""})
    );
    // Once the leader sets one, that one shows.
    std::fs::write(ctl.join("app"), "")?;
    std::fs::write(ctl.join("2"), "active fine")?;
    m.step(|m| m.resolve("kv/2", charms_reactive_model::Resolve::Retry))?;
    m.step(|m| {
        m.tick();
        Ok(())
    })?;
    assert_eq!(
        app(&m)?["application-status"],
        json!({"current": "active", "message": "all good"})
    );
    Ok(())
}

#[test]
fn item_1_the_status_document_has_the_keys_of_juju_status_format_json() -> anyhow::Result<()> {
    let root = tmp!("status-keys");
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = start ] && [ \"$(is-leader)\" = True ]; then\n  open-port 80\n  open-port 8000-8010/udp\n  application-version-set 1.2\nfi\nstatus-set active ok\nexit 0\n";
    let kv = write_charm(&root, "kv", KV, dispatch);
    let web = write_charm(
        &root,
        "web",
        "name: web\nsummary: s\ndescription: d\nrequires:\n  database: {interface: pgsql}\n",
        NOOP,
    );
    let mut m = TestModel::init(&helpers(), &root, 1, None)?;
    m.step(|m| m.deploy(&kv, None, 2))?;
    m.step(|m| m.deploy(&web, None, 1))?;
    m.step(|m| m.relate("web:database", "kv:db"))?;
    let doc = serde_json::to_value(m.status())?;
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(keys(&doc), ["applications", "machines", "model"]);
    assert_eq!(
        doc["model"],
        json!({"name": "model", "type": "iaas", "controller": "reactive", "cloud": "local",
               "version": "3.6.4", "model-status": {"current": "available"}})
    );
    // The local provider's units share the host: machine 0.
    let machine = &doc["machines"]["0"];
    assert_eq!(machine["juju-status"]["current"], "started");
    assert_eq!(machine["machine-status"]["current"], "running");
    assert_eq!(machine["instance-id"], "localhost");
    let kv_app = &doc["applications"]["kv"];
    for (key, value) in [
        ("charm", json!("local:kv-0")),
        ("charm-origin", json!("local")),
        ("charm-name", json!("kv")),
        ("charm-rev", json!(0)),
        ("exposed", json!(false)),
        ("version", json!("1.2")),
        (
            "application-status",
            json!({"current": "active", "message": "ok"}),
        ),
    ] {
        assert_eq!(kv_app[key], value, "{key}: {kv_app}");
    }
    assert_eq!(
        kv_app["relations"],
        json!({
            "cluster": [{"related-application": "kv", "interface": "kv-peers", "scope": "global"}],
            "db": [{"related-application": "web", "interface": "pgsql", "scope": "global"}],
        })
    );
    let leader = &kv_app["units"]["kv/0"];
    assert_eq!(leader["leader"], true);
    assert_eq!(leader["machine"], "0");
    assert_eq!(leader["open-ports"], json!(["80/tcp", "8000-8010/udp"]));
    assert_eq!(
        leader["public-address"],
        m.unit("kv/0")?.address.as_str(),
        "{leader}"
    );
    assert_eq!(
        leader["workload-status"],
        json!({"current": "active", "message": "ok"})
    );
    // What Juju leaves out when empty is left out.
    let other = kv_app["units"]["kv/1"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(
        !other.contains_key("leader") && !other.contains_key("open-ports"),
        "{other:?}"
    );
    assert!(doc["applications"]["web"].get("version").is_none());
    Ok(())
}

#[test]
fn item_1_a_unit_leaving_shows_the_uniters_stop_status_while_its_stop_hook_runs(
) -> anyhow::Result<()> {
    let root = tmp!("status-stopping");
    let ctl: PathBuf = root.join("ctl");
    std::fs::create_dir_all(&ctl)?;
    let dispatch = waiting_dispatch(&ctl, "stop", "JUJU_HOOK_NAME")
        .replace("exit 0\n", "status-set active ready\nexit 0\n");
    let kv = write_charm(&root, "kv", KV, &dispatch);
    let mut m = TestModel::init(&helpers(), &root, 1, None)?;
    m.step(|m| m.deploy(&kv, None, 2))?;
    let dir = m.dir().to_path_buf();
    let mut model = m.model;
    let runner = std::thread::spawn(move || -> anyhow::Result<_> {
        model.remove_unit("kv/1")?;
        model.settle()?;
        Ok(model)
    });
    wait_for(&ctl.join("started-stop"));
    let doc = status_json(&dir);
    let unit = &doc["applications"]["kv"]["units"]["kv/1"];
    // Juju's uniter sets it before the stop hook runs.
    assert_eq!(
        unit["workload-status"],
        json!({"current": "maintenance", "message": "stopping charm software"}),
        "{unit}"
    );
    assert_eq!(unit["juju-status"]["message"], "running stop hook");
    // The application shows its most severe unit: maintenance beats active.
    assert_eq!(
        doc["applications"]["kv"]["application-status"],
        json!({"current": "maintenance", "message": "stopping charm software"})
    );
    std::fs::write(ctl.join("go-stop"), "")?;
    let model = runner.join().expect("the settling thread")?;
    assert!(!model.state().units.contains_key("kv/1"), "removed");
    Ok(())
}
