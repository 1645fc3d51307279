//! Interruption: what SIGINT and SIGTERM to a `reactive` command do to the hooks it runs,
//! and what a command killed outright (SIGKILL) leaves for the next one to find.
//!
//! Every hook and action runs in a process group of its own ([`spawn`]), registered here
//! while it runs and recorded in its unit's directory (`hook.run`: the group's leader by
//! PID and start time, and the program). After [`install`], a SIGINT or SIGTERM sends
//! SIGTERM to every running group, then SIGKILL to those still there after [`GRACE`]; the
//! hooks die by the signal and are recorded as failed (`hook failed: "<hook>"`), no new
//! hook starts, and the command stops once the round is recorded
//! ([`interrupted`] tells the scheduler). A second signal does not wait. A command
//! killed outright leaves its records: the next command ends those groups and records
//! their hooks as failed, as Juju's unit agent reports a hook it started but never saw
//! finish ([`crate::reconcile`]).
//!
//! Layer: process launch, beside [`crate::launch`]; it depends on no other module.

use std::io::Read;
use std::os::fd::IntoRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use charms_reactive_machines::ProcessRef;
use serde::{Deserialize, Serialize};

/// How long hooks get to exit after SIGTERM before their groups get SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);

/// The signal that interrupted the command (0: none yet).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Write end of the self-pipe the signal handler writes the signal number to.
static PIPE: AtomicI32 = AtomicI32::new(-1);
/// Sections (settling) that check [`interrupted`] and end the command themselves.
static SETTLING: AtomicUsize = AtomicUsize::new(0);
/// Process groups of the hooks and actions running now.
static RUNNING: Mutex<Vec<i32>> = Mutex::new(Vec::new());
/// Signalled whenever a group leaves [`RUNNING`].
static ENDED: Condvar = Condvar::new();

/// The name of the file recording a running hook or action in its unit's directory.
pub const RUN_RECORD: &str = "hook.run";

/// What `hook.run` holds: the process group's leader and the program it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The leader (its PID is the group's id), by PID and start time.
    pub leader: ProcessRef,
    /// `hooks/<name>` or `actions/<name>`.
    pub program: String,
}

extern "C" fn on_signal(signal: libc::c_int) {
    let fd = PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        let byte = signal as u8;
        // SAFETY: write is async-signal-safe; `byte` lives for the call.
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
}

/// Handles SIGINT and SIGTERM for the rest of the process: a thread reads the signal from
/// a self-pipe (the handler only writes a byte, all it may safely do) and ends the
/// running hooks' groups. Outside settling, with no hook running, the process then exits
/// with 128 + the signal at once, as it would have without a handler: the next command
/// reconciles whatever it was doing.
pub fn install() -> std::io::Result<()> {
    let (mut read, write) = std::io::pipe()?;
    PIPE.store(write.into_raw_fd(), Ordering::Relaxed);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is valid; the handler is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut byte = [0u8; 1];
            while read.read_exact(&mut byte).is_ok() {
                handle(i32::from(byte[0]));
            }
        })?;
    Ok(())
}

fn handle(signal: i32) {
    let first = SIGNAL
        .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    if !first {
        // A second signal: no more waiting.
        kill_groups(libc::SIGKILL);
        std::process::exit(128 + signal);
    }
    kill_groups(libc::SIGTERM);
    let deadline = Instant::now() + GRACE;
    let mut running = lock_running();
    while !running.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        running = match ENDED.wait_timeout(running, left) {
            Ok((guard, _)) => guard,
            Err(poisoned) => poisoned.into_inner().0,
        };
    }
    let idle = running.is_empty();
    drop(running);
    kill_groups(libc::SIGKILL);
    if idle && SETTLING.load(Ordering::SeqCst) == 0 {
        eprintln!("interrupted by {}", signal_name(signal));
        std::process::exit(128 + signal);
    }
}

fn lock_running() -> std::sync::MutexGuard<'static, Vec<i32>> {
    RUNNING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn kill_groups(signal: i32) {
    for group in lock_running().iter() {
        // SAFETY: killpg only sends a signal.
        unsafe { libc::killpg(*group, signal) };
    }
}

/// `SIGINT`, `SIGTERM` or the number.
pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

/// The signal that interrupted this command, if one did.
pub fn interrupted() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// While held, a signal leaves ending the command to its holder (the scheduler, which
/// records the killed hooks first).
pub(crate) struct Settling(());

impl Settling {
    pub(crate) fn begin() -> Settling {
        SETTLING.fetch_add(1, Ordering::SeqCst);
        Settling(())
    }
}

impl Drop for Settling {
    fn drop(&mut self) {
        SETTLING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A hook or action started by [`spawn`]: its group stays registered (and recorded in
/// `hook.run`) until dropped.
pub(crate) struct Running {
    group: i32,
    record: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = lock_running();
        running.retain(|g| *g != self.group);
        if interrupted().is_some() {
            // What ignored SIGTERM, or outlived its leader, goes too.
            // SAFETY: killpg only sends a signal.
            unsafe { libc::killpg(self.group, libc::SIGKILL) };
        }
        drop(running);
        ENDED.notify_all();
        let _ = std::fs::remove_file(&self.record);
    }
}

/// Starts `cmd` in a process group of its own, registered for interruption and recorded
/// in `unit_dir/hook.run` as running `program`. Refused once the command is interrupted.
pub(crate) fn spawn(
    cmd: &mut Command,
    unit_dir: &Path,
    program: &str,
) -> std::io::Result<(Child, Running)> {
    cmd.process_group(0);
    // Daemons a hook starts outlive this command: they must not keep its descriptors
    // (a lock the command's caller holds through one would never be released).
    charms_reactive_machines::inherit_no_descriptors(cmd);
    let mut running = lock_running();
    if let Some(signal) = interrupted() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            format!("the command was interrupted by {}", signal_name(signal)),
        ));
    }
    let child = cmd.spawn()?;
    let group = child.id() as i32;
    running.push(group);
    drop(running);
    let record = unit_dir.join(RUN_RECORD);
    if let Ok(leader) = ProcessRef::of(group) {
        let text = serde_json::to_vec(&RunRecord {
            leader,
            program: program.to_string(),
        })
        .unwrap_or_default();
        // Best effort: without it only a SIGKILL of this command would lose the group.
        let _ = std::fs::write(&record, text);
    }
    Ok((child, Running { group, record }))
}

/// Ends what a killed command left running from `unit_dir` (its `hook.run`): SIGKILL to
/// the group if its leader is still the recorded process, or if processes of the group
/// remain. Returns the record, now removed, or `None` if there was none.
pub(crate) fn end_recorded(unit_dir: &Path) -> anyhow::Result<Option<RunRecord>> {
    let path = unit_dir.join(RUN_RECORD);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow::anyhow!("{}: {e}", path.display())),
    };
    let record: Option<RunRecord> = serde_json::from_slice(&bytes).ok();
    if let Some(record) = &record {
        end_group(&record.leader)?;
    }
    std::fs::remove_file(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    // An unreadable record (cut short by the kill) still names a hook that did not finish.
    Ok(Some(record.unwrap_or(RunRecord {
        leader: ProcessRef {
            pid: 0,
            start_time: 0,
        },
        program: String::new(),
    })))
}

/// SIGKILL to the group led by `leader` and wait (at most 10 s) until none of it is left.
/// Members started after the leader, in its group, are its; a group whose leader is gone
/// and whose PID was reused by an unrelated group leader started later is the one case
/// this cannot tell apart, and is left alone.
fn end_group(leader: &ProcessRef) -> anyhow::Result<()> {
    if leader.pid <= 1 {
        return Ok(());
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let members = group_members(leader);
        if members.is_empty() {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "processes {members:?} of an interrupted hook still run 10s after SIGKILL"
        );
        // SAFETY: killpg only sends a signal.
        unsafe { libc::killpg(leader.pid, libc::SIGKILL) };
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Live processes in the group `leader` led, started no earlier than it; empty if the
/// leader's PID now leads a group started later (a reused PID).
fn group_members(leader: &ProcessRef) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut members = Vec::new();
    for pid in entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok()) {
        let Some((state, pgrp, start)) = stat_fields(pid) else {
            continue;
        };
        if pgrp != leader.pid || state == 'Z' {
            continue;
        }
        if pid == leader.pid && start != leader.start_time {
            return Vec::new();
        }
        if start >= leader.start_time {
            members.push(pid);
        }
    }
    members
}

/// State, process group and start time from `/proc/<pid>/stat`.
fn stat_fields(pid: i32) -> Option<(char, i32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: fields follow the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let state = fields.first()?.chars().next()?;
    let pgrp = fields.get(2)?.parse().ok()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((state, pgrp, start))
}
