//! Ending a machine and leaving no trace of it.
//!
//! 1. SIGKILL the init (checked by PID and start time) and wait for it: the kernel then kills
//!    every process of the machine's PID namespace.
//! 2. Scan `/proc` for anything still using the machine's overlay (a process in its mount
//!    namespace shows the overlay's `upperdir=` in `/proc/<pid>/mountinfo`): processes that
//!    entered without the PID namespace, or ones caught mid-`setns`. Kill them by pidfd and wait
//!    until none is left. When the last one goes, the mount namespace (overlay and all the
//!    machine's mounts) and the network namespace go too, and the kernel removes the veth pair.
//! 3. Remove the host end of the veth if the kernel has not yet, then the machine's directory.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::process::ProcessRef;
use crate::sys;

/// How long to wait for the init and the stragglers to die.
const KILL_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait for the host's init to reap the machine's dead init.
const REAP_WAIT: Duration = Duration::from_secs(5);

/// Waits (at most `timeout`) until the dead `init` has been reaped. Its parent is the host's
/// PID 1 (or a subreaper), which reaps orphans in its own time; until then the zombie still
/// pins the machine's PID namespace. Not reaped in time is not an error: a zombie holds no
/// other resource.
fn wait_reaped(init: &ProcessRef, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        match sys::proc_stat(init.pid) {
            Ok(Some(stat)) if stat.start_time == init.start_time => {}
            _ => return,
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGKILL to the machine's init without waiting, so several machines can die in
/// parallel before [`kill_machine`] waits for each.
pub(crate) fn signal_init(init: &ProcessRef) {
    if let Ok(Some(pidfd)) = init.open() {
        let _ = sys::pidfd_send_signal(&pidfd, libc::SIGKILL);
    }
}

/// Escapes a path as the kernel does in `/proc/<pid>/mountinfo` (space, tab, newline,
/// backslash as octal).
pub(crate) fn mountinfo_escape(path: &Path) -> String {
    let mut out = String::new();
    for c in path.display().to_string().chars() {
        match c {
            ' ' => out.push_str("\\040"),
            '\t' => out.push_str("\\011"),
            '\n' => out.push_str("\\012"),
            '\\' => out.push_str("\\134"),
            c => out.push(c),
        }
    }
    out
}

/// PIDs (host view) of processes whose mount table contains `needle`.
pub(crate) fn processes_with_mount(needle: &str) -> Vec<i32> {
    let me = std::process::id() as i32;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
                .is_ok_and(|text| text.contains(needle))
        })
        .collect()
}

/// Kills the machine whose init is `init` and whose overlay upper directory is `upper`, and
/// waits until none of its processes is left.
pub(crate) fn kill_machine(machine: &str, init: &ProcessRef, upper: &Path) -> anyhow::Result<()> {
    init.kill_and_wait(KILL_TIMEOUT)
        .with_context(|| format!("stopping the init of machine {machine}"))?;
    let needle = format!("upperdir={},", mountinfo_escape(upper));
    let deadline = Instant::now() + KILL_TIMEOUT;
    loop {
        let left = processes_with_mount(&needle);
        if left.is_empty() {
            wait_reaped(init, REAP_WAIT);
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!(
                "machine {machine}: processes {left:?} still use its filesystem {KILL_TIMEOUT:?} after SIGKILL"
            );
        }
        for pid in left {
            // Re-read the start time so the pidfd names the process we just saw.
            if let Ok(process) = ProcessRef::of(pid) {
                if let Ok(Some(pidfd)) = process.open() {
                    let _ = sys::pidfd_send_signal(&pidfd, libc::SIGKILL);
                    let _ = sys::pidfd_wait_exit(&pidfd, Duration::from_millis(500));
                }
            }
        }
    }
}

/// PIDs (host view) of the processes of the machine directory `dir`, whether or not the
/// fleet recorded the machine: its launcher and init (their command line names
/// `<dir>/init.json`; the init is forked without exec) and anything in its mount namespace
/// (`upperdir=<dir>/upper` in `/proc/<pid>/mountinfo`). A create interrupted before it
/// recorded the machine leaves exactly these.
pub(crate) fn processes_of_dir(dir: &Path) -> Vec<i32> {
    let me = std::process::id() as i32;
    let config = dir.join("init.json");
    let config = config.as_os_str().as_encoded_bytes();
    let needle = format!("upperdir={},", mountinfo_escape(&dir.join("upper")));
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            let named = std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|line| line.split(|b| *b == 0).any(|arg| arg == config));
            named
                || std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
                    .is_ok_and(|text| text.contains(&needle))
        })
        .collect()
}

/// Kills every process [`processes_of_dir`] finds for `dir` and waits until none is left;
/// the error names the machine and the processes still there after [`KILL_TIMEOUT`].
pub(crate) fn kill_dir_processes(machine: &str, dir: &Path) -> anyhow::Result<()> {
    let deadline = Instant::now() + KILL_TIMEOUT;
    loop {
        let left = processes_of_dir(dir);
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("machine {machine}: processes {left:?} still running {KILL_TIMEOUT:?} after SIGKILL");
        }
        for pid in left {
            if let Ok(process) = ProcessRef::of(pid) {
                if let Ok(Some(pidfd)) = process.open() {
                    let _ = sys::pidfd_send_signal(&pidfd, libc::SIGKILL);
                    let _ = sys::pidfd_wait_exit(&pidfd, Duration::from_millis(500));
                }
            }
        }
    }
}

/// Unmounts anything the host has mounted under `dir` (deepest first). Machines mount nothing
/// in the host's namespace, so this only undoes what something else left; removing a
/// directory tree with a mount inside would delete the mounted files.
pub(crate) fn unmount_under(dir: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string("/proc/self/mountinfo").context("reading /proc/self/mountinfo")?;
    let mut points = points_under(&text, dir);
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for path in points {
        sys::umount2(Path::new(&path), libc::MNT_DETACH)
            .with_context(|| format!("unmounting {path}"))?;
    }
    Ok(())
}

/// The host's mount points at or under `dir` (unescaped).
pub(crate) fn mounts_under(dir: &Path) -> Vec<String> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .map(|text| points_under(&text, dir))
        .unwrap_or_default()
}

fn points_under(mountinfo: &str, dir: &Path) -> Vec<String> {
    let prefix = mountinfo_escape(dir);
    mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .filter(|point| *point == prefix || point.starts_with(&format!("{prefix}/")))
        .map(unescape)
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// Removes a directory tree; a missing one is fine.
pub(crate) fn remove_tree(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("removing {}", dir.display())),
    }
}
