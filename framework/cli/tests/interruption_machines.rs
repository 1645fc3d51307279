//! Issue 16 item 5, the kill test: for several seeds, `reactive model deploy` on the
//! machines provider is killed (SIGKILL) at a moment chosen by the seed from what it has
//! visibly done (its first machine's folder appearing, or the k-th hook started); then
//! `status` reads, the next commands complete the deploy (the units end as an
//! uninterrupted deploy leaves them), and after `destroy` no process, namespace, mount or
//! link of the model remains. And SIGTERM during a hook in a machine ends the processes
//! it started there. Needs root (skipped otherwise); run it under
//! `flock /tmp/reactive-machines.lock`, as every test that makes machines.

mod interruption_common;

use std::collections::BTreeSet;
use std::path::Path;

use interruption_common::*;
use test_support::cli::CliModel;
use test_support::tmp;

/// Each hook appends `<unit> <hook>` to `<unit dir>/progress` (bound from the host) when
/// it starts, writes a file in the machine on install, and shows the hostname on start.
const DISPATCH: &str = r#"#!/bin/sh
echo "$JUJU_UNIT_NAME $JUJU_HOOK_NAME" >> "$CHARM_DIR/../progress"
case "$JUJU_HOOK_NAME" in
install) echo installed > /etc/km-installed ;;
start) status-set active "$(hostname) $(cat /etc/km-installed)" ;;
esac
sleep 0.2
exit 0
"#;

/// Hooks started so far, over every unit.
fn hooks_started(m: &CliModel) -> usize {
    std::fs::read_dir(m.dir.join("units"))
        .map(|d| d.flatten().map(|e| lines(&e.path().join("progress"))).sum())
        .unwrap_or(0)
}

/// Whether a machine's folder exists (its create has begun).
fn machine_begun(m: &CliModel) -> bool {
    std::fs::read_dir(m.dir.join("machines")).is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name() != "apt" && e.file_type().is_ok_and(|t| t.is_dir()))
    })
}

/// PIDs of processes that belong to the model: their mounts or command line name its
/// directory.
fn model_processes(dir: &Path) -> Vec<u32> {
    let needle = dir.display().to_string();
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter(|pid| *pid != me)
                .filter(|pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
                        .is_ok_and(|t| t.contains(&needle))
                        || std::fs::read(format!("/proc/{pid}/cmdline"))
                            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The namespaces (`mnt:[…]`, `net:[…]`, …) of `pids` that are not the host's own.
fn namespaces_of(pids: &[u32]) -> BTreeSet<String> {
    let host: BTreeSet<String> = ns_links(std::process::id());
    pids.iter()
        .flat_map(|pid| ns_links(*pid))
        .filter(|ns| !host.contains(ns))
        .collect()
}

fn ns_links(pid: u32) -> BTreeSet<String> {
    ["mnt", "net", "pid", "uts", "ipc"]
        .iter()
        .filter_map(|kind| std::fs::read_link(format!("/proc/{pid}/ns/{kind}")).ok())
        .map(|l| l.display().to_string())
        .collect()
}

/// Every namespace any process is in now.
fn all_namespaces() -> BTreeSet<String> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .flat_map(ns_links)
                .collect()
        })
        .unwrap_or_default()
}

/// Link names on the host (`ip -o link`).
fn host_links() -> BTreeSet<String> {
    let out = std::process::Command::new("ip")
        .args(["-o", "link", "show"])
        .output()
        .unwrap_or_else(|e| panic!("running ip: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|name| name.split('@').next().unwrap_or(name).to_string())
        .collect()
}

/// The model's bridge and the links on it.
fn model_links(m: &CliModel) -> BTreeSet<String> {
    let bridge = m.files().state()["provider"]["bridge"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let out = std::process::Command::new("ip")
        .args(["-o", "link", "show", "master", &bridge])
        .output()
        .unwrap_or_else(|e| panic!("running ip: {e}"));
    let mut links: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|name| name.split('@').next().unwrap_or(name).to_string())
        .collect();
    links.insert(bridge);
    links
}

/// Deploys two units of the test charm; if `moment` is given, kills the deploy then
/// (0: when its first machine's folder appears; k: when the k-th hook has started) and
/// completes the model. Returns the units' final states; destroys the model and checks
/// nothing of it is left.
fn deploy(root: &Path, moment: Option<usize>) -> Vec<(String, String, String, bool)> {
    let charm = test_support::charm::write_charm(
        root,
        "km",
        "name: km\nsummary: s\ndescription: d\n",
        DISPATCH,
    );
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init", "--provider", "machines"]);
    let args = ["deploy", &charm.to_string_lossy(), "-n", "2"];
    let mut seen_processes = Vec::new();
    match moment {
        None => {
            m.ok(&args);
        }
        Some(k) => {
            let mut child = start(&m, &args);
            poll(&format!("moment {k} of the deploy"), || {
                let reached = if k == 0 {
                    machine_begun(&m)
                } else {
                    hooks_started(&m) >= k
                };
                (reached || child.try_wait().ok().flatten().is_some()).then_some(())
            });
            signal(&child, "KILL");
            let _ = finish(child);
            // What the killed command left running: checked gone after destroy.
            seen_processes = model_processes(&m.dir);
            let status = m.ok_stdout(&["status"]);
            assert!(status.contains("km/0"), "moment {k}: {status}");
            complete(&m);
        }
    }
    let states = unit_states(&m);
    seen_processes.extend(model_processes(&m.dir));
    let namespaces = namespaces_of(&seen_processes);
    assert!(
        !namespaces.is_empty(),
        "the machines have namespaces of their own"
    );
    let links = model_links(&m);
    assert!(
        links.len() >= 3,
        "the bridge and a veth per machine: {links:?}"
    );

    m.ok(&["destroy"]);
    assert!(!m.dir.exists());
    let left = model_processes(&m.dir);
    assert!(left.is_empty(), "processes of the model left: {left:?}");
    let alive_left: Vec<&u32> = seen_processes.iter().filter(|p| alive(**p)).collect();
    assert!(alive_left.is_empty(), "processes left: {alive_left:?}");
    let ns_left: Vec<String> = all_namespaces()
        .intersection(&namespaces)
        .cloned()
        .collect();
    assert!(
        ns_left.is_empty(),
        "namespaces of the model left: {ns_left:?}"
    );
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let dir = m.dir.display().to_string();
    assert!(
        !mounts.lines().any(|l| l.contains(&dir)),
        "mounts of the model left:\n{mounts}"
    );
    let links_left: Vec<String> = host_links().intersection(&links).cloned().collect();
    assert!(
        links_left.is_empty(),
        "links of the model left: {links_left:?}"
    );
    states
}

#[test]
fn item_5_kill_test_sigkill_during_a_machines_deploy_is_completed_and_destroy_leaves_nothing() {
    if !test_support::is_root() {
        eprintln!("skipped: machines need root");
        return;
    }
    assert!(
        Path::new(REACTIVE)
            .with_file_name("reactive-machine")
            .is_file(),
        "build reactive-machine first: cargo build -p charms-reactive-machines"
    );
    let expected = deploy(&tmp!("cli-kill-machines-ref"), None);
    assert_eq!(
        expected,
        vec![
            (
                "km/0".into(),
                "active".into(),
                "km-0 installed".into(),
                true
            ),
            (
                "km/1".into(),
                "active".into(),
                "km-1 installed".into(),
                true
            ),
        ]
    );
    for seed in 1..=6u64 {
        // 0: while the first machine is being made; 1…7: once that many hooks started.
        let moment = (mix(seed) % 8) as usize;
        let got = deploy(&tmp!(format!("cli-kill-machines-{seed}")), Some(moment));
        assert_eq!(got, expected, "killed at moment {moment} (seed {seed})");
    }
}

/// The first `install` starts a child and waits for it (ten minutes of work), after
/// touching `<unit dir>/started`; PIDs inside a machine are its own, so the test finds
/// the child on the host by its command line among the model's processes.
const LONG_INSTALL: &str = r#"#!/bin/sh
d="$CHARM_DIR/.."
case "$JUJU_HOOK_NAME" in
install)
  if [ ! -e "$d/installed-once" ]; then
    touch "$d/installed-once"
    sleep 600 &
    touch "$d/started"
    wait
  fi ;;
start) status-set active ready ;;
esac
exit 0
"#;

/// Host PIDs of the machine's processes running `sleep 600`.
fn sleepers(dir: &Path) -> Vec<u32> {
    model_processes(dir)
        .into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.starts_with(b"sleep\x00600"))
        })
        .collect()
}

#[test]
fn item_5_sigterm_during_a_hook_in_a_machine_ends_its_processes_in_the_machine() {
    if !test_support::is_root() {
        eprintln!("skipped: machines need root");
        return;
    }
    let root = tmp!("cli-interrupt-machines-TERM");
    let charm = test_support::charm::write_charm(
        &root,
        "long",
        "name: long\nsummary: s\ndescription: d\n",
        LONG_INSTALL,
    );
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init", "--provider", "machines"]);
    let child = start(&m, &["deploy", &charm.to_string_lossy()]);
    let started = m.dir.join("units/unit-long-0/started");
    poll("the install hook to start its child", || {
        started.exists().then_some(())
    });
    let running = sleepers(&m.dir);
    assert_eq!(running.len(), 1, "the hook's child runs in the machine");
    signal(&child, "TERM");
    let (code, err) = finish(child);
    assert_eq!(code, Some(143), "{err}");
    poll("the hook's child to end", || {
        running.iter().all(|p| !alive(*p)).then_some(())
    });
    let status = m.ok_stdout(&["status"]);
    assert!(status.contains("hook failed: \"install\""), "{status}");
    m.ok(&["resolve", "long/0"]);
    assert_eq!(
        unit_states(&m),
        vec![("long/0".into(), "active".into(), "ready".into(), true)]
    );
    m.ok(&["destroy"]);
    assert!(!m.dir.exists());
}
