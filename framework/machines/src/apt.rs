//! Package installs in machines that have no route off the host.
//!
//! The machine's init opened a handle on the host's network namespace before it moved into
//! its own. The shim (the multi-call binary called as `apt-get` or `apt`) is the machine's
//! `/usr/bin/apt-get` and `/usr/bin/apt` (links to [`crate::MACHINE_BIN_DIR`], as for
//! systemctl), so it runs whatever `PATH` a hook or maintainer script has; the real programs
//! stay reachable at [`REAL_APT_DIR`]. It sends `update`/`install`-like commands to the init
//! over [`CONTROL_SOCKET`], with its stdin/stdout/stderr attached. The init then, holding the
//! fleet's package lock:
//!
//! 1. runs the real program's step that needs the network in the machine's mount, UTS and PID
//!    namespaces but the host's network namespace: the whole command for `update`,
//!    `download`, `source` and `changelog`; `--download-only` for `install`, `reinstall`,
//!    `upgrade`, `dist-upgrade`, `full-upgrade`, `build-dep` and `satisfy`. Downloads land in
//!    `/var/cache/apt/archives`, a directory shared by every machine of the fleet.
//! 2. for the install-like verbs, runs the real command again with `--no-download` in the
//!    machine's own network namespace, so package scripts see the machine's network.
//!
//! The package lock is a host-side `flock` on a file next to the shared cache (apt's own cache
//! lock fails at once instead of waiting, and `apt-get clean` would delete a lock file kept in
//! the cache). A machine that must wait says so on the caller's stderr, naming the holder.
//! Every other verb runs in the machine under the same lock (`clean` would empty the shared
//! cache under another machine's install), so nothing touches the shared cache outside the
//! lock; a call with no verb (`--version`), or outside a machine, runs the real program
//! directly.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::protocol;
use crate::reaper::{self, ProcTable};

/// The init's control socket, inside the machine.
pub const CONTROL_SOCKET: &str = "/run/reactive/machine.sock";
/// Where the machine keeps the real `apt-get` and `apt` (bound from the host's
/// `/usr/bin`), since its `/usr/bin/apt-get` and `/usr/bin/apt` are the shim.
pub const REAL_APT_DIR: &str = "/usr/local/lib/reactive-machine/real";
/// The programs the shim stands in for, by the name it is called as.
pub const PROGRAMS: [&str; 2] = ["apt-get", "apt"];
/// Where those programs are on Debian and Ubuntu; inside a machine these are the shim.
pub const SYSTEM_PATHS: [&str; 2] = ["/usr/bin/apt-get", "/usr/bin/apt"];

/// The real `program` (`apt-get` or `apt`): the machine's kept copy inside a machine, the
/// system's own elsewhere.
pub(crate) fn real_program(program: &str) -> std::path::PathBuf {
    let kept = Path::new(REAL_APT_DIR).join(program);
    if kept.exists() || Path::new(CONTROL_SOCKET).exists() {
        kept
    } else {
        Path::new("/usr/bin").join(program)
    }
}
/// File in every machine that stops apt from emptying the shared download cache.
pub const KEEP_DEBS_CONF: &str = "/etc/apt/apt.conf.d/zz-keep-debs";
/// Its contents: drop the image's `docker-clean` hooks that delete downloaded debs.
pub const KEEP_DEBS_TEXT: &str = "// Written by reactive machines: the download cache is shared by the machines of a fleet.\n#clear DPkg::Post-Invoke;\n#clear APT::Update::Post-Invoke;\n";

/// What the shim does with a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AptPlan {
    /// Run `/usr/bin/apt-get` as is (no verb: `--version`, `--help`).
    Passthrough,
    /// Run it in the machine under the fleet's package lock: it changes the machine's
    /// packages or the shared download cache (`remove`, `clean`, …).
    Locked,
    /// Run the whole command in the host's network namespace.
    HostNetwork,
    /// Download in the host's network namespace, then install offline in the machine's.
    DownloadThenInstall,
}

/// apt-get options that take a value as the next argument.
const VALUE_OPTIONS: [&str; 9] = [
    "-o",
    "-c",
    "-t",
    "-a",
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
    "--host-architecture",
];

/// Finds the verb (first non-option argument) and decides.
pub(crate) fn plan(args: &[String]) -> AptPlan {
    let mut iter = args.iter();
    let mut verb = None;
    while let Some(arg) = iter.next() {
        if VALUE_OPTIONS.contains(&arg.as_str()) {
            iter.next();
        } else if !arg.starts_with('-') {
            verb = Some(arg.as_str());
            break;
        }
    }
    match verb {
        Some("update" | "download" | "source" | "changelog") => AptPlan::HostNetwork,
        Some(
            "install" | "reinstall" | "upgrade" | "dist-upgrade" | "full-upgrade" | "build-dep"
            | "satisfy",
        ) => AptPlan::DownloadThenInstall,
        Some(_) => AptPlan::Locked,
        None => AptPlan::Passthrough,
    }
}

/// A request on the control socket.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum ControlRequest {
    /// Run apt-get (or apt) as described in the module docs; stdin, stdout and stderr come
    /// attached.
    Apt {
        /// `apt-get` or `apt` (absent from older shims: `apt-get`).
        #[serde(default = "apt_get")]
        program: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
        cwd: String,
    },
}

fn apt_get() -> String {
    "apt-get".into()
}

/// The init's answer.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct ControlResponse {
    pub exit: Option<i32>,
    pub error: Option<String>,
}

/// The shim's entry point: `program` is `apt-get` or `apt` (the name it was called as).
pub(crate) fn shim_main(program: &str, args: Vec<String>) -> i32 {
    let plan = plan(&args);
    if plan == AptPlan::Passthrough || !Path::new(CONTROL_SOCKET).exists() {
        let real = real_program(program);
        let err = Command::new(&real).arg0(program).args(&args).exec();
        eprintln!(
            "{program} (reactive shim): cannot run {}: {err}",
            real.display()
        );
        return 100;
    }
    match ask_init(program, args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{program} (reactive shim): {e:#}");
            100
        }
    }
}

fn ask_init(program: &str, args: Vec<String>) -> anyhow::Result<i32> {
    let stream = UnixStream::connect(CONTROL_SOCKET)
        .with_context(|| format!("cannot reach the machine's init at {CONTROL_SOCKET}"))?;
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "/".to_string());
    let request = ControlRequest::Apt {
        program: program.to_string(),
        args,
        env: std::env::vars().collect(),
        cwd,
    };
    protocol::send_with_fds(&stream, &request, &[0, 1, 2])?;
    let response: ControlResponse = protocol::receive(&mut BufReader::new(&stream))?
        .context("the machine's init closed the connection without an answer")?;
    if let Some(error) = response.error {
        bail!("{error}");
    }
    response
        .exit
        .context("the machine's init sent no exit code")
}

/// The init's side: runs the apt steps of one machine.
pub(crate) struct AptRunner {
    /// This machine's name, written into the lock file while it holds the lock.
    pub machine: String,
    /// The host's network namespace.
    pub host_net: OwnedFd,
    /// The fleet's package lock file (opened on the host side before `pivot_root`).
    pub lock: Mutex<File>,
    pub table: Arc<ProcTable>,
}

impl AptRunner {
    /// Serves the control socket forever, one thread per client.
    pub fn serve(self: Arc<Self>, listener: UnixListener) {
        protocol::serve_each(self, listener, Self::handle);
    }

    fn handle(&self, mut stream: UnixStream) {
        let response = match protocol::receive_with_fds::<ControlRequest>(&stream) {
            Ok((
                ControlRequest::Apt {
                    program,
                    args,
                    env,
                    cwd,
                },
                fds,
            )) => {
                let program = if program == "apt" { "apt" } else { "apt-get" };
                match self.apt(program, &args, &env, &cwd, fds) {
                    Ok(code) => ControlResponse {
                        exit: Some(code),
                        error: None,
                    },
                    Err(e) => ControlResponse {
                        exit: None,
                        error: Some(format!("{e:#}")),
                    },
                }
            }
            Err(e) => ControlResponse {
                exit: None,
                error: Some(format!("{e:#}")),
            },
        };
        let _ = protocol::send(&mut stream, &response);
    }

    fn apt(
        &self,
        program: &str,
        args: &[String],
        env: &[(String, String)],
        cwd: &str,
        fds: Vec<OwnedFd>,
    ) -> anyhow::Result<i32> {
        let [stdin, stdout, stderr]: [OwnedFd; 3] = fds
            .try_into()
            .map_err(|_| anyhow::anyhow!("the request must come with stdin, stdout and stderr"))?;
        let mut message_out = File::from(
            stderr
                .try_clone()
                .context("duplicating the caller's stderr")?,
        );
        let plan = plan(args);
        let cwd = if Path::new(cwd).is_dir() { cwd } else { "/" };

        // One apt at a time in this machine (the mutex) and in the fleet (the flock).
        let mut lock = match self.lock.try_lock() {
            Ok(lock) => lock,
            Err(std::sync::TryLockError::WouldBlock) => {
                let _ = writeln!(
                    message_out,
                    "waiting for the package lock held by machine {}…",
                    self.machine
                );
                self.lock.lock().unwrap_or_else(|e| e.into_inner())
            }
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        };
        let fd = lock.as_raw_fd();
        if !crate::sys::flock(fd, libc::LOCK_EX, true).context("locking the package lock")? {
            let holder = read_holder(&mut lock);
            let _ = writeln!(
                message_out,
                "waiting for the package lock held by machine {holder}…"
            );
            crate::sys::flock(fd, libc::LOCK_EX, false).context("locking the package lock")?;
        }
        let _ = write_holder(&mut lock, &self.machine);

        let result = (|| {
            let stdio = || -> anyhow::Result<(Stdio, Stdio, Stdio)> {
                Ok((
                    Stdio::from(stdin.try_clone()?),
                    Stdio::from(stdout.try_clone()?),
                    Stdio::from(stderr.try_clone()?),
                ))
            };
            let first: Vec<String> = match plan {
                AptPlan::DownloadThenInstall => std::iter::once("--download-only".to_string())
                    .chain(args.iter().cloned())
                    .collect(),
                _ => args.to_vec(),
            };
            let host_network = plan != AptPlan::Locked;
            let code = self.run(program, &first, env, cwd, stdio()?, host_network)?;
            if code != 0 || plan != AptPlan::DownloadThenInstall {
                return Ok(code);
            }
            let second: Vec<String> = std::iter::once("--no-download".to_string())
                .chain(args.iter().cloned())
                .collect();
            self.run(program, &second, env, cwd, stdio()?, false)
        })();

        let _ = write_holder(&mut lock, "");
        let _ = crate::sys::flock(fd, libc::LOCK_UN, false);
        result
    }

    /// Runs the real `program`, in the host's network namespace if `host_net`, and waits.
    fn run(
        &self,
        program: &str,
        args: &[String],
        env: &[(String, String)],
        cwd: &str,
        (stdin, stdout, stderr): (Stdio, Stdio, Stdio),
        host_net: bool,
    ) -> anyhow::Result<i32> {
        let real = real_program(program);
        let mut cmd = Command::new(&real);
        cmd.arg0(program)
            .args(args)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(stdin)
            .stdout(stdout)
            .stderr(stderr);
        if host_net {
            let net = self.host_net.as_raw_fd();
            // SAFETY: setns is async-signal-safe; `net` stays open until exec (it is
            // close-on-exec, so apt does not inherit it).
            unsafe {
                cmd.pre_exec(move || crate::sys::setns(net, libc::CLONE_NEWNET));
            }
        }
        let pid = self
            .table
            .spawn(&mut cmd)
            .with_context(|| format!("starting {} in machine {}", real.display(), self.machine))?;
        let status = self.table.wait(pid, None);
        self.table.forget(pid);
        let status = status.with_context(|| format!("lost track of {program} (pid {pid})"))?;
        Ok(reaper::exit_code(status))
    }
}

fn read_holder(file: &mut File) -> String {
    let mut holder = String::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut holder));
    let holder = holder.trim();
    if holder.is_empty() {
        "(unknown)".to_string()
    } else {
        holder.to_string()
    }
}

fn write_holder(file: &mut File, name: &str) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn verbs_are_found_after_options_with_values() {
        assert_eq!(
            plan(&args("install -y hello")),
            AptPlan::DownloadThenInstall
        );
        assert_eq!(
            plan(&args("-o Dpkg::Use-Pty=0 -q install hello")),
            AptPlan::DownloadThenInstall
        );
        assert_eq!(plan(&args("-c /etc/x.conf update")), AptPlan::HostNetwork);
        assert_eq!(plan(&args("-qq update")), AptPlan::HostNetwork);
        assert_eq!(plan(&args("-o install remove hello")), AptPlan::Locked);
        assert_eq!(plan(&args("remove -y hello")), AptPlan::Locked);
        assert_eq!(plan(&args("reinstall hello")), AptPlan::DownloadThenInstall);
        assert_eq!(
            plan(&args("satisfy 'hello (>= 1)'")),
            AptPlan::DownloadThenInstall
        );
        assert_eq!(plan(&args("search hello")), AptPlan::Locked);
        // `clean` empties the shared cache another machine may be installing from.
        assert_eq!(plan(&args("clean")), AptPlan::Locked);
        assert_eq!(plan(&args("--version")), AptPlan::Passthrough);
        assert_eq!(plan(&[]), AptPlan::Passthrough);
    }
}
