//! Shared set-up for the machine tests: root check, a private fleet per test, a lock that
//! serialises tests touching host-global state, and helpers to run commands in machines.

#![allow(dead_code)]

use std::fs::{File, OpenOptions};
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use charms_reactive_machines::{Fleet, FleetConfig, MachineSpec, NetConfig};

/// For a test that makes machines: `None` (the test is skipped, and says why) unless we are
/// root; else the [`HostLock`] that runs such tests one at a time.
pub fn machines_test(test: &str) -> Option<HostLock> {
    // SAFETY: plain system call.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping {test}: machines need root (CI runs these tests as root)");
        return None;
    }
    Some(host_lock())
}

/// Serialises the machine tests across threads and processes, so before/after comparisons of
/// host-wide state (links, processes) see only one test's changes.
pub struct HostLock(File);

fn host_lock() -> HostLock {
    let path = std::env::temp_dir().join("charms-reactive-machines-tests.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
    // SAFETY: plain system call; each open is its own lock owner, so threads exclude each other too.
    let ret = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(ret, 0, "flock {}", path.display());
    HostLock(file)
}

/// A fleet of its own for one test, destroyed when dropped (also when the test panics).
pub struct TestFleet {
    pub fleet: Fleet,
    pub net: NetConfig,
    pub base: PathBuf,
}

impl TestFleet {
    pub fn new(test: &str) -> TestFleet {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let seed = format!("{test}-{}-{nanos}", std::process::id());
        let net = NetConfig::derived(&seed);
        let base = test_support::tmp!(format!("machines-{test}-{}", std::process::id()));
        let helper = PathBuf::from(env!("CARGO_BIN_EXE_reactive-machine"));
        let fleet = Fleet::open(&base, FleetConfig::new(net.clone(), helper))
            .unwrap_or_else(|e| panic!("open fleet: {e}"));
        TestFleet { fleet, net, base }
    }

    pub fn address(&self, last: u8) -> Ipv4Addr {
        let [a, b, c, _] = self.net.subnet.octets();
        Ipv4Addr::new(a, b, c, last)
    }

    /// A fleet with `machines` created, at addresses `.10`, `.11`, … in that order.
    pub fn with_machines(test: &str, machines: &[&str]) -> TestFleet {
        let mut t = TestFleet::new(test);
        for (i, name) in machines.iter().enumerate() {
            t.create(name, 10 + i as u8);
        }
        t
    }

    pub fn create(&mut self, name: &str, last: u8) {
        let spec = MachineSpec::new(name, self.address(last));
        self.fleet
            .create(&spec)
            .unwrap_or_else(|e| panic!("create {name}: {e}"));
    }

    /// Runs `program args…` in `machine`, capturing output.
    pub fn run(&self, machine: &str, program: &str, args: &[&str]) -> Output {
        self.fleet
            .command(machine, program)
            .unwrap_or_else(|e| panic!("command in {machine}: {e}"))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running {program} in {machine}: {e}"))
    }

    /// Runs a shell snippet in `machine` (fixed test scripts, no interpolated input).
    pub fn sh(&self, machine: &str, script: &str) -> Output {
        self.run(machine, "/bin/sh", &["-c", script])
    }

    /// Like [`TestFleet::sh`] but the snippet must succeed; returns its stdout.
    pub fn sh_ok(&self, machine: &str, script: &str) -> String {
        let out = self.sh(machine, script);
        assert!(
            out.status.success(),
            "in {machine}: `{script}` failed: {}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether process `pid` (a PID as `machine` numbers them) exists in `machine`.
    pub fn has_process(&self, machine: &str, pid: i32) -> bool {
        let out = self.sh(machine, &format!("test -d /proc/{pid}"));
        match out.status.code() {
            Some(0) => true,
            Some(1) => false,
            _ => panic!("looking for process {pid} in {machine}: {}", text(&out)),
        }
    }

    /// `reactive-service ARGS` in `machine`.
    pub fn service(&self, machine: &str, args: &[&str]) -> Output {
        self.run(
            machine,
            "/usr/local/lib/reactive-machine/bin/reactive-service",
            args,
        )
    }
}

impl Drop for TestFleet {
    fn drop(&mut self) {
        if let Err(e) = self.fleet.destroy_all() {
            eprintln!("cleaning up fleet {}: {e}", self.base.display());
        }
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A command's exit status, stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The PIDs of every process on the host.
pub fn host_pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Host PIDs whose command line contains `needle`.
pub fn host_pids_with_cmdline(needle: &str) -> Vec<i32> {
    let me = std::process::id() as i32;
    host_pids()
        .into_iter()
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|bytes| {
                    String::from_utf8_lossy(&bytes)
                        .replace('\0', " ")
                        .contains(needle)
                })
                .unwrap_or(false)
        })
        .collect()
}

/// The names in directory `dir`, sorted (none if it cannot be read).
pub fn dir_names(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| Some(e.ok()?.file_name().to_str()?.to_string()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Names of the host's network links.
pub fn host_links() -> Vec<String> {
    dir_names("/sys/class/net")
}

/// PIDs of processes whose mount table mentions `path`.
pub fn pids_with_mounts_under(path: &Path) -> Vec<i32> {
    let needle = path.display().to_string();
    host_pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
                .is_ok_and(|t| t.contains(&needle))
        })
        .collect()
}
