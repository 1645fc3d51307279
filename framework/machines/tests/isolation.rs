//! Machines do not see each other's files or processes, nor do they change the host's files.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;

#[test]
fn a_file_written_under_etc_stays_in_its_machine() {
    let Some(_lock) = machines_test("isolation-etc") else {
        return;
    };
    let t = TestFleet::with_machines("iso-etc", &["iso-a", "iso-b"]);
    let path = "/etc/reactive-machines-isolation-test";
    assert!(
        !Path::new(path).exists(),
        "{path} must not exist on the host before the test"
    );

    t.sh_ok(
        "iso-a",
        "echo written-in-a > /etc/reactive-machines-isolation-test",
    );
    assert_eq!(
        t.sh_ok("iso-a", "cat /etc/reactive-machines-isolation-test")
            .trim(),
        "written-in-a"
    );
    let in_b = t.sh("iso-b", "test -e /etc/reactive-machines-isolation-test");
    assert_eq!(
        in_b.status.code(),
        Some(1),
        "iso-b must not see iso-a's file"
    );
    assert!(
        !Path::new(path).exists(),
        "the host must not see iso-a's file"
    );
    let upper = t
        .fleet
        .machine("iso-a")
        .map(|m| m.upper_dir())
        .unwrap_or_default();
    assert!(
        upper.join("etc/reactive-machines-isolation-test").is_file(),
        "the write went to iso-a's upper dir"
    );
}

/// Writes /var/lib/x/data and stays alive; the last argument marks its command line.
const WRITER: &str =
    "import os, time\nos.makedirs('/var/lib/x', exist_ok=True)\nopen('/var/lib/x/data', 'w').write('secret of iso-a')\ntime.sleep(1000)\n";

#[test]
fn a_machine_sees_neither_the_files_nor_the_processes_of_another() {
    let Some(_lock) = machines_test("isolation-processes") else {
        return;
    };
    let t = TestFleet::with_machines("iso-proc", &["iso-a", "iso-b"]);
    let marker = format!("marker-writer-{}", std::process::id());
    let out = t.service(
        "iso-a",
        &[
            "start",
            "writer",
            "--",
            "/usr/bin/python3",
            "-c",
            WRITER,
            &marker,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        wait_until(Duration::from_secs(10), || t
            .sh("iso-a", "test -f /var/lib/x/data")
            .status
            .success()),
        "the writer never wrote /var/lib/x/data in iso-a"
    );
    let host_pids = host_pids_with_cmdline(&marker);
    assert_eq!(host_pids.len(), 1, "exactly one writer: {host_pids:?}");
    let host_pid = host_pids[0];

    // Positive controls: iso-a lists its writer, the host sees the file in iso-a's upper dir.
    assert!(t.sh_ok("iso-a", "ps -eo args").contains(&marker));
    let upper_file = t
        .fleet
        .machine("iso-a")
        .map(|m| m.upper_dir())
        .unwrap_or_default()
        .join("var/lib/x/data");
    assert!(upper_file.is_file());

    // iso-b: not through /var/lib, not through the writer's /proc/<pid>/root, not through
    // iso-a's upper dir on the host, and not in its process list.
    assert_eq!(
        t.sh("iso-b", "test -e /var/lib/x/data").status.code(),
        Some(1)
    );
    let via_proc = format!("test -e /proc/{host_pid}/root/var/lib/x/data");
    assert_eq!(
        t.sh("iso-b", &via_proc).status.code(),
        Some(1),
        "{via_proc}"
    );
    let via_upper = format!("test -e {}", upper_file.display());
    assert_eq!(
        t.sh("iso-b", &via_upper).status.code(),
        Some(1),
        "{via_upper}"
    );
    let listing = t.sh_ok("iso-b", "ps -eo pid,args");
    assert!(
        !listing.contains(&marker),
        "iso-b lists iso-a's process:\n{listing}"
    );
    let pids_in_b = t.sh_ok("iso-b", "ls /proc | grep -c '^[0-9]'");
    let count: usize = pids_in_b.trim().parse().unwrap_or(usize::MAX);
    assert!(
        count <= 5,
        "iso-b sees only its own few processes, not {count}:\n{listing}"
    );
    // Nor does the host's /etc/hostname change.
    assert_ne!(t.sh_ok("iso-b", "cat /etc/hostname").trim(), "iso-a");
}
