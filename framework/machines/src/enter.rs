//! `reactive-machine enter`: runs a program inside a machine.
//!
//! ```text
//! reactive-machine enter --machine NAME --pid PID --start-time TICKS [--wd DIR] -- PROGRAM [ARGS…]
//! ```
//!
//! Opens a pidfd on the machine's init, checks its start time (so a reused PID is never
//! entered), joins all of the init's namespaces at once with `setns(pidfd, …)`, changes to
//! `DIR` *inside* the machine (default `/`), and runs the program as a child, which is then a
//! process of the machine's PID namespace. This process stays outside as the child's parent:
//! it passes on SIGTERM and SIGHUP, makes the child die with it (`PR_SET_PDEATHSIG`), and
//! exits with the child's code (or dies of the child's signal), so callers see the program's
//! exit status as if they had run it directly. The environment is passed through unchanged.

use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{bail, Context};

use crate::process::ProcessRef;
use crate::sys;

/// Exit code when the machine cannot be entered or the program cannot be started.
pub const EXIT_CANNOT_ENTER: i32 = 125;

static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(signal: libc::c_int) {
    let child = CHILD.load(Ordering::SeqCst);
    if child > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(child, signal) };
    }
}

struct Args {
    machine: String,
    init: ProcessRef,
    wd: PathBuf,
    argv: Vec<String>,
}

fn parse(args: Vec<String>) -> anyhow::Result<Args> {
    let mut machine = None;
    let mut pid = None;
    let mut start_time = None;
    let mut wd = PathBuf::from("/");
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--machine" => machine = iter.next(),
            "--pid" => pid = iter.next().and_then(|v| v.parse().ok()),
            "--start-time" => start_time = iter.next().and_then(|v| v.parse().ok()),
            "--wd" => wd = iter.next().context("--wd needs a directory")?.into(),
            "--" => break,
            other => bail!("unexpected argument {other:?}"),
        }
    }
    let argv: Vec<String> = iter.collect();
    let (Some(machine), Some(pid), Some(start_time)) = (machine, pid, start_time) else {
        bail!("usage: reactive-machine enter --machine NAME --pid PID --start-time TICKS [--wd DIR] -- PROGRAM [ARGS...]");
    };
    if argv.is_empty() {
        bail!("enter: no program given");
    }
    Ok(Args {
        machine,
        init: ProcessRef { pid, start_time },
        wd,
        argv,
    })
}

/// Entry point of `reactive-machine enter`.
pub(crate) fn main(args: Vec<String>) -> i32 {
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("reactive-machine enter: {e:#}");
            EXIT_CANNOT_ENTER
        }
    }
}

fn run(args: Vec<String>) -> anyhow::Result<i32> {
    let args = parse(args)?;
    let machine = &args.machine;
    let Some(pidfd) = args.init.open()? else {
        bail!("machine {machine} is not running (its init exited)");
    };
    sys::setns(pidfd.as_raw_fd(), crate::init::NAMESPACES)
        .with_context(|| format!("entering the namespaces of machine {machine}"))?;
    std::env::set_current_dir(&args.wd)
        .with_context(|| format!("no directory {} in machine {machine}", args.wd.display()))?;

    let mut cmd = Command::new(&args.argv[0]);
    cmd.args(&args.argv[1..]);
    // SAFETY: prctl is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {} in machine {machine}", args.argv[0]))?;
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    // SAFETY: installing a handler that only calls kill.
    unsafe {
        for signal in [libc::SIGTERM, libc::SIGHUP] {
            libc::signal(signal, forward as *const () as libc::sighandler_t);
        }
        // A terminal's Ctrl-C already reaches the child (same process group); ignoring it here
        // keeps this process alive to report the child's status.
        for signal in [libc::SIGINT, libc::SIGQUIT] {
            libc::signal(signal, libc::SIG_IGN);
        }
    }
    let status = child
        .wait()
        .with_context(|| format!("waiting for {} in machine {machine}", args.argv[0]))?;
    if let Some(code) = status.code() {
        return Ok(code);
    }
    if let Some(signal) = status.signal() {
        // Die the same way, so our caller sees the signal too.
        // SAFETY: restoring the default action and raising the signal on ourselves.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
        return Ok(128 + signal);
    }
    Ok(1)
}
