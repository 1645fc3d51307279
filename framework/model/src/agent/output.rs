//! A hook's output as Juju's unit agent takes it: read line by line while the hook runs,
//! each line recorded at once in the debug log (stdout at DEBUG, stderr at WARNING, as
//! Juju's runner logs them:
//! [runner.go](https://github.com/juju/juju/blob/3.6/internal/worker/uniter/runner/runner.go)),
//! and kept whole for an action's results.

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus, Output};
use std::time::Duration;

use crate::context::CpuTime;
use crate::logging_config::Level;
use crate::logs::DebugLog;

/// Waits for `child`, reading its piped stdout and stderr to the end; with `log`
/// (the debug log and the module to record under), each line is recorded as it comes.
/// Also returns the CPU time it used.
pub(crate) fn wait_logging(
    mut child: Child,
    log: Option<(DebugLog, String)>,
) -> std::io::Result<(Output, CpuTime)> {
    let out = child.stdout.take();
    let err = child.stderr.take();
    let log_err = log.clone();
    let out = std::thread::spawn(move || read_stream(out, log, Level::Debug));
    let err = std::thread::spawn(move || read_stream(err, log_err, Level::Warning));
    let (status, cpu) = wait_with_usage(&child)?;
    let joined = |h: std::thread::JoinHandle<std::io::Result<Vec<u8>>>| {
        h.join()
            .unwrap_or_else(|_| Err(std::io::Error::other("output reader panicked")))
    };
    let stdout = joined(out)?;
    let stderr = joined(err)?;
    Ok((
        Output {
            status,
            stdout,
            stderr,
        },
        cpu,
    ))
}

/// `wait4` on `child`: its exit status and resource usage (std's `wait` drops the
/// usage). `child` is reaped here and must not be waited for again.
fn wait_with_usage(child: &Child) -> std::io::Result<(ExitStatus, CpuTime)> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are valid for writes for the whole call; `pid` is
        // this process's child, not yet reaped.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    Ok((
        ExitStatus::from_raw(status),
        CpuTime {
            user: time(usage.ru_utime),
            system: time(usage.ru_stime),
        },
    ))
}

/// Everything `stream` gives until its end, each line recorded at `level`.
fn read_stream(
    stream: Option<impl Read>,
    log: Option<(DebugLog, String)>,
    level: Level,
) -> std::io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let Some(stream) = stream else {
        return Ok(all);
    };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(all);
        }
        all.extend_from_slice(&line);
        if let Some((log, module)) = &log {
            let text = String::from_utf8_lossy(&line);
            log.record(level, module, text.trim_end_matches(['\n', '\r']));
        }
    }
}
