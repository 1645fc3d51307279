//! The supervisor: keeps long-lived workload processes ("services") running without systemd.
//!
//! It runs inside each machine's init (socket [`SUPERVISOR_SOCKET`]) or, outside machines, as
//! a plain daemon (`reactive-service daemon --socket PATH`) that makes itself a child
//! subreaper. Either way it owns a process table (`reaper::ProcTable`), so it learns of each service's exit through
//! `waitpid`, never by polling PIDs.
//!
//! A service is started in its own session (so its process group is its own) with stdin
//! `/dev/null`, stdout and stderr appended to `<log dir>/<name>.log`, a clean environment
//! and, optionally, another user and working directory. The definition is remembered, so
//! `restart` works after `stop` or after the process exited by itself. `stop` sends SIGTERM to
//! the service's process group, waits for the main process to exit, sends SIGKILL to the group
//! after the timeout, and returns only once the main process is gone.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs::OpenOptions;
use std::io::{BufReader, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::protocol;
use crate::reaper::{self, ProcTable, RawStatus};

/// Socket of a machine's supervisor, inside the machine (`/run` is private to each machine).
pub const SUPERVISOR_SOCKET: &str = "/run/reactive/supervisor.sock";
/// Environment variable naming the supervisor socket, for clients and the daemon.
pub const SOCKET_ENV: &str = "REACTIVE_SERVICE_SOCKET";
/// Where service logs go by default.
pub const LOG_DIR: &str = "/var/log/reactive-service";
/// `PATH` given to services.
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Default grace period between SIGTERM and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `stop` waits for the main process after SIGKILL before reporting failure.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// How to run a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDef {
    /// Program and arguments; the program is looked up on the service's `PATH`.
    pub argv: Vec<String>,
    /// User to run as (name or numeric uid); root if `None`.
    #[serde(default)]
    pub user: Option<String>,
    /// Working directory; the user's home (or `/`) if `None`.
    #[serde(default)]
    pub dir: Option<String>,
    /// Extra environment, on top of `PATH`, `HOME`, `USER`, `LOGNAME` and `LANG`.
    #[serde(default)]
    pub env: Vec<(String, String)>,
}

/// A request to the supervisor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Start (no-op if running with the same definition).
    Start {
        /// Service name.
        name: String,
        /// What to run.
        def: ServiceDef,
    },
    /// Stop, waiting for the process to exit.
    Stop {
        /// Service name.
        name: String,
        /// Grace period before SIGKILL, in seconds.
        timeout_secs: Option<u64>,
    },
    /// Stop (if running) and start again, with a new definition if given.
    Restart {
        /// Service name.
        name: String,
        /// Replacement definition.
        def: Option<ServiceDef>,
        /// Grace period before SIGKILL, in seconds.
        timeout_secs: Option<u64>,
    },
    /// One service's state.
    Status {
        /// Service name.
        name: String,
    },
    /// Every service's state.
    List,
}

/// State of one service, as reported to clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Service name.
    pub name: String,
    /// `running`, `stopped` (by request) or `exited` (by itself).
    pub state: String,
    /// Main PID (in the supervisor's PID namespace) while running.
    pub pid: Option<i32>,
    /// How the last run ended, e.g. `exited with code 1`.
    pub last_exit: Option<String>,
    /// The definition.
    pub def: ServiceDef,
    /// Log file.
    pub log: String,
}

/// The supervisor's answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Response {
    /// The error, if the request failed.
    pub error: Option<String>,
    /// A human message (e.g. "already running").
    pub message: Option<String>,
    /// For single-service requests: the service's state afterwards.
    pub service: Option<ServiceStatus>,
    /// For `list`.
    pub services: Vec<ServiceStatus>,
}

struct Service {
    def: ServiceDef,
    pid: Option<i32>,
    last_exit: Option<RawStatus>,
    stopped: bool,
}

/// See the module docs.
pub(crate) struct Supervisor {
    table: Arc<ProcTable>,
    log_dir: PathBuf,
    services: Mutex<BTreeMap<String, Service>>,
    /// Serialises start/stop/restart so two clients cannot interleave on one service; status
    /// and list only take `services` and stay responsive during a slow stop.
    ops: Mutex<()>,
}

fn relock<T>(result: std::sync::LockResult<MutexGuard<'_, T>>) -> MutexGuard<'_, T> {
    // Every critical section leaves the map consistent, so a poisoned lock is still usable.
    result.unwrap_or_else(|e| e.into_inner())
}

impl Supervisor {
    pub fn new(table: Arc<ProcTable>, log_dir: PathBuf) -> Supervisor {
        Supervisor {
            table,
            log_dir,
            services: Mutex::new(BTreeMap::new()),
            ops: Mutex::new(()),
        }
    }

    /// Listens on `socket` forever, one thread per client.
    pub fn serve(self: Arc<Self>, listener: UnixListener) {
        protocol::serve_each(self, listener, Self::handle);
    }

    fn handle(&self, mut stream: UnixStream) {
        let request: Option<Request> = match protocol::receive(&mut BufReader::new(&stream)) {
            Ok(request) => request,
            Err(e) => {
                let _ = protocol::send(&mut stream, &Response::error(format!("{e:#}")));
                return;
            }
        };
        let Some(request) = request else { return };
        let response = self.execute(request);
        let _ = protocol::send(&mut stream, &response);
    }

    pub fn execute(&self, request: Request) -> Response {
        let result = match request {
            Request::Start { name, def } => self.start(&name, def),
            Request::Stop { name, timeout_secs } => self.stop(&name, timeout(timeout_secs)),
            Request::Restart {
                name,
                def,
                timeout_secs,
            } => self.restart(&name, def, timeout(timeout_secs)),
            Request::Status { name } => self.status(&name).map(|service| Response {
                service: Some(service),
                ..Response::default()
            }),
            Request::List => Ok(Response {
                services: self.list(),
                ..Response::default()
            }),
        };
        result.unwrap_or_else(|e| Response::error(format!("{e:#}")))
    }

    /// Brings the recorded state up to date with what the reaper saw.
    fn refresh(&self, name: &str, service: &mut Service) {
        let Some(pid) = service.pid else { return };
        if let Some(status) = self.table.status(pid) {
            self.ended(name, service, pid, status, "exited");
        }
    }

    /// Records that the service's process `pid` ended with `status`, and says `how` in its log.
    fn ended(&self, name: &str, service: &mut Service, pid: i32, status: RawStatus, how: &str) {
        self.table.forget(pid);
        service.pid = None;
        service.last_exit = Some(status);
        let _ = append_log(
            &self.log_path(name),
            &format!("{how}: {}", reaper::describe(status)),
        );
    }

    fn start(&self, name: &str, def: ServiceDef) -> anyhow::Result<Response> {
        check_service_name(name)?;
        if def.argv.is_empty() {
            bail!("service {name}: no command given");
        }
        let _ops = relock(self.ops.lock());
        let mut services = relock(self.services.lock());
        if let Some(service) = services.get_mut(name) {
            self.refresh(name, service);
            if service.pid.is_some() {
                if service.def == def {
                    let status = self.snapshot(name, service);
                    return Ok(Response {
                        message: Some(format!("service {name} is already running")),
                        service: Some(status),
                        ..Response::default()
                    });
                }
                bail!(
                    "service {name} is already running with another command line; \
                     use `reactive-service restart {name} -- …` to replace it"
                );
            }
        }
        let (service, response) = self.launch(name, def, "started")?;
        services.insert(name.to_string(), service);
        Ok(response)
    }

    /// Spawns service `name` from `def`: the record to keep and the answer `<done> name (pid N)`.
    fn launch(
        &self,
        name: &str,
        def: ServiceDef,
        done: &str,
    ) -> anyhow::Result<(Service, Response)> {
        let pid = self.spawn(name, &def)?;
        let service = Service {
            def,
            pid: Some(pid),
            last_exit: None,
            stopped: false,
        };
        let response = Response {
            message: Some(format!("{done} {name} (pid {pid})")),
            service: Some(self.snapshot(name, &service)),
            ..Response::default()
        };
        Ok((service, response))
    }

    fn stop(&self, name: &str, grace: Duration) -> anyhow::Result<Response> {
        let _ops = relock(self.ops.lock());
        self.stop_locked(name, grace)
    }

    fn stop_locked(&self, name: &str, grace: Duration) -> anyhow::Result<Response> {
        let pid = {
            let mut services = relock(self.services.lock());
            let service = services
                .get_mut(name)
                .with_context(|| format!("no service named {name}"))?;
            self.refresh(name, service);
            service.stopped = true;
            service.pid
        };
        let mut message = format!("service {name} was not running");
        if let Some(pid) = pid {
            let status = self.terminate(name, pid, grace)?;
            let mut services = relock(self.services.lock());
            if let Some(service) = services.get_mut(name) {
                self.ended(name, service, pid, status, "stopped");
            }
            message = format!("stopped {name}");
        }
        let services = relock(self.services.lock());
        let status = services.get(name).map(|s| self.snapshot(name, s));
        Ok(Response {
            message: Some(message),
            service: status,
            ..Response::default()
        })
    }

    /// SIGTERM to the group, wait, SIGKILL to the group; returns the main process's status.
    fn terminate(&self, name: &str, pid: i32, grace: Duration) -> anyhow::Result<RawStatus> {
        // The service is its own session and process group leader, so -pid is its group.
        crate::sys::kill_quiet(-pid, libc::SIGTERM)
            .with_context(|| format!("sending SIGTERM to service {name} (pid {pid})"))?;
        let status = match self.table.wait(pid, Some(Instant::now() + grace)) {
            Some(status) => status,
            None => {
                crate::sys::kill_quiet(-pid, libc::SIGKILL)
                    .with_context(|| format!("sending SIGKILL to service {name} (pid {pid})"))?;
                self.table
                    .wait(pid, Some(Instant::now() + KILL_WAIT))
                    .with_context(|| {
                        format!("service {name} (pid {pid}) survived SIGKILL for {KILL_WAIT:?}")
                    })?
            }
        };
        // Children left in the group (workers of a forking server) go with their parent.
        let _ = crate::sys::kill_quiet(-pid, libc::SIGKILL);
        Ok(status)
    }

    fn restart(
        &self,
        name: &str,
        def: Option<ServiceDef>,
        grace: Duration,
    ) -> anyhow::Result<Response> {
        check_service_name(name)?;
        let _ops = relock(self.ops.lock());
        let known = relock(self.services.lock())
            .get(name)
            .map(|s| s.def.clone());
        let def = match (def, known) {
            (Some(def), _) => def,
            (None, Some(def)) => def,
            (None, None) => bail!(
                "no service named {name} (give the command to define it: restart {name} -- CMD…)"
            ),
        };
        if def.argv.is_empty() {
            bail!("service {name}: no command given");
        }
        if relock(self.services.lock()).contains_key(name) {
            self.stop_locked(name, grace)?;
        }
        let (service, response) = self.launch(name, def, "restarted")?;
        relock(self.services.lock()).insert(name.to_string(), service);
        Ok(response)
    }

    fn status(&self, name: &str) -> anyhow::Result<ServiceStatus> {
        let mut services = relock(self.services.lock());
        let service = services
            .get_mut(name)
            .with_context(|| format!("no service named {name}"))?;
        self.refresh(name, service);
        Ok(self.snapshot(name, service))
    }

    fn list(&self) -> Vec<ServiceStatus> {
        let mut services = relock(self.services.lock());
        let names: Vec<String> = services.keys().cloned().collect();
        names
            .iter()
            .filter_map(|name| {
                let service = services.get_mut(name)?;
                self.refresh(name, service);
                Some(self.snapshot(name, service))
            })
            .collect()
    }

    fn snapshot(&self, name: &str, service: &Service) -> ServiceStatus {
        let state = match (service.pid, service.stopped) {
            (Some(_), _) => "running",
            (None, true) => "stopped",
            (None, false) => "exited",
        };
        ServiceStatus {
            name: name.to_string(),
            state: state.to_string(),
            pid: service.pid,
            last_exit: service.last_exit.map(reaper::describe),
            def: service.def.clone(),
            log: self.log_path(name).display().to_string(),
        }
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.log_dir.join(format!("{name}.log"))
    }

    fn spawn(&self, name: &str, def: &ServiceDef) -> anyhow::Result<i32> {
        std::fs::create_dir_all(&self.log_dir)
            .with_context(|| format!("creating log directory {}", self.log_dir.display()))?;
        let log_path = self.log_path(name);
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o640)
            .open(&log_path)
            .with_context(|| format!("opening log {}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .with_context(|| format!("duplicating log fd of {}", log_path.display()))?;
        let identity = match &def.user {
            Some(user) => Some(Identity::lookup(user)?),
            None => None,
        };
        let home = identity
            .as_ref()
            .map_or("/root".to_string(), |i| i.home.clone());
        let user_name = identity
            .as_ref()
            .map_or("root".to_string(), |i| i.name.clone());
        let dir = def.dir.clone().unwrap_or_else(|| {
            if Path::new(&home).is_dir() {
                home.clone()
            } else {
                "/".to_string()
            }
        });

        let mut cmd = Command::new(&def.argv[0]);
        cmd.args(&def.argv[1..])
            .env_clear()
            .env("PATH", DEFAULT_PATH)
            .env("HOME", &home)
            .env("USER", &user_name)
            .env("LOGNAME", &user_name)
            .env("LANG", "C.UTF-8")
            .envs(def.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        let ids = identity.map(|i| (i.uid, i.gid, i.groups));
        // SAFETY: the closure only makes async-signal-safe system calls on data prepared
        // before fork.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                if let Some((uid, gid, groups)) = &ids {
                    if libc::setgroups(groups.len(), groups.as_ptr()) == -1
                        || libc::setgid(*gid) == -1
                        || libc::setuid(*uid) == -1
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        append_log(&log_path, &format!("starting: {}", shell_words(&def.argv)))?;
        self.table
            .spawn(&mut cmd)
            .with_context(|| format!("starting service {name}: {} in {dir}", def.argv[0]))
    }
}

impl Response {
    fn error(message: String) -> Response {
        Response {
            error: Some(message),
            ..Response::default()
        }
    }
}

fn timeout(secs: Option<u64>) -> Duration {
    secs.map_or(DEFAULT_STOP_TIMEOUT, Duration::from_secs)
}

/// Service names become file names, so: letters, digits, `.`, `_`, `-`, `@`.
pub(crate) fn check_service_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok {
        bail!("bad service name {name:?}: use letters, digits, '.', '_', '-' or '@'");
    }
    Ok(())
}

fn append_log(path: &Path, line: &str) -> anyhow::Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)
        .with_context(|| format!("opening log {}", path.display()))?;
    writeln!(file, "--- reactive-service: {line}")
        .with_context(|| format!("writing log {}", path.display()))
}

fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A user to run a service as, resolved with the machine's own `/etc/passwd`.
pub(crate) struct Identity {
    pub name: String,
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
    pub groups: Vec<libc::gid_t>,
    pub home: String,
    pub shell: String,
}

impl Identity {
    pub(crate) fn lookup(user: &str) -> anyhow::Result<Identity> {
        let key = CString::new(user).context("user name contains NUL")?;
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut buf = vec![0 as libc::c_char; 16 * 1024];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: all pointers are to live locals; getpwnam_r/getpwuid_r fill `pwd` with
        // pointers into `buf`, which outlives their use below.
        let ret = unsafe {
            match user.parse::<libc::uid_t>() {
                Ok(uid) => {
                    libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result)
                }
                Err(_) => libc::getpwnam_r(
                    key.as_ptr(),
                    &mut pwd,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut result,
                ),
            }
        };
        if ret != 0 || result.is_null() {
            bail!("no user {user} in this machine's /etc/passwd");
        }
        // SAFETY: getpwnam_r succeeded, so the fields are valid C strings in `buf`.
        let (name, home, shell) = unsafe {
            (
                std::ffi::CStr::from_ptr(pwd.pw_name)
                    .to_string_lossy()
                    .into_owned(),
                std::ffi::CStr::from_ptr(pwd.pw_dir)
                    .to_string_lossy()
                    .into_owned(),
                std::ffi::CStr::from_ptr(pwd.pw_shell)
                    .to_string_lossy()
                    .into_owned(),
            )
        };
        let name_c = CString::new(name.clone()).context("user name contains NUL")?;
        let mut groups = vec![0 as libc::gid_t; 256];
        let mut count = groups.len() as libc::c_int;
        // SAFETY: buffer and count describe `groups`; on -1 `count` says how many are needed.
        let ret = unsafe {
            libc::getgrouplist(name_c.as_ptr(), pwd.pw_gid, groups.as_mut_ptr(), &mut count)
        };
        if ret == -1 {
            groups.resize(count.max(0) as usize, 0);
            // SAFETY: as above, with the size the first call asked for.
            unsafe {
                libc::getgrouplist(name_c.as_ptr(), pwd.pw_gid, groups.as_mut_ptr(), &mut count)
            };
        }
        groups.truncate(count.max(0) as usize);
        Ok(Identity {
            name,
            uid: pwd.pw_uid,
            gid: pwd.pw_gid,
            groups,
            home,
            shell,
        })
    }
}

/// The gid of group `group` (name or number) in the machine's own `/etc/group`.
pub(crate) fn group_id(group: &str) -> anyhow::Result<libc::gid_t> {
    if let Ok(gid) = group.parse::<libc::gid_t>() {
        return Ok(gid);
    }
    let key = CString::new(group).context("group name contains NUL")?;
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: all pointers are to live locals; getgrnam_r fills `grp` with pointers into `buf`.
    let ret = unsafe {
        libc::getgrnam_r(
            key.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if ret != 0 || result.is_null() {
        bail!("no group {group} in this machine's /etc/group");
    }
    Ok(grp.gr_gid)
}

/// Binds the supervisor socket at `path` (replacing a stale one), readable by root only:
/// whoever can talk to it can run anything as anyone.
pub(crate) fn bind_socket(path: &Path) -> anyhow::Result<UnixListener> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("removing stale socket {}", path.display()))
        }
    }
    let listener =
        UnixListener::bind(path).with_context(|| format!("binding {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("setting permissions of {}", path.display()))?;
    Ok(listener)
}

/// `reactive-service daemon`: the supervisor outside machines, as a child subreaper so that
/// daemonising services are still reaped by it.
pub(crate) fn daemon_main(socket: &Path, log_dir: &Path) -> anyhow::Result<()> {
    // SAFETY: plain prctl.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == -1 {
        return Err(std::io::Error::last_os_error()).context("prctl(PR_SET_CHILD_SUBREAPER)");
    }
    reaper::block_sigchld().context("blocking SIGCHLD")?;
    let table = Arc::new(ProcTable::default());
    let listener = bind_socket(socket)?;
    let supervisor = Arc::new(Supervisor::new(Arc::clone(&table), log_dir.to_path_buf()));
    std::thread::spawn(move || supervisor.serve(listener));
    reaper::reap_forever(&table)
}
