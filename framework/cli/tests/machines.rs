//! The machines provider end to end: `reactive model init --provider machines`, then
//! real namespace machines (needs root, as CI runs). Each test owns its model; they run
//! one at a time because one of them compares host-wide listings before and after.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");
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
    if !is_root() {
        eprintln!("skipped: machines need root");
        return None;
    }
    Some(ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Whether this process runs as root (`/proc/self` belongs to the effective user).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("machines-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("tmp");
    dir
}

fn charm(root: &Path) -> PathBuf {
    let dir = root.join("listener");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("metadata.yaml"), METADATA).unwrap();
    std::fs::write(dir.join("actions.yaml"), ACTIONS).unwrap();
    std::fs::write(dir.join("dispatch"), DISPATCH).unwrap();
    std::fs::set_permissions(dir.join("dispatch"), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

struct Model {
    dir: PathBuf,
}

impl Model {
    fn run(&self, args: &[&str]) -> Output {
        let mut full = vec!["model", "--model", self.dir.to_str().unwrap()];
        full.extend_from_slice(args);
        Command::new(REACTIVE)
            .args(&full)
            .output()
            .expect("run reactive")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "reactive model {args:?} failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// A model with three listener units.
    fn deployed(root: &Path) -> Model {
        let helper = Path::new(REACTIVE).with_file_name("reactive-machine");
        assert!(
            helper.is_file(),
            "{} is missing: build the workspace (cargo test --workspace builds it)",
            helper.display()
        );
        let m = Model {
            dir: root.join("model"),
        };
        m.ok(&["init", "--provider", "machines"]);
        let charm = charm(root);
        m.ok(&["deploy", charm.to_str().unwrap(), "-n", "3"]);
        m
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // A failed test must not leave machines running.
        if self.dir.join("model.json").exists() {
            let _ = self.run(&["destroy"]);
        }
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

fn host_state() -> HostState {
    let out = Command::new("ip")
        .args(["-o", "link"])
        .output()
        .expect("ip");
    let links = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(':').nth(1).map(|n| n.trim().to_string()))
        .collect();
    let mut namespaces = BTreeSet::new();
    let mut servers = 0;
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
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
    let mounts = std::fs::read_to_string("/proc/self/mountinfo")
        .expect("mountinfo")
        .lines()
        .map(|l| l.split(' ').skip(3).take(2).collect::<Vec<_>>().join(" "))
        .collect();
    HostState {
        links,
        namespaces,
        mounts,
        servers,
    }
}

#[test]
fn three_units_listen_on_one_port_reach_each_other_by_name_and_destroy_leaves_nothing() {
    let Some(_one) = machines_test() else {
        return;
    };
    let before = host_state();
    let root = tmp("listen");
    let m = Model::deployed(&root);
    let status = m.ok(&["status", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&status).unwrap();
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(m.dir.join("model.json")).unwrap()).unwrap();
    let peers = state["relations"]
        .as_object()
        .and_then(|r| r.values().next())
        .expect("the peer relation");
    for n in 0..3 {
        let name = format!("listener/{n}");
        let unit = &doc["applications"]["listener"]["units"][&name];
        assert_eq!(unit["workload-status"]["current"], "active", "{status}");
        assert_eq!(unit["machine"], format!("listener-{n}"));
        // unit-get and the relation address keys give the machine's address, which is
        // on the machine's eth0.
        let address = unit["address"].as_str().expect("address").to_string();
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
        let mine = m.ok(&["ssh", &name, "--", "cat", "/var/lib/listener/mine.txt"]);
        assert!(
            mine.contains("from-file: \"yes\""),
            "relation-get -o wrote in the machine: {mine}"
        );
        assert_eq!(bag["ingress-address"], address.as_str());
        let on_eth0 = m.ok(&["ssh", &name, "--", "ip", "-o", "-4", "addr", "show", "eth0"]);
        assert!(on_eth0.contains(&format!("inet {address}/24")), "{on_eth0}");
    }
    // All three servers run (the same port on each machine), none on the host.
    assert_eq!(host_state().servers, before.servers + 3);
    for n in 0..3 {
        for other in (0..3).filter(|o| *o != n) {
            let url = format!("http://listener-{other}:8000/owner");
            let got = m.ok(&[
                "ssh",
                &format!("listener/{n}"),
                "--",
                "python3",
                "-c",
                "import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=10).read().decode().strip())",
                &url,
            ]);
            assert_eq!(
                got.trim(),
                format!("listener-{other}"),
                "{url} from listener/{n}"
            );
        }
    }
    let hostname = m.ok(&["ssh", "listener/2", "--", "hostname"]);
    assert_eq!(hostname.trim(), "listener-2");

    m.ok(&["destroy"]);
    assert!(!m.dir.exists(), "the model directory is gone");
    let after = host_state();
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
}

#[test]
fn a_file_under_etc_stays_on_its_machine() {
    let Some(_one) = machines_test() else {
        return;
    };
    let root = tmp("etc");
    let m = Model::deployed(&root);
    let marker = format!("/etc/reactive-test-{}", std::process::id());
    m.ok(&[
        "ssh",
        "listener/0",
        "--",
        "sh",
        "-c",
        &format!("echo mine > {marker}"),
    ]);
    assert_eq!(
        m.ok(&["ssh", "listener/0", "--", "cat", &marker]).trim(),
        "mine"
    );
    let other = m.run(&["ssh", "listener/1", "--", "test", "-e", &marker]);
    assert_eq!(other.status.code(), Some(1), "visible on listener/1");
    assert!(!Path::new(&marker).exists(), "visible on the host");

    // Removing a unit ends its machine: its server goes, the others stay.
    let before = host_state();
    m.ok(&["remove-unit", "listener/1"]);
    let after = host_state();
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
    assert!(!m.ok(&["status"]).contains("listener-1"));
    assert_eq!(
        m.ok(&["ssh", "listener/0", "--", "cat", &marker]).trim(),
        "mine"
    );
}

#[test]
fn a_units_hook_sees_only_its_own_machines_var_lib_and_processes() {
    let Some(_one) = machines_test() else {
        return;
    };
    let root = tmp("varlib");
    let m = Model::deployed(&root);
    for n in 0..3 {
        let out = m.ok(&["run", &format!("listener/{n}"), "peek"]);
        let doc: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
        let results = &doc["results"];
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
}

#[test]
fn machines_need_root_and_say_so_in_one_line() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let root = tmp("not-root");
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).unwrap();
    let dir = root.join("model");
    let mut cmd = if is_root() {
        // Drop to nobody for this one command.
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", REACTIVE]);
        c
    } else {
        Command::new(REACTIVE)
    };
    let out = cmd
        .args([
            "model",
            "--model",
            dir.to_str().unwrap(),
            "init",
            "--provider",
            "machines",
        ])
        .output()
        .expect("run reactive");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("root"), "{err}");
    assert!(err.contains("--provider local"), "{err}");
    assert!(!dir.exists(), "no model was made");

    // An unknown provider is refused the same way.
    let out = Command::new(REACTIVE)
        .args([
            "model",
            "--model",
            dir.to_str().unwrap(),
            "init",
            "--provider",
            "lxd",
        ])
        .output()
        .expect("run reactive");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown provider \"lxd\""));
    assert!(!dir.exists());
}
