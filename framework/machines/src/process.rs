//! Naming a process for good: PID plus start time.
//!
//! A bare PID can be reused by an unrelated process once the original exits. The pair
//! (PID, start time from `/proc/<pid>/stat` field 22) cannot, so every stored PID comes with
//! its start time and is checked before use, and then pinned with a pidfd.

use std::os::fd::OwnedFd;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::sys;

/// A process as recorded on disk: PID (in the host's PID namespace) and start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRef {
    /// PID as the host sees it.
    pub pid: i32,
    /// Clock ticks since boot at which it started (`/proc/<pid>/stat` field 22).
    pub start_time: u64,
}

impl ProcessRef {
    /// Records a live process by PID.
    pub fn of(pid: i32) -> anyhow::Result<ProcessRef> {
        let stat = sys::proc_stat(pid)
            .with_context(|| format!("reading /proc/{pid}/stat"))?
            .with_context(|| format!("process {pid} exited"))?;
        Ok(ProcessRef {
            pid,
            start_time: stat.start_time,
        })
    }

    /// A pidfd on this very process if it is still running (not a zombie, not a reused PID).
    /// The pidfd is opened first and the start time checked afterwards, so the check cannot
    /// be fooled by a reuse in between.
    pub(crate) fn open(&self) -> anyhow::Result<Option<OwnedFd>> {
        let pidfd = match sys::pidfd_open(self.pid) {
            Ok(fd) => fd,
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("pidfd_open({})", self.pid)),
        };
        let stat =
            sys::proc_stat(self.pid).with_context(|| format!("reading /proc/{}/stat", self.pid))?;
        match stat {
            Some(stat) if stat.start_time == self.start_time && stat.state != 'Z' => {
                Ok(Some(pidfd))
            }
            _ => Ok(None),
        }
    }

    /// Whether this process is still running.
    pub fn is_alive(&self) -> bool {
        matches!(self.open(), Ok(Some(_)))
    }

    /// Sends SIGKILL and waits (at most `timeout`) for the process to be gone. Returns
    /// `Ok(false)` if it was not running in the first place.
    pub(crate) fn kill_and_wait(&self, timeout: Duration) -> anyhow::Result<bool> {
        let Some(pidfd) = self.open()? else {
            return Ok(false);
        };
        match sys::pidfd_send_signal(&pidfd, libc::SIGKILL) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Ok(true),
            Err(e) => return Err(e).with_context(|| format!("killing process {}", self.pid)),
        }
        if !sys::pidfd_wait_exit(&pidfd, timeout)
            .with_context(|| format!("waiting for process {}", self.pid))?
        {
            anyhow::bail!(
                "process {} still running {timeout:?} after SIGKILL",
                self.pid
            );
        }
        Ok(true)
    }
}

/// Makes `cmd`'s program keep none of the caller's descriptors above stderr: in the
/// child, before `exec`, every one of them is marked close-on-exec (`close_range` with
/// `CLOSE_RANGE_CLOEXEC`, else `fcntl` on each up to the descriptor limit). A machine's
/// init, a hook and the daemons they start live long; a descriptor they inherited by
/// accident (the lock of `flock <file> reactive …`, a pipe of the caller's caller) would
/// stay open as long as they do, and a lock held that way is never released.
pub fn inherit_no_descriptors(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe system calls run between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
            let done = libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                CLOSE_RANGE_CLOEXEC,
            ) == 0;
            if !done {
                let mut limit = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                let max = if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
                    limit.rlim_cur.min(65_536) as libc::c_int
                } else {
                    1024
                };
                for fd in 3..max {
                    let flags = libc::fcntl(fd, libc::F_GETFD);
                    if flags >= 0 {
                        libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                    }
                }
            }
            Ok(())
        });
    }
}
