//! The machines provider end to end through the model's library: a model made with
//! `provider: machines`, then real namespace machines (needs root, as CI runs; skipped
//! otherwise). Each test owns its model; they run one at a time because one of them
//! compares host-wide listings before and after.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use charms_reactive_model::{Helpers, InitOptions, Model};
use test_support::charm::write_charm_in;
use test_support::tmp;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A charm whose install hook starts a web server on port 8000 serving
/// `/var/lib/listener` (which holds `owner`, the machine's hostname) through the
/// machine's supervisor; its `peek` action reports what the unit can see.
const METADATA: &str =
    "name: listener\nsummary: s\ndescription: d\npeers:\n  cluster: {interface: listener-peers}\n";
const ACTIONS: &str = "peek:\n  description: what this unit sees\n";
const DISPATCH: &str = r#"#!/bin/sh
set -e
case "$JUJU_DISPATCH_PATH" in
  hooks/install)
    mkdir -p /var/lib/listener
    hostname > /var/lib/listener/owner
    reactive-service start listener -- /usr/bin/python3 -m http.server 8000 --directory /var/lib/listener
    ;;
  hooks/cluster-relation-created)
    # Files named to the tools are the machine's (its /tmp is its own).
    printf 'from-file: "yes"\n' > /tmp/settings.yaml
    relation-set --file /tmp/settings.yaml
    relation-get -o /tmp/mine.txt - "$JUJU_UNIT_NAME"
    cp /tmp/mine.txt /var/lib/listener/mine.txt
    ;;
  hooks/start)
    status-set active "listening on $(unit-get private-address):8000"
    ;;
  actions/peek)
    action-set owner="$(cat /var/lib/listener/owner)" \
      listing="$(ls /var/lib/listener | tr '\n' ' ')" \
      servers="$(grep -l 'http[.]server' /proc/[0-9]*/cmdline 2>/dev/null | wc -l)" \
      apt-get="$(command -v apt-get)"
    ;;
esac
"#;

/// For a test that makes machines: `None` (test skipped) unless root; else the guard
/// that runs such tests one at a time.
fn machines_test() -> Option<std::sync::MutexGuard<'static, ()>> {
    if !test_support::is_root() {
        eprintln!("skipped: machines need root");
        return None;
    }
    Some(ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner()))
}

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

/// A model with three listener units, destroyed when dropped (a failed test must not
/// leave machines running).
struct Deployed {
    model: Option<Model>,
    dir: PathBuf,
}

impl Deployed {
    fn new(root: &Path) -> anyhow::Result<Deployed> {
        let helpers = helpers();
        assert!(
            helpers.machine_helper.is_file(),
            "{} is missing: build the workspace (cargo test --workspace builds it)",
            helpers.machine_helper.display()
        );
        let options = InitOptions {
            provider: "machines".into(),
            ..InitOptions::default()
        };
        let mut model = Model::init(&root.join("model"), &options, &helpers)?;
        let dir = model.dir().to_path_buf();
        let mut deployed = Deployed {
            model: None,
            dir: dir.clone(),
        };
        let charm = write_charm_in(&root.join("listener"), METADATA, DISPATCH);
        std::fs::write(charm.join("actions.yaml"), ACTIONS)?;
        model.deploy(&charm, None, 3)?;
        model.settle()?;
        deployed.model = Some(model);
        Ok(deployed)
    }

    fn model(&mut self) -> &mut Model {
        self.model
            .as_mut()
            .expect("the model is open until destroy")
    }

    /// `command` on `unit`'s machine: its exit code and stdout.
    fn ssh(&mut self, unit: &str, command: &[&str]) -> anyhow::Result<(Option<i32>, String)> {
        let command: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        let out = self.model().ssh_command(unit, &command)?.output()?;
        Ok((
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    }

    /// `command` on `unit`'s machine, which must succeed; its stdout.
    fn ssh_ok(&mut self, unit: &str, command: &[&str]) -> anyhow::Result<String> {
        let (code, out) = self.ssh(unit, command)?;
        assert_eq!(code, Some(0), "{command:?} on {unit}: {out}");
        Ok(out)
    }

    fn destroy(&mut self) -> anyhow::Result<()> {
        // Destroyed through the open model, which holds the lock.
        if let Some(model) = self.model.take() {
            model.destroy()?;
        }
        Ok(())
    }
}

impl Drop for Deployed {
    fn drop(&mut self) {
        let _ = self.destroy();
    }
}

/// Host-wide listings the machines could leave something in.
#[derive(Debug, PartialEq, Eq)]
struct HostState {
    links: BTreeSet<String>,
    namespaces: BTreeSet<String>,
    mounts: BTreeSet<String>,
    servers: usize,
}

fn host_state() -> anyhow::Result<HostState> {
    let out = Command::new("ip").args(["-o", "link"]).output()?;
    let links = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(':').nth(1).map(|n| n.trim().to_string()))
        .collect();
    let mut namespaces = BTreeSet::new();
    let mut servers = 0;
    for entry in std::fs::read_dir("/proc")?.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .chars()
            .all(|c| c.is_ascii_digit())
        {
            continue;
        }
        for ns in ["mnt", "net", "uts", "pid", "ipc"] {
            if let Ok(target) = std::fs::read_link(entry.path().join("ns").join(ns)) {
                namespaces.insert(target.to_string_lossy().into_owned());
            }
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains("http.server") {
            servers += 1;
        }
    }
    let mounts = std::fs::read_to_string("/proc/self/mountinfo")?
        .lines()
        .map(|l| l.split(' ').skip(3).take(2).collect::<Vec<_>>().join(" "))
        .collect();
    Ok(HostState {
        links,
        namespaces,
        mounts,
        servers,
    })
}

#[test]
fn three_units_listen_on_one_port_reach_each_other_by_name_and_destroy_leaves_nothing(
) -> anyhow::Result<()> {
    let Some(_one) = machines_test() else {
        return Ok(());
    };
    let before = host_state()?;
    let root = tmp!("model-machines-listen");
    let mut m = Deployed::new(&root)?;
    let doc = serde_json::to_value(m.model().status())?;
    let status = serde_json::to_string_pretty(&doc)?;
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(m.dir.join("model.json"))?)?;
    let peers = state["relations"]
        .as_object()
        .and_then(|r| r.values().next())
        .expect("the peer relation");
    for n in 0..3 {
        let name = format!("listener/{n}");
        let unit = &doc["applications"]["listener"]["units"][&name];
        assert_eq!(unit["workload-status"]["current"], "active", "{status}");
        // Juju's keys: the machine's id, and its entry under `machines` (the namespace
        // machine's hostname and address).
        let id = m.model().state().machine_ids[&name].to_string();
        assert_eq!(unit["machine"], id.as_str());
        assert_eq!(doc["machines"][&id]["hostname"], format!("listener-{n}"));
        assert_eq!(doc["machines"][&id]["dns-name"], unit["public-address"]);
        // unit-get and the relation address keys give the machine's address, which is
        // on the machine's eth0.
        let address = unit["public-address"]
            .as_str()
            .expect("address")
            .to_string();
        assert_eq!(
            unit["workload-status"]["message"],
            format!("listening on {address}:8000")
        );
        let bag = &peers["unit_data"][&name]["data"];
        assert_eq!(bag["private-address"], address.as_str());
        assert_eq!(
            bag["from-file"], "yes",
            "relation-set --file read the machine's /tmp"
        );
        let mine = m.ssh_ok(&name, &["cat", "/var/lib/listener/mine.txt"])?;
        assert!(
            mine.contains("from-file: \"yes\""),
            "relation-get -o wrote in the machine: {mine}"
        );
        assert_eq!(bag["ingress-address"], address.as_str());
        let on_eth0 = m.ssh_ok(&name, &["ip", "-o", "-4", "addr", "show", "eth0"])?;
        assert!(on_eth0.contains(&format!("inet {address}/24")), "{on_eth0}");
    }
    // All three servers run (the same port on each machine), none on the host.
    assert_eq!(host_state()?.servers, before.servers + 3);
    for n in 0..3 {
        for other in (0..3).filter(|o| *o != n) {
            let url = format!("http://listener-{other}:8000/owner");
            let got = m.ssh_ok(
                &format!("listener/{n}"),
                &[
                    "python3",
                    "-c",
                    "import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=10).read().decode().strip())",
                    &url,
                ],
            )?;
            assert_eq!(
                got.trim(),
                format!("listener-{other}"),
                "{url} from listener/{n}"
            );
        }
    }
    let hostname = m.ssh_ok("listener/2", &["hostname"])?;
    assert_eq!(hostname.trim(), "listener-2");

    m.destroy()?;
    assert!(!m.dir.exists(), "the model directory is gone");
    let after = host_state()?;
    assert_eq!(after.links, before.links, "links");
    assert_eq!(after.servers, before.servers, "processes");
    assert!(
        after.namespaces.is_subset(&before.namespaces),
        "namespaces left: {:?}",
        after
            .namespaces
            .difference(&before.namespaces)
            .collect::<Vec<_>>()
    );
    let root_str = root.display().to_string();
    assert!(
        !after.mounts.iter().any(|m| m.contains(&root_str)),
        "mounts left under {root_str}"
    );
    assert_eq!(after.mounts, before.mounts, "mounts");
    Ok(())
}

#[test]
fn a_file_under_etc_stays_on_its_machine() -> anyhow::Result<()> {
    let Some(_one) = machines_test() else {
        return Ok(());
    };
    let root = tmp!("model-machines-etc");
    let mut m = Deployed::new(&root)?;
    let marker = format!("/etc/reactive-test-{}", std::process::id());
    m.ssh_ok(
        "listener/0",
        &["sh", "-c", &format!("echo mine > {marker}")],
    )?;
    assert_eq!(m.ssh_ok("listener/0", &["cat", &marker])?.trim(), "mine");
    let (code, _) = m.ssh("listener/1", &["test", "-e", &marker])?;
    assert_eq!(code, Some(1), "visible on listener/1");
    assert!(!Path::new(&marker).exists(), "visible on the host");

    // Removing a unit ends its machine: its server goes, the others stay.
    let before = host_state()?;
    m.model().remove_unit("listener/1")?;
    m.model().settle()?;
    let after = host_state()?;
    assert_eq!(after.servers, before.servers - 1);
    // Its link and namespaces went with it.
    assert_eq!(
        after.links.len(),
        before.links.len() - 1,
        "{:?}",
        after.links
    );
    assert!(after.namespaces.is_subset(&before.namespaces));
    assert!(after.namespaces.len() < before.namespaces.len());
    let status = serde_json::to_value(m.model().status())?;
    assert!(status["applications"]["listener"]["units"]
        .get("listener/1")
        .is_none());
    assert!(!serde_json::to_string(&status)?.contains("listener-1"));
    assert_eq!(m.ssh_ok("listener/0", &["cat", &marker])?.trim(), "mine");
    Ok(())
}

#[test]
fn a_units_hook_sees_only_its_own_machines_var_lib_and_processes() -> anyhow::Result<()> {
    let Some(_one) = machines_test() else {
        return Ok(());
    };
    let root = tmp!("model-machines-varlib");
    let mut m = Deployed::new(&root)?;
    for n in 0..3 {
        let result = m
            .model()
            .run_action(&format!("listener/{n}"), "peek", &[])?;
        let out = format!("{result:?}");
        assert_eq!(result.status, "completed", "{out}");
        let settled = m.model().settle()?;
        assert!(settled.errors.is_empty(), "after peek: {settled:?}");
        let results = &result.results;
        // Each machine's /var/lib/listener holds its own file only.
        assert_eq!(
            results["owner"].as_str(),
            Some(format!("listener-{n}").as_str()),
            "{out}"
        );
        assert_eq!(
            results["listing"].as_str().map(str::trim),
            Some("mine.txt owner"),
            "{out}"
        );
        // Its own server is the only one it can see.
        assert_eq!(results["servers"].as_str(), Some("1"), "{out}");
        // A hook's apt-get is the machine's shim (downloads through the host, installs
        // inside; tested in the machines crate).
        assert_eq!(
            results["apt-get"].as_str(),
            Some("/usr/local/lib/reactive-machine/bin/apt-get"),
            "{out}"
        );
    }
    Ok(())
}

#[test]
fn an_unknown_provider_is_refused_before_anything_is_written() -> anyhow::Result<()> {
    let root = tmp!("model-machines-unknown");
    let dir = root.join("model");
    let options = InitOptions {
        provider: "lxd".into(),
        ..InitOptions::default()
    };
    let err = Model::init(&dir, &options, &helpers()).unwrap_err();
    assert!(
        err.to_string().contains("unknown provider \"lxd\""),
        "{err}"
    );
    assert!(!dir.exists());
    Ok(())
}

#[test]
fn item_6_destroy_force_removes_a_machines_model_whose_state_is_truncated() -> anyhow::Result<()> {
    let Some(_one) = machines_test() else {
        return Ok(());
    };
    let before = host_state()?;
    let root = tmp!("model-machines-force");
    let mut m = Deployed::new(&root)?;
    assert_eq!(host_state()?.servers, before.servers + 3);
    // Closed (its lock released) without destroying, then damaged.
    drop(m.model.take());
    let state = m.dir.join("model.json");
    let text = std::fs::read(&state)?;
    std::fs::write(&state, &text[..text.len() / 3])?;
    let err = Model::open(&m.dir, &helpers()).unwrap_err();
    assert!(
        format!("{err:#}").contains("`reactive model destroy --force` removes it"),
        "{err:#}"
    );
    // The machines are found from the model's machines folder, not model.json.
    Model::destroy_forced(&m.dir, &helpers(), || {})?;
    assert!(!m.dir.exists(), "the model directory is gone");
    let after = host_state()?;
    assert_eq!(after.links, before.links, "links");
    assert_eq!(after.servers, before.servers, "processes");
    assert!(
        after.namespaces.is_subset(&before.namespaces),
        "namespaces left: {:?}",
        after
            .namespaces
            .difference(&before.namespaces)
            .collect::<Vec<_>>()
    );
    assert_eq!(after.mounts, before.mounts, "mounts");
    Ok(())
}
