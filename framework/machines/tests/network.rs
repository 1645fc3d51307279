//! Three machines on one bridge: the same port in each, reachable by hostname from the
//! others; and `destroy_all` leaves no process, mount, namespace or link behind.

mod common;

use std::collections::BTreeSet;

use common::*;

/// Connects to port 8000 of every host named on the command line, retrying until a deadline
/// (the servers were just started), and prints each HTTP status line.
const CONNECT: &str = r#"
import socket, sys, time
deadline = time.time() + 20
for host in sys.argv[1:]:
    while True:
        try:
            s = socket.create_connection((host, 8000), timeout=2)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            line = s.makefile("rb").readline().decode().strip()
            s.close()
            print(host, socket.gethostbyname(host), line)
            break
        except OSError as e:
            if time.time() > deadline:
                print(host, "FAILED", e)
                sys.exit(1)
            time.sleep(0.1)
"#;

/// Every namespace any process is in, as `net:[4026531840]` strings.
fn all_namespaces() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for pid in host_pids() {
        for ns in ["mnt", "net", "pid", "uts", "ipc"] {
            if let Ok(link) = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")) {
                out.insert(link.display().to_string());
            }
        }
    }
    out
}

fn run_netns_entries() -> Vec<String> {
    dir_names("/run/netns")
}

#[test]
fn three_machines_serve_one_port_reach_each_other_by_hostname_and_leave_nothing_behind() {
    let Some(_lock) = machines_test("network") else {
        return;
    };
    let links_before = host_links();
    let namespaces_before = all_namespaces();
    let netns_before = run_netns_entries();

    let names = ["web-0", "web-1", "web-2"];
    let mut t = TestFleet::with_machines("network", &names);
    let base = t.base.clone();

    for name in names {
        let out = t.service(
            name,
            &[
                "start",
                "web",
                "--",
                "/usr/bin/python3",
                "-m",
                "http.server",
                "8000",
            ],
        );
        assert!(
            out.status.success(),
            "start in {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let routes = t.sh_ok(name, "ip route");
        assert!(
            !routes.contains("default"),
            "{name} must have no default route: {routes}"
        );
        assert_eq!(t.sh_ok(name, "hostname").trim(), name);
    }

    for (i, name) in names.iter().enumerate() {
        let others: Vec<&str> = names.iter().copied().filter(|n| n != name).collect();
        let mut args = vec!["-c", CONNECT];
        args.extend(&others);
        let out = t.run(name, "/usr/bin/python3", &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "from {name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (j, other) in names.iter().enumerate() {
            if j == i {
                continue;
            }
            let expected = format!("{other} {} HTTP/1.0 200 OK", t.address(10 + j as u8));
            assert!(
                stdout.contains(&expected),
                "from {name}, expected {expected:?} in:\n{stdout}"
            );
        }
    }
    // Three separate servers on the same port, one per machine.
    let servers = host_pids_with_cmdline("http.server 8000");
    assert_eq!(servers.len(), 3, "one server per machine: {servers:?}");

    let machine_namespaces: BTreeSet<String> = t
        .fleet
        .machines()
        .iter()
        .flat_map(|m| {
            ["mnt", "net", "pid", "uts", "ipc"].map(|ns| {
                std::fs::read_link(format!("/proc/{}/ns/{ns}", m.init.pid))
                    .map(|l| l.display().to_string())
            })
        })
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("reading machine namespaces: {e}"));
    assert_eq!(
        machine_namespaces.len(),
        15,
        "each machine has its own five namespaces"
    );
    assert!(machine_namespaces.is_disjoint(&namespaces_before));
    assert_ne!(
        host_links(),
        links_before,
        "the bridge and veths exist while machines run"
    );

    t.fleet
        .destroy_all()
        .unwrap_or_else(|e| panic!("destroy_all: {e}"));

    assert_eq!(host_links(), links_before, "links after destroy_all");
    assert_eq!(run_netns_entries(), netns_before);
    let left: Vec<i32> = servers
        .iter()
        .copied()
        .filter(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
        .collect();
    assert!(left.is_empty(), "server processes left: {left:?}");
    assert!(
        pids_with_mounts_under(&base).is_empty(),
        "processes with mounts under {}",
        base.display()
    );
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    assert!(!mountinfo.contains(&base.display().to_string()));
    let namespaces_after = all_namespaces();
    let still: Vec<_> = machine_namespaces.intersection(&namespaces_after).collect();
    assert!(
        still.is_empty(),
        "machine namespaces still in use: {still:?}"
    );
    let new: Vec<_> = namespaces_after.difference(&namespaces_before).collect();
    assert!(
        new.is_empty(),
        "namespaces that were not there before: {new:?}"
    );
    assert!(!base.exists(), "{} removed", base.display());
}
