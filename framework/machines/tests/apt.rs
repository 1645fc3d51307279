//! The apt-get shim: a package installed in one machine through the host's network lands in
//! that machine only, machines take turns on the fleet's package lock and say so, and other
//! verbs pass through.

mod common;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::time::Duration;

use charms_reactive_machines::MACHINE_BIN_DIR;
use common::*;

fn installed_on_host(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f", "${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn available(package: &str) -> bool {
    Command::new("apt-cache")
        .args(["policy", package])
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            text.contains("Candidate:") && !text.contains("Candidate: (none)")
        })
        .unwrap_or(false)
}

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
        .find(|p| !installed_on_host(p) && available(p))
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
    let lock_path = t.base.join("apt/lock");
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
        !installed_on_host(package),
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
