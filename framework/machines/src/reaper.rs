//! The process table of an init or supervisor: spawns children, reaps every child (including
//! orphans re-parented to us), and lets threads wait for the exit of the children they care
//! about.
//!
//! One rule keeps this sound: `waitpid` only ever runs with the table lock held, and
//! [`ProcTable::spawn`] holds the same lock across `fork`+`exec`. So the reaper can never reap
//! a child before its PID is recorded, and never steals the status std's `spawn` collects
//! itself when `exec` fails.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// A raw `waitpid` status.
pub(crate) type RawStatus = i32;

#[derive(Default)]
struct Table {
    /// Children someone wants the exit status of.
    watched: HashSet<i32>,
    /// Exit statuses of watched children, kept until [`ProcTable::forget`].
    exited: HashMap<i32, RawStatus>,
    /// The last exits of children nobody watched (orphans re-parented to us), so a process
    /// adopted just after it ended still has its status.
    recent: std::collections::VecDeque<(i32, RawStatus)>,
}

/// How many unwatched exits [`Table::recent`] keeps.
const RECENT: usize = 64;

/// See the module docs.
#[derive(Default)]
pub(crate) struct ProcTable {
    table: Mutex<Table>,
    changed: Condvar,
}

impl ProcTable {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // A panicking thread cannot leave the table half-updated (every update is a single
        // insert/remove), so a poisoned lock is still usable.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Spawns `cmd` and watches the child. Returns its PID.
    pub fn spawn(&self, cmd: &mut Command) -> std::io::Result<i32> {
        let mut table = self.lock();
        let child = cmd.spawn()?;
        let pid = child.id() as i32;
        table.watched.insert(pid);
        // Dropping `Child` neither waits nor kills; the reaper collects the status.
        drop(child);
        Ok(pid)
    }

    /// Reaps every child that has exited, recording statuses of watched ones. Call when
    /// SIGCHLD arrives.
    pub fn reap(&self) {
        let mut table = self.lock();
        loop {
            let mut status: libc::c_int = 0;
            // SAFETY: plain system call with a valid out pointer.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid <= 0 {
                break;
            }
            if table.watched.contains(&pid) {
                table.exited.insert(pid, status);
            } else {
                if table.recent.len() == RECENT {
                    table.recent.pop_front();
                }
                table.recent.push_back((pid, status));
            }
        }
        drop(table);
        self.changed.notify_all();
    }

    /// The exit status of watched child `pid`, if it has exited.
    pub fn status(&self, pid: i32) -> Option<RawStatus> {
        self.lock().exited.get(&pid).copied()
    }

    /// Waits until watched child `pid` exits or `deadline` passes (`None`: no deadline).
    pub fn wait(&self, pid: i32, deadline: Option<Instant>) -> Option<RawStatus> {
        let mut table = self.lock();
        loop {
            if let Some(status) = table.exited.get(&pid) {
                return Some(*status);
            }
            if !table.watched.contains(&pid) {
                return None;
            }
            table = match deadline {
                None => self.changed.wait(table).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    self.changed
                        .wait_timeout(table, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    /// Starts watching `pid`, a process we did not spawn (a forking daemon re-parented to the
    /// init, or a `MAINPID=` a service announced). If it already ended as our child, its
    /// status is taken from the recent exits.
    pub fn adopt(&self, pid: i32) {
        let mut table = self.lock();
        table.watched.insert(pid);
        if let Some(i) = table.recent.iter().rposition(|(p, _)| *p == pid) {
            if let Some((_, status)) = table.recent.remove(i) {
                table.exited.insert(pid, status);
            }
        }
    }

    /// Stops watching `pid` and drops its recorded status.
    pub fn forget(&self, pid: i32) {
        let mut table = self.lock();
        table.watched.remove(&pid);
        table.exited.remove(&pid);
    }
}

/// A process exit code in shell convention: the code, or 128 + signal.
pub(crate) fn exit_code(status: RawStatus) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        1
    }
}

/// Describes a raw status for people: `exited with code 3`, `killed by signal 9`.
pub(crate) fn describe(status: RawStatus) -> String {
    if libc::WIFEXITED(status) {
        format!("exited with code {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("killed by signal {}", libc::WTERMSIG(status))
    } else {
        format!("ended with status {status:#x}")
    }
}

/// Blocks SIGCHLD in the calling thread (and every thread it starts afterwards) so that
/// [`wait_for_sigchld`] can take it synchronously. Call before starting any thread.
pub(crate) fn block_sigchld() -> std::io::Result<()> {
    // SAFETY: sigset manipulation on a local, then pthread_sigmask on the current thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        let ret = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        if ret != 0 {
            return Err(std::io::Error::from_raw_os_error(ret));
        }
    }
    Ok(())
}

/// Waits for SIGCHLD (blocked by [`block_sigchld`]). A child that exited before the call left
/// the signal pending, so no exit is missed.
pub(crate) fn wait_for_sigchld() {
    // SAFETY: as above; sigwaitinfo with a NULL info pointer.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        libc::sigwaitinfo(&set, std::ptr::null_mut());
    }
}

/// Reaps forever on the calling thread.
pub(crate) fn reap_forever(table: &ProcTable) -> ! {
    loop {
        wait_for_sigchld();
        table.reap();
    }
}
