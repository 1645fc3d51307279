//! The apt-get shim: a package installed in one machine through the host's network lands in
//! that machine only, machines take turns on the fleet's package lock and say so, and other
//! verbs pass through.

mod common;

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use charms_reactive_machines::{MachineSpec, MACHINE_BIN_DIR};
use common::*;

/// A small package the archive has and the host has not installed.
fn pick_package() -> Option<&'static str> {
    let lists_empty = std::fs::read_dir("/var/lib/apt/lists")
        .map(|d| {
            !d.filter_map(|e| e.ok()).any(|e| {
                e.file_name().to_string_lossy().ends_with("_Packages")
                    || e.file_name().to_string_lossy().contains("_Packages.")
            })
        })
        .unwrap_or(true);
    if lists_empty {
        let status = Command::new("apt-get").args(["update", "-qq"]).status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "host apt-get update failed"
        );
    }
    ["hello", "sl", "cowsay"]
        .into_iter()
        .find(|p| !test_support::host_has_package(p) && test_support::apt_candidate(p))
}

#[test]
fn apt_get_install_in_one_machine_installs_there_only_and_waits_its_turn() {
    let Some(_lock) = machines_test("apt") else {
        return;
    };
    let package = pick_package().unwrap_or_else(|| {
        panic!("none of hello, sl, cowsay is available and not installed on the host")
    });
    let t = TestFleet::with_machines("apt", &["apt-a", "apt-b"]);
    let shim = format!("{MACHINE_BIN_DIR}/apt-get");

    // Another machine ("hello-9") holds the fleet's package lock.
    let lock_path = t.fleet.apt_lock_path();
    let mut holder: File = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("opening {}: {e}", lock_path.display()));
    // SAFETY: plain system call.
    assert_eq!(unsafe { libc::flock(holder.as_raw_fd(), libc::LOCK_EX) }, 0);
    holder
        .set_len(0)
        .and_then(|()| holder.write_all(b"hello-9"))
        .unwrap_or_else(|e| panic!("writing the holder: {e}"));

    let stderr_path = t.base.join("apt-a.stderr");
    let stdout_path = t.base.join("apt-a.stdout");
    let mut install = t
        .fleet
        .command("apt-a", &shim)
        .unwrap_or_else(|e| panic!("{e}"))
        .args(["install", "-y", "--no-install-recommends", package])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).unwrap_or_else(|e| panic!("{e}")))
        .stderr(File::create(&stderr_path).unwrap_or_else(|e| panic!("{e}")))
        .spawn()
        .unwrap_or_else(|e| panic!("starting apt-get in apt-a: {e}"));
    let waiting = "waiting for the package lock held by machine hello-9…";
    assert!(
        wait_until(Duration::from_secs(20), || std::fs::read_to_string(
            &stderr_path
        )
        .is_ok_and(|s| s.contains(waiting))),
        "no wait message; stderr: {}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    assert!(
        matches!(install.try_wait(), Ok(None)),
        "apt-get must wait for the lock, not fail"
    );
    drop(holder);

    let status = install
        .wait()
        .unwrap_or_else(|e| panic!("waiting for apt-get: {e}"));
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        status.success(),
        "apt-get install {package} in apt-a: {status}\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("Setting up {package}")),
        "apt's output streams back:\n{stdout}"
    );

    let query = format!("dpkg-query -W -f '${{Status}}' {package}");
    assert!(t.sh_ok("apt-a", &query).contains("install ok installed"));
    let in_b = t.sh("apt-b", &query);
    assert!(
        !String::from_utf8_lossy(&in_b.stdout).contains("install ok installed"),
        "{}",
        text(&in_b)
    );
    assert!(
        !test_support::host_has_package(package),
        "{package} must not be installed on the host"
    );

    // The download stayed in the shared cache (the keep-debs configuration works).
    let cached = std::fs::read_dir(t.fleet.apt_cache_dir())
        .map(|d| {
            d.filter_map(|e| e.ok()).any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{package}_"))
            })
        })
        .unwrap_or(false);
    assert!(
        cached,
        "{package}'s .deb is in {}",
        t.fleet.apt_cache_dir().display()
    );
    assert!(t
        .sh_ok("apt-a", "apt-config dump DPkg::Post-Invoke")
        .trim()
        .ends_with("DPkg::Post-Invoke \"\";"));

    // Other verbs go straight to /usr/bin/apt-get.
    let version = t.run("apt-b", &shim, &["--version"]);
    assert!(
        version.status.success() && version.stdout.starts_with(b"apt "),
        "{}",
        text(&version)
    );
    // A failing install reports apt's own exit code.
    let missing = t.run(
        "apt-b",
        &shim,
        &["install", "-y", "no-such-package-reactive-machines"],
    );
    assert_eq!(missing.status.code(), Some(100), "{}", text(&missing));
}

/// The `PATH` charmhelpers gives apt (from `/etc/environment`): no shim directory on it.
const PLAIN_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// Sends each line `reader` gives, tagged, until it ends.
fn forward_lines(
    tag: &'static str,
    reader: impl Read + Send + 'static,
    to: mpsc::Sender<(&'static str, String)>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            if to.send((tag, line)).is_err() {
                break;
            }
        }
    });
}

/// Waits, up to `timeout`, for a line from `tag` containing `needle`; every line seen is
/// kept in `seen` for the failure message.
fn expect_line(
    lines: &mpsc::Receiver<(&'static str, String)>,
    seen: &mut Vec<String>,
    tag: &str,
    needle: &str,
    timeout: Duration,
) {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok((from, line)) => {
                let found = from == tag && line.contains(needle);
                seen.push(format!("{from}: {line}"));
                if found {
                    return;
                }
            }
            Err(_) => panic!(
                "no line with {needle:?} from {tag} within {timeout:?}; seen:\n{}",
                seen.join("\n")
            ),
        }
    }
}

/// `script` run by `sh` in `machine` with [`PLAIN_PATH`], its stdout and stderr sent to
/// `lines` tagged `<tag>.out` and `<tag>.err`.
fn spawn_plain(
    t: &TestFleet,
    machine: &str,
    script: &str,
    tags: (&'static str, &'static str),
    lines: &mpsc::Sender<(&'static str, String)>,
) -> Child {
    let mut child = t
        .fleet
        .command(machine, "/bin/sh")
        .unwrap_or_else(|e| panic!("command in {machine}: {e}"))
        .args(["-c", script])
        .env("PATH", PLAIN_PATH)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting `{script}` in {machine}: {e}"));
    if let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) {
        forward_lines(tags.0, out, lines.clone());
        forward_lines(tags.1, err, lines.clone());
    }
    child
}

/// Item 2 of the machines issue: `apt-get` and `apt` work whatever `PATH` a hook sets. With
/// charmhelpers' `PATH` (no shim directory), `/usr/bin/apt-get` and `/usr/bin/apt` are the
/// shim: two machines install at once, both succeed, and the one that waits names the
/// machine holding the package lock. Deterministic: machine apt-a's install is held, while
/// it has the lock, by a dpkg pre-invoke hook waiting on a file lock the test holds.
#[test]
fn item_2_apt_get_and_apt_work_whatever_path_and_take_turns() {
    let Some(_lock) = machines_test("item 2: apt from any PATH") else {
        return;
    };
    let package = pick_package().unwrap_or_else(|| {
        panic!("none of hello, sl, cowsay is available and not installed on the host")
    });
    let mut t = TestFleet::new("apt-path");
    let gate_dir = test_support::tmp!(format!("apt-path-gate-{}", std::process::id()));
    let gate_path = gate_dir.join("lock");
    let gate = File::create(&gate_path).unwrap_or_else(|e| panic!("{}: {e}", gate_path.display()));
    // SAFETY: plain system call.
    assert_eq!(unsafe { libc::flock(gate.as_raw_fd(), libc::LOCK_EX) }, 0);
    for (name, last) in [("apt-a", 10), ("apt-b", 11)] {
        let mut spec = MachineSpec::new(name, t.address(last));
        spec.binds.push((gate_dir.clone(), "/gate".into()));
        t.fleet
            .create(&spec)
            .unwrap_or_else(|e| panic!("create {name}: {e}"));
    }

    // The usual paths are the shim, whatever PATH says.
    for program in ["apt-get", "apt"] {
        let out = t.sh_ok(
            "apt-a",
            &format!("PATH={PLAIN_PATH}; readlink \"$(command -v {program})\""),
        );
        assert_eq!(out.trim(), format!("{MACHINE_BIN_DIR}/{program}"));
    }
    // apt-a's dpkg run waits at the gate (after saying so), holding the package lock.
    t.sh_ok(
        "apt-a",
        "echo 'DPkg::Pre-Invoke { \"echo at-the-gate; flock /gate/lock true\"; };' > /etc/apt/apt.conf.d/00gate",
    );

    let (send, lines) = mpsc::channel();
    let mut seen = Vec::new();
    let install = format!("apt-get install -y --no-install-recommends {package}");
    let mut a = spawn_plain(&t, "apt-a", &install, ("a.out", "a.err"), &send);
    expect_line(
        &lines,
        &mut seen,
        "a.out",
        "at-the-gate",
        Duration::from_secs(600),
    );
    let install = format!("apt install -y --no-install-recommends {package}");
    let mut b = spawn_plain(&t, "apt-b", &install, ("b.out", "b.err"), &send);
    expect_line(
        &lines,
        &mut seen,
        "b.err",
        "waiting for the package lock held by machine apt-a…",
        Duration::from_secs(60),
    );
    assert!(
        matches!(b.try_wait(), Ok(None)),
        "apt in apt-b must wait for the lock, not fail"
    );
    drop(gate);

    let a_status = a
        .wait()
        .unwrap_or_else(|e| panic!("waiting for apt-a: {e}"));
    let b_status = b
        .wait()
        .unwrap_or_else(|e| panic!("waiting for apt-b: {e}"));
    drop(send);
    seen.extend(lines.iter().map(|(tag, line)| format!("{tag}: {line}")));
    assert!(
        a_status.success() && b_status.success(),
        "apt-a: {a_status}, apt-b: {b_status}\n{}",
        seen.join("\n")
    );
    let query = format!("dpkg-query -W -f '${{Status}}' {package}");
    for machine in ["apt-a", "apt-b"] {
        assert!(
            t.sh_ok(machine, &query).contains("install ok installed"),
            "{package} in {machine}"
        );
    }
    assert!(
        !test_support::host_has_package(package),
        "{package} must not be installed on the host"
    );
    // The real programs still answer, through the shim, for verbs that need no lock.
    let version = t.sh_ok("apt-b", &format!("PATH={PLAIN_PATH} apt-get --version"));
    assert!(version.starts_with("apt "), "{version}");
}
