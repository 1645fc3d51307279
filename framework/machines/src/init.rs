//! A machine's init: `reactive-machine init <config file>`.
//!
//! The host writes the machine's [`InitConfig`] to a JSON file and starts this as a
//! short-lived *launcher*. The launcher opens the host's network
//! namespace and the fleet's package lock, unshares mount, UTS, IPC, network and PID
//! namespaces, forks, reports the child's PID (`pid N` on stdout) and exits. The child is PID 1
//! of the new PID namespace: it starts its own session, sets the hostname, builds the root
//! filesystem ([`crate::rootfs`]), opens its sockets, reports `ready` (or `error <why>`) and
//! closes stdout, so the host's read ends. From then on it:
//!
//! * reaps every process of the machine (orphans are re-parented to it);
//! * runs the supervisor on [`crate::SUPERVISOR_SOCKET`];
//! * runs the service manager with systemd's interface on [`crate::systemd::SYSTEMD_SOCKET`];
//! * runs apt steps for the `apt-get` shim on [`crate::apt::CONTROL_SOCKET`].
//!
//! When it dies (SIGKILL from the host on destroy), the kernel kills every other process of
//! the machine, and the namespaces go with the last of them. Signals sent from inside the
//! machine cannot kill it (the kernel protects a PID namespace's init).

use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;

use crate::apt::{AptRunner, CONTROL_SOCKET};
use crate::reaper::{self, ProcTable};
use crate::rootfs::{self, InitConfig};
use crate::supervisor::{self, Supervisor, SUPERVISOR_SOCKET};
use crate::sys;
use crate::systemd::{self, lifecycle::Manager, SYSTEMD_SOCKET};

/// Namespaces each machine gets.
pub(crate) const NAMESPACES: libc::c_int = libc::CLONE_NEWNS
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWPID;

/// Writes one status line to stdout, unbuffered (the host reads it as the launcher's report).
fn report(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}

/// Entry point of `reactive-machine init`.
pub(crate) fn main(args: Vec<String>) -> i32 {
    let Some(path) = args.first() else {
        eprintln!("usage: reactive-machine init <config file> (started by the fleet, not by hand)");
        return 2;
    };
    let cfg: InitConfig = match std::fs::read(path)
        .map_err(anyhow::Error::from)
        .and_then(|bytes| Ok(serde_json::from_slice(&bytes)?))
    {
        Ok(cfg) => cfg,
        Err(e) => {
            report(&format!("error reading the init configuration {path}: {e}"));
            return 1;
        }
    };
    // Opened in the host's namespaces, before leaving them.
    let prepared = (|| -> anyhow::Result<(OwnedFd, std::fs::File)> {
        let host_net = sys::open_fd(Path::new("/proc/self/ns/net"))
            .context("opening the host network namespace")?;
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&cfg.apt_lock)
            .with_context(|| format!("opening the package lock {}", cfg.apt_lock.display()))?;
        sys::unshare(NAMESPACES).context("unshare(mnt, uts, ipc, net, pid)")?;
        Ok((host_net, lock))
    })();
    let (host_net, lock) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            report(&format!("error {e:#}"));
            return 1;
        }
    };
    // SAFETY: the launcher is single-threaded, so the child may continue normally after fork.
    match unsafe { libc::fork() } {
        -1 => {
            report(&format!("error fork: {}", std::io::Error::last_os_error()));
            1
        }
        0 => {
            let code = pid1(&cfg, host_net, lock);
            // Only reached on a failed setup; the machine dies with us.
            std::process::exit(code)
        }
        child => {
            report(&format!("pid {child}"));
            0
        }
    }
}

/// PID 1 of the machine.
fn pid1(cfg: &InitConfig, host_net: OwnedFd, lock: std::fs::File) -> i32 {
    let serving = match setup(cfg) {
        Ok(serving) => serving,
        Err(e) => {
            report(&format!("error {e:#}"));
            return 1;
        }
    };
    report("ready");
    // Hand stdout over to the log (stderr already is), so the host sees end-of-file.
    // SAFETY: dup2 onto fd 1 from our own stderr.
    unsafe { libc::dup2(2, 1) };

    let (supervisor_listener, control_listener, systemd_listener) = serving;
    let table = Arc::new(ProcTable::default());
    let supervisor = Arc::new(Supervisor::new(
        Arc::clone(&table),
        supervisor::LOG_DIR.into(),
    ));
    let apt = Arc::new(AptRunner {
        machine: cfg.name.clone(),
        host_net,
        lock: Mutex::new(lock),
        table: Arc::clone(&table),
    });
    let manager = Arc::new(Manager::new(
        Arc::clone(&table),
        "/".into(),
        supervisor::LOG_DIR.into(),
    ));
    std::thread::spawn(move || supervisor.serve(supervisor_listener));
    std::thread::spawn(move || systemd::serve(manager, systemd_listener));
    std::thread::spawn(move || apt.serve(control_listener));
    reaper::reap_forever(&table)
}

type Listeners = (
    std::os::unix::net::UnixListener,
    std::os::unix::net::UnixListener,
    std::os::unix::net::UnixListener,
);

fn setup(cfg: &InitConfig) -> anyhow::Result<Listeners> {
    // Our own session: no terminal or Ctrl-C of the creating process reaches the machine.
    // SAFETY: plain system call.
    unsafe { libc::setsid() };
    // Before any thread exists, so every thread inherits the mask and the reaper alone takes
    // SIGCHLD.
    reaper::block_sigchld().context("blocking SIGCHLD")?;
    sys::sethostname(&cfg.name).with_context(|| format!("setting hostname {}", cfg.name))?;
    rootfs::build(cfg)?;
    let supervisor_listener = supervisor::bind_socket(Path::new(SUPERVISOR_SOCKET))?;
    let control_listener = supervisor::bind_socket(Path::new(CONTROL_SOCKET))?;
    let systemd_listener = supervisor::bind_socket(Path::new(SYSTEMD_SOCKET))?;
    Ok((supervisor_listener, control_listener, systemd_listener))
}
