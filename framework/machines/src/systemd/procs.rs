//! The processes of a unit. There are no cgroups in a machine, so a unit's processes are
//! found as those whose environment carries the unit's `INVOCATION_ID` (which systemd also
//! sets, fresh for each start), plus the sessions the manager started. A process that clears
//! its environment and leaves its session escapes; a unit's control group would not let it.

use std::time::{Duration, Instant};

/// Every live process (not zombie) of the machine whose environment holds
/// `INVOCATION_ID=<invocation>`, or whose session is one of `sessions`. PID 1 is never
/// included.
pub(crate) fn unit_processes(invocation: &str, sessions: &[i32]) -> Vec<i32> {
    let needle = format!("INVOCATION_ID={invocation}");
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| *pid > 1)
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // Fields after the command's closing parenthesis: state, ppid, pgrp, session.
            let Some(after) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
                return false;
            };
            let fields: Vec<&str> = after.split_whitespace().collect();
            if fields.first() == Some(&"Z") {
                return false;
            }
            if let Some(sid) = fields.get(3).and_then(|s| s.parse::<i32>().ok()) {
                if sessions.contains(&sid) {
                    return true;
                }
            }
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
        })
        .collect()
}

/// Sends `signal` to each of `pids` (already gone is fine).
pub(crate) fn signal_all(pids: &[i32], signal: i32) {
    for pid in pids {
        let _ = crate::sys::kill_quiet(*pid, signal);
    }
}

/// Waits until the unit has no process left, up to `deadline`. Returns whether it has none.
/// Without cgroup notifications this looks again every 20 ms.
pub(crate) fn wait_empty(invocation: &str, sessions: &[i32], deadline: Option<Instant>) -> bool {
    loop {
        if unit_processes(invocation, sessions).is_empty() {
            return true;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether process `pid` exists and is not a zombie.
pub(crate) fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next().map(|s| s != "Z"))
        })
        .unwrap_or(false)
}

/// A fresh 128-bit identifier in hex, as systemd's `INVOCATION_ID`.
pub(crate) fn new_invocation_id() -> String {
    let mut bytes = [0u8; 16];
    // SAFETY: valid buffer; getrandom fills at most its length.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if got != bytes.len() as isize {
        // Unique enough without randomness: time and a counter.
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed) as u128;
        bytes = (nanos ^ (n << 64)).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_test_process_is_found_by_its_session() {
        // SAFETY: plain system call.
        let sid = unsafe { libc::getsid(0) };
        let me = std::process::id() as i32;
        if me > 1 {
            assert!(unit_processes("none", &[sid]).contains(&me));
        }
        assert!(!unit_processes(&new_invocation_id(), &[]).contains(&me));
        assert_eq!(new_invocation_id().len(), 32);
    }
}
