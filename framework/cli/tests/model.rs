//! The local model end to end, through the `reactive model` command: the worked traces
//! of the Juju reference (§3.3), seeds, failed hooks and resolve, charmhelpers hooks,
//! and bad input. Test charms are plain directories whose `dispatch` is a shell script;
//! the hook log records what ran.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("model-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp");
    dir
}

/// A charm directory with `metadata.yaml` and an executable `dispatch`.
fn charm(root: &Path, name: &str, metadata: &str, dispatch: &str) -> PathBuf {
    let dir = root.join("charms").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("metadata.yaml"), metadata).unwrap();
    std::fs::write(dir.join("dispatch"), dispatch).unwrap();
    std::fs::set_permissions(dir.join("dispatch"), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

const NOOP: &str = "#!/bin/sh\nexit 0\n";
const KV: &str = "name: kv\nsummary: s\ndescription: d\npeers:\n  cluster: {interface: kv-peers}\nprovides:\n  db: {interface: pgsql}\n";
const WEB: &str =
    "name: web\nsummary: s\ndescription: d\nrequires:\n  database: {interface: pgsql}\n";

struct Model {
    dir: PathBuf,
}

impl Model {
    fn new(root: &Path, seed: u64) -> Model {
        Model::with_jobs(root, seed, None)
    }

    fn with_jobs(root: &Path, seed: u64, jobs: Option<u32>) -> Model {
        let m = Model {
            dir: root.join("model"),
        };
        let seed = seed.to_string();
        let jobs = jobs.map(|j| j.to_string());
        let mut args = vec!["init", "--seed", &seed];
        if let Some(j) = &jobs {
            args.extend(["--jobs", j.as_str()]);
        }
        m.ok(&args);
        m
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut full = vec!["model", "--model", self.dir.to_str().unwrap()];
        full.extend_from_slice(args);
        Command::new(REACTIVE)
            .args(&full)
            .output()
            .expect("run reactive")
    }

    fn ok(&self, args: &[&str]) -> Output {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "reactive model {args:?} failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("hooks.log")).unwrap_or_default()
    }

    /// The hooks `unit` ran, in order (`name` or `name(remote)`).
    fn trace(&self, unit: &str) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|l| {
                let mut p = l.split(' ');
                let (_, u, hook) = (p.next()?, p.next()?, p.next()?);
                (u == unit).then(|| hook.to_string())
            })
            .collect()
    }

    /// Forgets the log (to look at what the next command runs).
    fn clear_log(&self) {
        std::fs::write(self.dir.join("hooks.log"), "").unwrap();
    }

    fn state(&self) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.join("model.json")).unwrap())
            .unwrap()
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn trace_a_three_unit_peer_deploy() {
    let root = tmp("trace-a");
    let kv = charm(&root, "kv", KV, NOOP);
    let m = Model::new(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap(), "-n", "3"]);
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
}

#[test]
fn traces_b_c_d_relate_remove_a_unit_remove_the_leader() {
    let root = tmp("trace-bcd");
    let kv = charm(&root, "kv", KV, NOOP);
    let web = charm(&root, "web", WEB, NOOP);
    let m = Model::new(&root, 7);
    m.ok(&["deploy", kv.to_str().unwrap(), "-n", "3"]);
    m.ok(&["deploy", web.to_str().unwrap()]);
    assert_eq!(
        m.trace("web/0"),
        s(&["install", "leader-elected", "config-changed", "start"])
    );

    // (b) relate kv:db web:database
    m.clear_log();
    m.ok(&["relate", "kv:db", "web:database"]);
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
    m.ok(&["remove-unit", "kv/2"]);
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
    assert!(m.state()["units"].get("kv/2").is_none());

    // (d) remove-unit kv/0 (the leader): it resigns; kv/1 is elected after it is gone.
    m.ok(&["add-unit", "kv"]);
    m.clear_log();
    m.ok(&["remove-unit", "kv/0"]);
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
    assert_eq!(m.state()["applications"]["kv"]["leader"], "kv/1");
}

#[test]
fn the_same_seed_gives_the_same_log_and_another_seed_another_interleaving() {
    let run = |name: &str, seed: u64, jobs: Option<u32>| {
        let root = tmp(name);
        let kv = charm(&root, "kv", KV, NOOP);
        let m = Model::with_jobs(&root, seed, jobs);
        m.ok(&["deploy", kv.to_str().unwrap(), "-n", "3"]);
        let traces: Vec<Vec<String>> = ["kv/0", "kv/1", "kv/2"]
            .iter()
            .map(|u| m.trace(u))
            .collect();
        let status =
            String::from_utf8_lossy(&m.ok(&["status", "--format", "json"]).stdout).into_owned();
        (
            m.log(),
            traces,
            status.replace(&format!("\"seed\": {seed}"), "\"seed\": _"),
        )
    };
    // Hooks of several units run at the same time by default; the log still depends
    // only on the seed (and the number of jobs), not on which hook finishes first.
    let (log1, traces1, status1) = run("seed-1a", 1, None);
    let (log1b, _, _) = run("seed-1b", 1, None);
    let (log2, traces2, status2) = run("seed-2", 2, None);
    assert_eq!(log1, log1b, "same seed, same hook log");
    assert_ne!(log1, log2, "another seed interleaves differently");
    assert_eq!(traces1, traces2, "each unit's own trace is the same");
    assert_eq!(status1, status2, "and so is the final state");
    // One hook at a time: another interleaving, the same outcome.
    let (log_serial, traces_serial, status_serial) = run("seed-1-serial", 1, Some(1));
    let (log_serial_b, _, _) = run("seed-1-serial-b", 1, Some(1));
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
}

#[test]
fn a_hook_failing_after_relation_set_commits_nothing_and_resolve_retries_it() {
    let root = tmp("fail-resolve");
    // config-changed writes relation data, then fails until the `allow` file exists.
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = config-changed ]; then\n  relation-set -r cluster:0 answer=42 || exit 3\n  [ -f \"$CHARM_DIR/../../../allow\" ] || exit 1\nfi\nexit 0\n";
    let kv = charm(&root, "kv", KV, dispatch);
    let m = Model::new(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    let state = m.state();
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
    let status = String::from_utf8_lossy(&m.ok(&["status"]).stdout).into_owned();
    assert!(
        status.contains("error") && status.contains("hook failed: \"config-changed\""),
        "{status}"
    );
    assert_eq!(
        m.trace("kv/0").last().map(String::as_str),
        Some("config-changed"),
        "later hooks are held"
    );

    std::fs::write(m.dir.join("allow"), "").unwrap();
    m.ok(&["resolve", "kv/0"]);
    let state = m.state();
    assert_eq!(state["units"]["kv/0"]["agent"]["state"], "idle");
    assert_eq!(
        state["relations"]["0"]["unit_data"]["kv/0"]["data"]["answer"],
        "42"
    );
    let trace = m.trace("kv/0");
    assert_eq!(&trace[trace.len() - 2..], ["config-changed", "start"]);
}

#[test]
fn bad_input_is_a_one_line_error_and_leaves_the_model_unchanged() {
    let root = tmp("bad-input");
    let kv = charm(&root, "kv", KV, NOOP);
    let opts = root.join("charms/kv/config.yaml");
    std::fs::write(opts, "options:\n  port: {type: int, default: 1}\n").unwrap();
    let web = charm(&root, "web", WEB, NOOP);
    let other = charm(
        &root,
        "other",
        "name: other\nsummary: s\ndescription: d\nrequires:\n  db: {interface: mysql}\n",
        NOOP,
    );
    let m = Model::new(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    m.ok(&["deploy", web.to_str().unwrap()]);
    m.ok(&["deploy", other.to_str().unwrap()]);
    let before = std::fs::read_to_string(m.dir.join("model.json")).unwrap();
    let not_a_charm = tmp("not-a-charm");
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
            vec!["config", "kv", "port=eighty"],
            "option \"port\" expected int, got \"eighty\"",
        ),
        (
            vec!["deploy", not_a_charm.to_str().unwrap()],
            "is not a charm: it has no metadata.yaml",
        ),
    ] {
        let o = m.run(&args);
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(
            std::fs::read_to_string(m.dir.join("model.json")).unwrap(),
            before,
            "{args:?} changed the model"
        );
    }
}

#[test]
fn hooks_written_with_charmhelpers_work_unchanged() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let out = Command::new("bash")
        .arg(repo.join("tests/model/charmhelpers-venv.sh"))
        .output()
        .expect("provision charmhelpers");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let root = tmp("charmhelpers");
    let template = std::fs::read_to_string(repo.join("tests/model/charmhelpers_hook.py")).unwrap();
    let script = format!(
        "#!{python}\n{}",
        template.replace("@SITE@", &repo.join("bench/python-site").to_string_lossy())
    );
    let meta = "name: chk\nsummary: s\ndescription: d\npeers:\n  cluster: {interface: chk-peers}\n";
    let dir = charm(&root, "chk", meta, &script);
    std::fs::write(
        dir.join("config.yaml"),
        "options:\n  greeting: {type: string, default: hello}\n",
    )
    .unwrap();
    let m = Model::new(&root, 1);
    m.ok(&["deploy", dir.to_str().unwrap(), "-n", "2"]);
    m.ok(&["config", "chk", "greeting=hi"]);
    let state = m.state();
    for u in ["chk/0", "chk/1"] {
        assert_eq!(
            state["units"][u]["agent"]["state"],
            "idle",
            "{u}: {}",
            std::fs::read_to_string(m.dir.join("debug.log")).unwrap_or_default()
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
    let debug = std::fs::read_to_string(m.dir.join("debug.log")).unwrap();
    assert!(
        debug.contains("config-changed INFO: greeting is hi"),
        "{debug}"
    );
}

#[test]
fn leader_set_without_change_fires_nothing_and_new_units_skip_upgrade_charm() {
    let root = tmp("leader-set-noop");
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$(is-leader --format=json)\" = true ]; then leader-set k=v; fi\nexit 0\n";
    let kv = charm(&root, "kv", KV, dispatch);
    let m = Model::new(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap(), "-n", "2"]);
    m.clear_log();
    m.ok(&["tick"]);
    // Which of the two runs first depends on the interleaving.
    let mut first = m.trace("kv/1");
    first.sort();
    assert_eq!(first, s(&["leader-settings-changed", "update-status"]));
    m.clear_log();
    m.ok(&["tick"]);
    assert_eq!(
        m.trace("kv/1"),
        s(&["update-status"]),
        "the same value again changes nothing"
    );

    // A unit added after an upgrade is installed from the new charm: no upgrade-charm.
    m.ok(&["upgrade", "kv", kv.to_str().unwrap()]);
    m.clear_log();
    m.ok(&["add-unit", "kv"]);
    assert!(
        !m.trace("kv/2").iter().any(|h| h == "upgrade-charm"),
        "{:?}",
        m.trace("kv/2")
    );
}

#[test]
fn a_removed_units_relation_data_stays_readable_and_self_relations_are_refused() {
    let root = tmp("removed-data");
    let kv = charm(&root, "kv", KV, NOOP);
    let m = Model::new(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap(), "-n", "2"]);
    m.ok(&["remove-unit", "kv/1"]);
    let state = m.state();
    assert!(state["units"].get("kv/1").is_none());
    assert!(
        state["relations"]["0"]["unit_data"]["kv/1"]["data"]["private-address"].is_string(),
        "§4: departed units' data stays readable"
    );
    let o = m.run(&["relate", "kv:db", "kv:db"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot relate application \"kv\" to itself")
    );
}

#[test]
fn actions_get_schema_defaults_and_action_fail_still_commits() {
    let root = tmp("actions");
    let dispatch = "#!/bin/sh\nif [ \"$JUJU_ACTION_NAME\" = backup ]; then\n  action-set target=\"$(action-get target)\"\n  state-set done=yes\n  action-fail partial\nfi\nexit 0\n";
    let kv = charm(&root, "kv", KV, dispatch);
    std::fs::write(
        kv.join("actions.yaml"),
        "backup:\n  params:\n    target: {type: string, default: s3}\n",
    )
    .unwrap();
    let m = Model::new(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    let o = m.run(&["run", "kv/0", "backup"]);
    assert_ne!(
        o.status.code(),
        Some(0),
        "a failed action fails the command"
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("target: s3") && out.contains("status: failed") && out.contains("partial"),
        "{out}"
    );
    assert_eq!(
        m.state()["units"]["kv/0"]["state"]["done"],
        "yes",
        "action-fail does not discard the action's writes"
    );
}

#[test]
fn a_hook_that_cannot_start_puts_the_unit_in_error_and_statuses_follow_the_uniter() {
    let root = tmp("spawn-error");
    let bad = charm(
        &root,
        "bad",
        "name: bad\nsummary: s\ndescription: d\n",
        "#!/nonexistent/interpreter\n",
    );
    let kv = charm(&root, "kv", KV, NOOP);
    let m = Model::new(&root, 1);
    m.ok(&["deploy", bad.to_str().unwrap()]);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    let state = m.state();
    assert_eq!(state["units"]["bad/0"]["agent"]["state"], "error");
    assert_eq!(state["units"]["bad/0"]["agent"]["hook"]["name"], "install");
    // A charm that never sets a status: "installing charm software" during install,
    // unknown after start.
    assert_eq!(state["units"]["kv/0"]["status"]["status"], "unknown");
    let history: Vec<&str> = state["units"]["kv/0"]["status_history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["message"].as_str())
        .collect();
    assert!(
        history.contains(&"installing charm software"),
        "{history:?}"
    );
}

#[test]
fn destroy_removes_only_what_the_model_made() {
    let root = tmp("destroy");
    let kv = charm(&root, "kv", KV, NOOP);
    let m = Model::new(&root, 1);
    m.ok(&["deploy", kv.to_str().unwrap()]);
    std::fs::write(m.dir.join("notes.txt"), "mine").unwrap();
    m.ok(&["destroy"]);
    assert!(m.dir.join("notes.txt").exists());
    assert!(!m.dir.join("model.json").exists() && !m.dir.join("units").exists());
}

#[test]
fn an_upgrade_that_fails_mid_swap_leaves_every_unit_on_the_old_charm() {
    let root = tmp("upgrade-rollback");
    let v1 = charm(&root, "kv", KV, NOOP);
    let m = Model::new(&root, 1);
    m.ok(&["deploy", v1.to_str().unwrap(), "-n", "3"]);
    let v2 = root.join("charms").join("kv-v2");
    std::fs::create_dir_all(&v2).unwrap();
    std::fs::write(v2.join("metadata.yaml"), KV).unwrap();
    std::fs::write(v2.join("dispatch"), "#!/bin/sh\n# v2\nexit 0\n").unwrap();
    std::fs::set_permissions(v2.join("dispatch"), std::fs::Permissions::from_mode(0o755)).unwrap();
    // A leftover non-empty `charm.old` makes the swap of the last unit (in name order)
    // fail after the others were swapped.
    let blocker = m.dir.join("units/unit-kv-2/charm.old");
    std::fs::create_dir_all(&blocker).unwrap();
    std::fs::write(blocker.join("leftover"), "x").unwrap();
    let before = m.state();
    let out = m.run(&["upgrade", "kv", v2.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unit-kv-2"), "{err}");
    for n in 0..3 {
        let dispatch = m.dir.join(format!("units/unit-kv-{n}/charm/dispatch"));
        assert_eq!(std::fs::read_to_string(&dispatch).unwrap(), NOOP, "kv/{n}");
        assert!(!m.dir.join(format!("units/unit-kv-{n}/charm.new")).exists());
    }
    assert_eq!(m.state(), before, "the model is unchanged");
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
fn concurrent_hooks_never_lose_a_peers_last_change() {
    for seed in 1..=6 {
        let root = tmp(&format!("bump-{seed}"));
        let kv = charm(&root, "kv", KV, BUMP);
        let m = Model::with_jobs(&root, seed, Some(4));
        m.ok(&["deploy", kv.to_str().unwrap(), "-n", "4"]);
        for n in 0..4 {
            for p in (0..4).filter(|p| *p != n) {
                let seen = m.dir.join(format!("units/unit-kv-{n}/charm/seen-kv-{p}"));
                let got = std::fs::read_to_string(&seen).unwrap_or_default();
                assert_eq!(
                    got.trim(),
                    "8",
                    "seed {seed}: kv/{n} last saw kv/{p} at {got:?}, which ended at 8"
                );
            }
        }
    }
}
