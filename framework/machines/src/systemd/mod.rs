//! A service manager with systemd's interface, inside each machine.
//!
//! The machine's init runs a manager (`lifecycle.rs`) next to the `reactive-service`
//! supervisor, on the same process table and reaper. It reads the unit files packages install
//! (`units.rs`: where they are; `unit_file.rs`: their syntax; `directives.rs`: what they
//! mean), runs them (`exec.rs`: a process's environment; `notify.rs`: `Type=notify`;
//! `procs.rs`: a unit's processes; `lifecycle.rs`: jobs and states), and answers `systemctl`
//! and `journalctl` (`systemctl.rs`, `journal.rs`) on the socket [`SYSTEMD_SOCKET`].
//! `service`, `invoke-rc.d` and `deb-systemd-invoke` (`compat.rs`) are clients of it, as on
//! Debian; so is `systemd-notify`.
//!
//! The machine's root filesystem makes Debian's tools take their systemd path: the
//! multi-call helper replaces `/usr/bin/systemctl`, `/usr/bin/journalctl`,
//! `/usr/bin/systemd-notify`, `/usr/sbin/service`, `/usr/sbin/invoke-rc.d` and
//! `/usr/bin/deb-systemd-invoke`; `/run/systemd/system` exists (what `sd_booted()` and
//! maintainer scripts test); and the host's `/usr/sbin/policy-rc.d` is removed (an overlay
//! whiteout), so installing a package starts its daemon. See `docs/machines.md` for the
//! supported subset.

pub(crate) mod client;
pub(crate) mod compat;
pub(crate) mod directives;
pub(crate) mod exec;
pub(crate) mod journal;
pub(crate) mod lifecycle;
pub(crate) mod notify;
pub(crate) mod procs;
pub(crate) mod sockets;
pub(crate) mod systemctl;
pub(crate) mod unit_file;
pub(crate) mod units;

use std::io::BufReader;
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::protocol;

/// The manager's socket, inside the machine.
pub const SYSTEMD_SOCKET: &str = "/run/reactive/systemd.sock";

/// The programs the multi-call helper is, as systemd's and Debian's tools.
pub const PROGRAMS: [&str; 6] = [
    "systemctl",
    "journalctl",
    "systemd-notify",
    "service",
    "invoke-rc.d",
    "deb-systemd-invoke",
];

/// Where those programs are in a Debian or Ubuntu system (the machine's copies are links
/// to the helper).
pub const SYSTEM_PATHS: [&str; 6] = [
    "/usr/bin/systemctl",
    "/usr/bin/journalctl",
    "/usr/bin/systemd-notify",
    "/usr/sbin/service",
    "/usr/sbin/invoke-rc.d",
    "/usr/bin/deb-systemd-invoke",
];

/// A command line for the manager.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CliRequest {
    /// `systemctl` or `journalctl`.
    pub program: String,
    pub args: Vec<String>,
}

/// What the command prints and its exit code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CliResponse {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Serves `systemctl` and `journalctl` on `listener` forever.
pub(crate) fn serve(manager: Arc<lifecycle::Manager>, listener: UnixListener) {
    protocol::serve_each(Arc::new(manager), listener, handle);
}

fn handle(manager: &Arc<lifecycle::Manager>, mut stream: UnixStream) {
    let request: Option<CliRequest> = match protocol::receive(&mut BufReader::new(&stream)) {
        Ok(r) => r,
        Err(e) => {
            let _ = protocol::send(
                &mut stream,
                &CliResponse {
                    code: 1,
                    stderr: format!("{e:#}\n"),
                    ..CliResponse::default()
                },
            );
            return;
        }
    };
    let Some(request) = request else { return };
    let response = match request.program.as_str() {
        "systemctl" => systemctl::run(manager, request.args),
        "journalctl" => journal::run(manager, request.args),
        other => CliResponse {
            code: 1,
            stderr: format!("unknown program {other}\n"),
            ..CliResponse::default()
        },
    };
    let _ = protocol::send(&mut stream, &response);
}
