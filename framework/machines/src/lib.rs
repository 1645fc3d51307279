//! Namespace "machines" for the local model: each unit gets its own isolated Linux machine on
//! one host, made of namespaces, without containers or images.
//!
//! # Using it
//!
//! ```no_run
//! use charms_reactive_machines::{Fleet, FleetConfig, MachineSpec, NetConfig};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! Fleet::check_support()?;
//! let net = NetConfig::derived("model-1234");                  // bridge + /24 of this model
//! let helper = std::env::current_exe()?.with_file_name("reactive-machine");
//! let mut fleet = Fleet::open("/var/lib/reactive/model/machines".as_ref(), FleetConfig::new(net.clone(), helper))?;
//! let [a, b, c, _] = net.subnet.octets();
//! let mut spec = MachineSpec::new("hello-0", std::net::Ipv4Addr::new(a, b, c, 10));
//! spec.binds.push(("/var/lib/reactive/model/units/hello-0".into(), "/var/lib/juju/agents/unit-hello-0".into()));
//! fleet.create(&spec)?;
//! let status = fleet
//!     .command_in("hello-0", "hostname", "/var/lib/juju".as_ref())?
//!     .status()?;
//! fleet.destroy_all()?;
//! # let _ = status; Ok(()) }
//! ```
//!
//! # What a machine is
//!
//! [`Fleet::create`] starts the machine's init (the `reactive-machine` binary, see
//! [`machine_main`]) in new mount, UTS, IPC, network and PID namespaces. The init, PID 1 of
//! the machine:
//!
//! * sets the hostname to the machine's name;
//! * mounts an overlay with the host's `/` as the lower layer and `<base>/<name>/upper` as the
//!   upper one, so the machine sees the host's files and packages but its writes stay its own;
//!   then fresh `/proc` and `/sys`, the host's `/dev` (recursive bind) with a private
//!   `/dev/shm`, tmpfs `/run` and `/tmp`;
//! * bind-mounts the fleet's shared apt download cache at `/var/cache/apt/archives` (and
//!   writes [`apt::KEEP_DEBS_CONF`] so apt does not empty it), the helper binary at
//!   [`MACHINE_BIN_DIR`]`/reactive-machine` with links `apt-get`, `apt`, `reactive-service`
//!   and systemd's and Debian's service tools ([`systemd::PROGRAMS`]) next to it, those
//!   tools and the apt shim also at their usual paths ([`systemd::SYSTEM_PATHS`],
//!   [`apt::SYSTEM_PATHS`]; the real `apt-get` and `apt` are kept in
//!   [`apt::REAL_APT_DIR`]), `/run/systemd/system`, no `/usr/sbin/policy-rc.d`, and the
//!   spec's `binds` (the inside path is created if missing);
//! * hides the fleet's base directory (other machines' upper directories) and
//!   [`FleetConfig::hidden`] under empty read-only tmpfs;
//! * `pivot_root`s into the overlay and drops the old root, so no host mount is left inside;
//! * serves the service manager ([`systemd`]), the supervisor and the apt shim, and reaps
//!   orphans, until killed.
//!
//! The host then creates a veth pair: one end on the fleet's bridge (the host has the
//! subnet's `.1` there), the other end is the machine's `eth0` with its address; `lo` is up.
//! There is no default route: machines reach each other and the host's bridge address, and
//! nothing off the host. `/etc/hosts` in every machine lists every machine (rewritten on each
//! create and destroy), so hostnames resolve everywhere.
//!
//! Each machine costs a few tens of milliseconds to create. Its state (upper directory) is
//! under `<base>/<name>`; the fleet's record is `<base>/fleet.json`.
//!
//! # Entering a machine
//!
//! [`Fleet::command_in`] returns a [`std::process::Command`] that runs a program inside the
//! machine: `reactive-machine enter` opens a pidfd on the init, checks its start time (a
//! reused PID is never entered; if the init is gone the error is
//! `machine hello-0 is not running (its init exited)`), joins all its namespaces, changes to
//! the working directory *inside* the machine and runs the program as a child, which is then
//! a process of the machine. stdin/stdout/stderr, arguments, environment and exit status work
//! as for any command. The environment starts clean (`PATH`, `HOME=/root`, `LANG=C.UTF-8`).
//!
//! # Running hooks in machines (for the model)
//!
//! * Run a hook with `fleet.command_in(machine, "/path/inside/to/dispatch", charm_dir)?`,
//!   add `JUJU_*` and other variables with `.env(…)` (the environment starts clean), put
//!   [`MACHINE_BIN_DIR`] on `PATH` for `reactive-service` (`apt-get`, `apt` and systemd's
//!   tools are the machine's at their usual paths anyway), and spawn it with the stdio you
//!   want. Exit code 125 means the machine could
//!   not be entered or the program not started (the reason is on stderr).
//! * Whatever the hook needs from the host goes in [`MachineSpec::binds`]: the unit's charm
//!   and state directories, and the *directory* holding the hook-tool socket (not the socket
//!   file: a server that re-creates its socket makes a new inode, which a file bind would not
//!   follow). Unix sockets reached through a bind work across the namespaces. Host paths under
//!   `/tmp`, `/run`, the base directory or [`FleetConfig::hidden`] are only visible through
//!   binds; the rest of the host's filesystem is visible (read, copy-on-write) anyway.
//! * Destroy with [`Fleet::destroy`] (one unit) or [`Fleet::destroy_all`] (the model).
//!
//! # Services
//!
//! The init is the machine's service manager, with systemd's interface: `systemctl`,
//! `journalctl`, `service`, `invoke-rc.d`, `deb-systemd-invoke` and the unit files packages
//! install (see [`systemd`] and the [`user_guide`]). It also runs a simpler supervisor,
//! `reactive-service`. Inside a machine (via [`MACHINE_BIN_DIR`]`/reactive-service`, or
//! `reactive-machine service …`):
//!
//! ```text
//! reactive-service start <name> [--user U] [--dir D] [--env K=V]… -- <cmd> [args…]
//! reactive-service stop <name> [--timeout SECS]          # SIGTERM, SIGKILL after SECS (10)
//! reactive-service restart <name> [--timeout SECS] [-- <cmd> [args…]]
//! reactive-service status <name>                         # exit 0 running, 3 not running
//! reactive-service list
//! ```
//!
//! A service runs in its own session with stdin `/dev/null`, stdout and stderr appended to
//! `/var/log/reactive-service/<name>.log`, a clean environment (`PATH`, `HOME`, `USER`,
//! `LOGNAME`, `LANG`, plus `--env`), as root or `--user`, in `--dir` (default: the user's
//! home). `start` of a running service with the same command is a no-op; with another
//! command it is refused (use `restart -- …`). `stop` signals the service's process group and
//! returns once the main process has exited (it learns that from `waitpid`, not by polling).
//! Services that exit are not restarted automatically; `status` then says `exited` with the
//! exit code.
//!
//! The protocol is one JSON line each way on the unix socket [`SUPERVISOR_SOCKET`] (`/run`
//! is private to each machine): a [`supervisor::Request`] (`{"op":"start","name":…,"def":
//! {"argv":[…],"user":…,"dir":…,"env":[[k,v]]}}`, `stop`, `restart`, `status`, `list`) and a
//! [`supervisor::Response`]. Outside machines, `reactive-service daemon --socket PATH
//! [--log-dir DIR]` runs the same supervisor as a child subreaper; clients find it through
//! `--socket` or `$REACTIVE_SERVICE_SOCKET`.
//!
//! # Installing packages (`apt-get` shim)
//!
//! Machines cannot reach the archive, but the init kept a handle on the host's network
//! namespace. The machine's `/usr/bin/apt-get` and `/usr/bin/apt` are the shim whatever
//! `PATH` says (links to [`MACHINE_BIN_DIR`]); it sends `update`/`install`-like commands
//! to the init, which downloads in the host's network namespace into the cache shared by all
//! machines, then installs offline in the machine, streaming apt's output to the caller and
//! returning apt's exit code. Machines take turns on a fleet-wide lock and say
//! `waiting for the package lock held by machine hello-1…` when they wait. Every other verb
//! (`remove`, `clean`, …) runs in the machine under the same lock, since it changes the
//! machine's packages or the shared cache; only `--version`/`--help` run directly. Details
//! in [`apt`].
//!
//! # Destroying
//!
//! [`Fleet::destroy`] kills the machine's init (which kills every process of its PID
//! namespace), then kills anything else still using its filesystem (found through
//! `/proc/<pid>/mountinfo`), waits until no process is left (and, up to 5 s, for the host's
//! init to reap the machine's dead init, whose zombie still pins the PID namespace), removes
//! the veth if the kernel has not yet, and deletes the machine's directory.
//! [`Fleet::destroy_all`] does that for every machine, then deletes the bridge and the base
//! directory. Machines mount nothing in
//! the host's mount namespace and leave no namespace files, so nothing else remains;
//! `destroy_all` checks it, and fails naming any process, link or mount left.
//!
//! A create killed before it recorded its machine (SIGKILL of the process making it)
//! leaves a directory under the base that `fleet.json` does not name, perhaps with a
//! running init and its veth. The next [`Fleet::create`], [`Fleet::destroy_all`] and
//! [`Fleet::reap_interrupted`] end such machines (their processes are found by the
//! `<dir>/init.json` on their command line and the `upperdir=<dir>/upper` in their
//! mounts) and remove their veth and directory, so the name is free again. The bridge is
//! recorded before it is made, so `destroy_all` deletes it whenever it may exist.
//!
//! # Differences from a real Juju machine
//!
//! * The kernel, the host's installed packages and users (the lower layer, which stays live:
//!   a host change shows through until the machine modifies that file) are shared.
//!   Everything runs as real root; there is no user namespace, so this isolates, it does
//!   not secure.
//! * No cloud-init, no machine agent, no `snap`; the service manager reproduces systemd's
//!   interface, not all of systemd (no cgroups: see [`systemd`]). The host's
//!   `/usr/sbin/policy-rc.d` is hidden, so package scripts start their daemons.
//! * No route off the host: only the apt shim reaches the network, through the host.
//! * No cgroup limits on CPU or memory; no reboot (machines do not survive a host reboot, and
//!   a machine whose init died must be destroyed and created again).
//! * Package post-install scripts of the download step never run (downloads only); the
//!   install step runs in the machine's own network namespace.

#![warn(missing_docs)]

/// What a machine gives a unit, for charm authors and operators.
#[doc = include_str!("../../../docs/machines.md")]
pub mod user_guide {}

pub mod apt;
mod config;
mod destroy;
mod enter;
mod error;
mod fleet;
mod hosts;
mod init;
mod launch;
mod machine;
mod multicall;
mod network;
mod process;
mod protocol;
mod reaper;
mod rootfs;
pub mod service_cli;
mod state;
pub mod supervisor;
mod support;
mod sys;
pub mod systemd;

pub use config::{FleetConfig, MachineSpec, NetConfig};
pub use enter::EXIT_CANNOT_ENTER;
pub use error::{MachinesError, Result};
pub use fleet::{Fleet, APT_CACHE_ENV};
pub use machine::Machine;
pub use multicall::machine_main;
pub use process::{inherit_no_descriptors, ProcessRef};
pub use supervisor::SUPERVISOR_SOCKET;

/// Directory inside every machine holding the helper binary (`reactive-machine`) and its
/// `apt-get`, `reactive-service` and [`systemd::PROGRAMS`] links. Put it first on `PATH` of
/// hooks run in machines.
pub const MACHINE_BIN_DIR: &str = "/usr/local/lib/reactive-machine/bin";
