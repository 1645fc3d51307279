//! The service manager: units' states and the jobs that change them, as systemd runs them
//! ([systemd.service(5)]): `ExecStartPre=`, the start of each `Type=`, `ExecStartPost=`,
//! `ExecReload=`, `ExecStop=` then `KillMode=`/`KillSignal=` with `TimeoutStopSec=`,
//! `ExecStopPost=`; `Restart=` after the main process ends by itself; dependencies
//! (`Requires=`, `Wants=`) started first.
//!
//! Jobs (start, stop, restart, reload) run one at a time; queries never wait for them. The
//! manager learns that a main process ended from the init's reaper (a thread per main
//! process waits on the process table, or on a pidfd for a process that is not our child),
//! and restarts from there.
//!
//! [systemd.service(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use super::directives::{self, KillMode, NotifyAccess, Restart, ServiceType, UnitConfig};
use super::exec::{self, Launch};
use super::notify;
use super::procs;
use super::unit_file::ExecCommand;
use super::units::{self, Load};
use crate::reaper::{ProcTable, RawStatus};

/// How long to wait for processes after `SIGKILL`.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// `ActiveState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActiveState {
    Inactive,
    Activating,
    Active,
    Deactivating,
    Failed,
    Reloading,
}

impl ActiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            ActiveState::Inactive => "inactive",
            ActiveState::Activating => "activating",
            ActiveState::Active => "active",
            ActiveState::Deactivating => "deactivating",
            ActiveState::Failed => "failed",
            ActiveState::Reloading => "reloading",
        }
    }
}

/// Why a job failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobError {
    NotFound,
    Masked,
    /// The unit file could not be loaded; the reason names the file.
    Bad(String),
    /// The start failed with this `Result=` (`exit-code`, `timeout`, `resources`, …).
    Failed(&'static str),
    /// A `Requires=` dependency failed.
    Dependency,
    /// `reload` of a unit without `ExecReload=`.
    ReloadNotApplicable,
    /// `reload` of a unit that is not active.
    NotActive,
    /// `stop` of a unit with no file that was never loaded.
    NotLoaded,
}

/// A unit the manager has loaded, and its state.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub config: Arc<UnitConfig>,
    pub active: ActiveState,
    pub sub: &'static str,
    pub result: &'static str,
    pub main_pid: Option<i32>,
    pub control_pid: Option<i32>,
    pub main_exit: Option<RawStatus>,
    pub invocation: String,
    pub sessions: Vec<i32>,
    pub ready: bool,
    pub generation: u64,
    pub n_restarts: u32,
    pub since: SystemTime,
    pub status_text: Option<String>,
    starts: VecDeque<Instant>,
    /// Notifications that came before the manager recorded the main PID (see
    /// [`Unit::too_early`]), applied, in order, once it has.
    early_notifications: Vec<notify::Message>,
}

impl Unit {
    fn new(config: Arc<UnitConfig>) -> Unit {
        Unit {
            config,
            active: ActiveState::Inactive,
            sub: "dead",
            result: "success",
            main_pid: None,
            control_pid: None,
            main_exit: None,
            invocation: String::new(),
            sessions: Vec::new(),
            ready: false,
            generation: 0,
            n_restarts: 0,
            since: SystemTime::now(),
            status_text: None,
            starts: VecDeque::new(),
            early_notifications: Vec::new(),
        }
    }

    /// Whether a notification must wait for the main PID: the main process was forked
    /// but the spawning thread has not recorded its PID yet, and a quick child (or its
    /// helper) may notify first. systemd records the PID in the event loop that reads the
    /// socket, so it never judges `NotifyAccess=` nor takes `MAINPID=` before knowing it.
    fn too_early(&self) -> bool {
        self.sub == "start"
            && self.main_pid.is_none()
            && self.main_exit.is_none()
            && matches!(
                self.config.service_type,
                ServiceType::Simple | ServiceType::Exec | ServiceType::Notify
            )
    }

    /// Applies one notification (`NotifyAccess=`, then its fields).
    fn apply_notification(&mut self, message: &notify::Message) -> Notified {
        let allowed = match self.config.notify_access {
            NotifyAccess::None => false,
            NotifyAccess::All => true,
            NotifyAccess::Main => Some(message.sender) == self.main_pid,
            NotifyAccess::Exec => {
                Some(message.sender) == self.main_pid || Some(message.sender) == self.control_pid
            }
        };
        if !allowed {
            return Notified::Refused {
                sender: message.sender,
                main: self.main_pid.unwrap_or(0),
            };
        }
        let mut new_main = None;
        for (key, value) in &message.fields {
            match key.as_str() {
                "READY" if value == "1" => self.ready = true,
                "STATUS" => self.status_text = Some(value.clone()),
                "MAINPID" => {
                    if let Ok(pid) = value.parse::<i32>() {
                        if pid > 1 && Some(pid) != self.main_pid {
                            self.main_pid = Some(pid);
                            new_main = Some((self.generation, pid));
                        }
                    }
                }
                _ => {}
            }
        }
        Notified::Applied { new_main }
    }

    fn set(&mut self, active: ActiveState, sub: &'static str) {
        if self.active != active {
            self.since = SystemTime::now();
        }
        self.active = active;
        self.sub = sub;
    }
}

/// What a notification did, for what the manager does after releasing its lock.
#[derive(Debug)]
enum Notified {
    /// `NotifyAccess=` refused it.
    Refused { sender: i32, main: i32 },
    /// Applied; `MAINPID=` named a new main process (generation, PID).
    Applied { new_main: Option<(u64, i32)> },
}

/// The manager of one machine.
pub(crate) struct Manager {
    table: Arc<ProcTable>,
    root: PathBuf,
    log_dir: PathBuf,
    hostname: String,
    units: Mutex<BTreeMap<String, Unit>>,
    changed: Condvar,
    jobs: Mutex<()>,
    logged: Mutex<HashSet<String>>,
    notify_sockets: Mutex<HashMap<String, PathBuf>>,
    /// Listening sockets of active socket units, by socket unit.
    listeners: Mutex<HashMap<String, Vec<std::os::fd::OwnedFd>>>,
}

fn relock<T>(result: std::sync::LockResult<MutexGuard<'_, T>>) -> MutexGuard<'_, T> {
    // Every critical section leaves the state consistent, so a poisoned lock is still usable.
    result.unwrap_or_else(|e| e.into_inner())
}

/// Whether an exit counts as clean for `Restart=` and the unit's result: code 0 or one of
/// `SuccessExitStatus=`, or death by `SIGHUP`, `SIGINT`, `SIGTERM` or `SIGPIPE`.
fn clean_exit(status: RawStatus, success: &[i32]) -> bool {
    if libc::WIFEXITED(status) {
        let code = libc::WEXITSTATUS(status);
        code == 0 || success.contains(&code)
    } else if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        matches!(
            sig,
            libc::SIGHUP | libc::SIGINT | libc::SIGTERM | libc::SIGPIPE
        ) || success.contains(&(128 + sig))
    } else {
        false
    }
}

/// `code=exited, status=1/FAILURE` as systemd logs it.
pub(crate) fn describe_exit(status: RawStatus) -> String {
    if libc::WIFEXITED(status) {
        let code = libc::WEXITSTATUS(status);
        let name = match code {
            0 => "/SUCCESS",
            1 => "/FAILURE",
            2 => "/INVALIDARGUMENT",
            3 => "/NOTIMPLEMENTED",
            4 => "/NOPERMISSION",
            5 => "/NOTINSTALLED",
            6 => "/NOTCONFIGURED",
            7 => "/NOTRUNNING",
            _ => "",
        };
        format!("code=exited, status={code}{name}")
    } else if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        format!("code=killed, status={sig}/{}", directives::signal_name(sig))
    } else {
        format!("code=unknown, status={status}")
    }
}

impl Manager {
    /// A manager for the machine whose root is `root`, logging units' output in `log_dir`.
    pub fn new(table: Arc<ProcTable>, root: PathBuf, log_dir: PathBuf) -> Manager {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".to_string());
        Manager {
            table,
            root,
            log_dir,
            hostname,
            units: Mutex::new(BTreeMap::new()),
            changed: Condvar::new(),
            jobs: Mutex::new(()),
            logged: Mutex::new(HashSet::new()),
            notify_sockets: Mutex::new(HashMap::new()),
            listeners: Mutex::new(HashMap::new()),
        }
    }

    /// The machine's root (unit directories are under it).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The journal file of `unit`.
    pub fn journal_path(&self, unit: &str) -> PathBuf {
        self.log_dir.join(format!("{unit}.log"))
    }

    /// Appends a line of the manager's about `unit` to its journal (and the init's log).
    pub fn journal(&self, unit: &str, line: &str) {
        let _ = std::fs::create_dir_all(&self.log_dir);
        let path = self.journal_path(unit);
        if let Ok(mut file) = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o640)
            .open(&path)
        {
            let _ = writeln!(file, "systemd[1]: {line}");
        }
        eprintln!("systemd: {line}");
    }

    fn log_once(&self, unit: &str, line: &str) {
        if relock(self.logged.lock()).insert(line.to_string()) {
            self.journal(unit, line);
        }
    }

    /// A snapshot of `name`'s state, if the manager has loaded it.
    pub fn unit(&self, name: &str) -> Option<Unit> {
        relock(self.units.lock()).get(name).cloned()
    }

    /// Every unit the manager has loaded.
    pub fn all_units(&self) -> Vec<(String, Unit)> {
        relock(self.units.lock())
            .iter()
            .map(|(n, u)| (n.clone(), u.clone()))
            .collect()
    }

    /// Loads `name` from disk and logs (once) what it does not support.
    pub fn load(&self, name: &str) -> Result<Arc<UnitConfig>, JobError> {
        match units::load(&self.root, name) {
            Load::NotFound => Err(JobError::NotFound),
            Load::Masked(_) => Err(JobError::Masked),
            Load::Bad(why) => {
                self.log_once(name, &why);
                Err(JobError::Bad(why))
            }
            Load::Loaded(found) => {
                let config = directives::interpret(&found, &self.hostname);
                for problem in &config.problems {
                    self.log_once(name, problem);
                }
                for note in exec::effective_limits(&config).1 {
                    self.log_once(name, &note);
                }
                Ok(Arc::new(config))
            }
        }
    }

    /// The configuration to use: the running one for an active unit (until
    /// `daemon-reload`), else the files on disk.
    fn config_for_start(&self, name: &str) -> Result<Arc<UnitConfig>, JobError> {
        let config = self.load(name)?;
        let mut units = relock(self.units.lock());
        let unit = units
            .entry(name.to_string())
            .or_insert_with(|| Unit::new(Arc::clone(&config)));
        if matches!(unit.active, ActiveState::Inactive | ActiveState::Failed)
            || unit.sub == "auto-restart"
        {
            unit.config = Arc::clone(&config);
        }
        Ok(Arc::clone(&unit.config))
    }

    /// `daemon-reload`: every loaded unit takes its files' current settings.
    pub fn reload_all(&self) {
        let _jobs = relock(self.jobs.lock());
        let names: Vec<String> = relock(self.units.lock()).keys().cloned().collect();
        for name in names {
            if let Ok(config) = self.load(&name) {
                if let Some(unit) = relock(self.units.lock()).get_mut(&name) {
                    unit.config = config;
                }
            }
        }
    }

    // ----- jobs -----

    /// `systemctl start`.
    pub fn start(self: &Arc<Self>, name: &str) -> Result<(), JobError> {
        let _jobs = relock(self.jobs.lock());
        self.start_locked(name, &mut Vec::new())
    }

    /// `systemctl stop`.
    pub fn stop(self: &Arc<Self>, name: &str) -> Result<(), JobError> {
        let _jobs = relock(self.jobs.lock());
        self.stop_locked(name)
    }

    /// `systemctl restart`.
    pub fn restart(self: &Arc<Self>, name: &str) -> Result<(), JobError> {
        let _jobs = relock(self.jobs.lock());
        match self.stop_locked(name) {
            Ok(()) | Err(JobError::NotLoaded) => {}
            Err(e) => return Err(e),
        }
        self.start_locked(name, &mut Vec::new())
    }

    /// `systemctl reload`.
    pub fn reload(self: &Arc<Self>, name: &str) -> Result<(), JobError> {
        let _jobs = relock(self.jobs.lock());
        let Some(unit) = self.unit(name) else {
            self.load(name)?;
            return Err(JobError::NotActive);
        };
        if unit.config.exec_reload.is_empty() {
            return Err(JobError::ReloadNotApplicable);
        }
        if unit.active != ActiveState::Active {
            return Err(JobError::NotActive);
        }
        self.update(name, |u| u.set(ActiveState::Reloading, "reload"));
        let deadline = unit.config.timeout_start.map(|t| Instant::now() + t);
        let mut result = Ok(());
        for cmd in &unit.config.exec_reload {
            if let Err(r) = self.run_control(name, &unit, cmd, deadline) {
                result = Err(JobError::Failed(r));
                break;
            }
        }
        self.update(name, |u| {
            if u.active == ActiveState::Reloading {
                u.set(ActiveState::Active, "running");
            }
        });
        if result.is_ok() {
            self.journal(name, &format!("Reloaded {}.", title(&unit.config)));
        }
        result
    }

    fn update<R>(&self, name: &str, f: impl FnOnce(&mut Unit) -> R) -> Option<R> {
        let mut units = relock(self.units.lock());
        let r = units.get_mut(name).map(f);
        drop(units);
        self.changed.notify_all();
        r
    }

    fn start_locked(self: &Arc<Self>, name: &str, stack: &mut Vec<String>) -> Result<(), JobError> {
        if stack.iter().any(|s| s == name) {
            return Ok(());
        }
        let kind = units::kind(name).to_string();
        if !matches!(kind.as_str(), "service" | "socket") {
            // Targets, slices, mounts, devices…: the machine is already up; nothing to run.
            if let Ok(config) = self.load(name) {
                let mut units = relock(self.units.lock());
                let unit = units
                    .entry(name.to_string())
                    .or_insert_with(|| Unit::new(config));
                unit.set(ActiveState::Active, "active");
            }
            return Ok(());
        }
        if let Some(unit) = self.unit(name) {
            if matches!(
                unit.active,
                ActiveState::Active | ActiveState::Activating | ActiveState::Reloading
            ) && unit.sub != "auto-restart"
            {
                return Ok(());
            }
        }
        let config = self.config_for_start(name)?;
        stack.push(name.to_string());
        let result = self.start_unit(name, &config, stack);
        stack.pop();
        result
    }

    fn start_unit(
        self: &Arc<Self>,
        name: &str,
        config: &Arc<UnitConfig>,
        stack: &mut Vec<String>,
    ) -> Result<(), JobError> {
        for (key, value) in &config.conditions {
            if !condition_holds(key, value) {
                let assert = key.starts_with("Assert");
                self.journal(
                    name,
                    &format!(
                        "{} check resulted in {} being skipped.",
                        if assert { "Assertion" } else { "Condition" },
                        title(config)
                    ),
                );
                if assert {
                    return Err(JobError::Failed("assert"));
                }
                return Ok(());
            }
        }
        let mut deps: Vec<(String, bool)> = Vec::new();
        for d in &config.requires {
            deps.push((d.clone(), true));
        }
        for d in &config.wants {
            if !deps.iter().any(|(n, _)| n == d) {
                deps.push((d.clone(), false));
            }
        }
        for (dep, required) in deps {
            let r = self.start_locked(&dep, stack);
            if let Err(e) = r {
                if required {
                    self.journal(name, &format!("Dependency failed for {}.", title(config)));
                    self.journal(
                        name,
                        &format!("{name}: Job {name}/start failed with result 'dependency'."),
                    );
                    return Err(JobError::Dependency);
                }
                if e != JobError::NotFound {
                    self.journal(
                        name,
                        &format!("{name}: wanted unit {dep} failed to start; continuing."),
                    );
                }
            }
        }
        if let Some(service) = &config.socket_service {
            // A socket unit listens, and its service is started at once with the sockets
            // rather than on the first connection.
            if !relock(self.listeners.lock()).contains_key(name) {
                match super::sockets::listen(config) {
                    Ok(fds) => {
                        relock(self.listeners.lock()).insert(name.to_string(), fds);
                    }
                    Err(e) => {
                        self.journal(name, &format!("{name}: {e}"));
                        self.update(name, |u| {
                            u.set(ActiveState::Failed, "failed");
                            u.result = "resources";
                        });
                        self.journal(name, &format!("{name}: Failed with result 'resources'."));
                        return Err(JobError::Failed("resources"));
                    }
                }
            }
            self.update(name, |u| {
                u.set(ActiveState::Active, "listening");
                u.result = "success";
            });
            self.journal(name, &format!("Listening on {}.", title(config)));
            if let Err(e) = self.start_locked(service, stack) {
                self.journal(
                    name,
                    &format!("{name}: its service {service} failed to start ({e:?})."),
                );
            }
            return Ok(());
        }

        // The start rate limit.
        let now = Instant::now();
        let limited = self
            .update(name, |u| {
                while u
                    .starts
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > config.start_limit_interval)
                {
                    u.starts.pop_front();
                }
                if config.start_limit_burst > 0
                    && u.starts.len() >= config.start_limit_burst as usize
                {
                    u.set(ActiveState::Failed, "failed");
                    u.result = "start-limit-hit";
                    return true;
                }
                u.starts.push_back(now);
                false
            })
            .unwrap_or(false);
        if limited {
            self.journal(
                name,
                &format!("{name}: Start request repeated too quickly."),
            );
            self.journal(
                name,
                &format!("{name}: Failed with result 'start-limit-hit'."),
            );
            self.journal(name, &format!("Failed to start {}.", title(config)));
            return Err(JobError::Failed("start-limit-hit"));
        }

        let invocation = procs::new_invocation_id();
        let generation = self
            .update(name, |u| {
                u.generation += 1;
                u.invocation = invocation.clone();
                u.sessions.clear();
                u.main_pid = None;
                u.control_pid = None;
                u.main_exit = None;
                u.ready = false;
                u.status_text = None;
                u.early_notifications.clear();
                u.result = "success";
                u.set(ActiveState::Activating, "start-pre");
                u.generation
            })
            .unwrap_or(0);
        self.journal(name, &format!("Starting {}...", title(config)));
        if let Err(e) = exec::create_directories(config) {
            self.journal(name, &format!("{name}: {e}"));
            return self.fail_start(name, generation, "resources");
        }
        let deadline = config.timeout_start.map(|t| now + t);
        let snapshot = self.unit(name).ok_or(JobError::NotFound)?;
        for cmd in &config.exec_start_pre {
            if let Err(result) = self.run_control(name, &snapshot, cmd, deadline) {
                return self.fail_start(name, generation, result);
            }
        }
        self.update(name, |u| u.sub = "start");
        match config.service_type {
            ServiceType::Simple | ServiceType::Exec | ServiceType::Notify => {
                let Some(cmd) = config.exec_start.first() else {
                    self.journal(name, &format!("{name}: Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing."));
                    return self.fail_start(name, generation, "resources");
                };
                let mut env = vec![("INVOCATION_ID".to_string(), invocation.clone())];
                if config.service_type == ServiceType::Notify
                    || config.notify_access != NotifyAccess::None
                {
                    match self.notify_socket(name) {
                        Ok(path) => env.push(("NOTIFY_SOCKET".into(), path.display().to_string())),
                        Err(e) => {
                            self.journal(name, &format!("{name}: notification socket: {e}"));
                            return self.fail_start(name, generation, "resources");
                        }
                    }
                }
                let fds = self.listen_fds_for(name);
                let pid = match self.spawn_with(name, config, cmd, env, fds) {
                    Ok(pid) => pid,
                    Err(e) => {
                        self.journal(name, &format!("{name}: {e}"));
                        let failed = self.fail_start(name, generation, "exit-code");
                        // `systemctl start` of a simple service reports success even if
                        // its program cannot be run; the unit is failed afterwards.
                        return match config.service_type {
                            ServiceType::Simple => Ok(()),
                            _ => failed,
                        };
                    }
                };
                // Notifications the child sent before this point are applied now, under
                // the same lock as the PID, so none is judged without it.
                let early = self
                    .update(name, |u| {
                        u.main_pid = Some(pid);
                        u.sessions.push(pid);
                        std::mem::take(&mut u.early_notifications)
                            .iter()
                            .map(|m| u.apply_notification(m))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                self.watch_main(name, generation, pid, true);
                for outcome in early {
                    self.after_notification(name, outcome);
                }
                if config.service_type == ServiceType::Notify {
                    let outcome = self.wait_ready(name, generation, deadline);
                    if let Err(result) = outcome {
                        return self.fail_start(name, generation, result);
                    }
                }
            }
            ServiceType::Forking => {
                let Some(cmd) = config.exec_start.first() else {
                    return self.fail_start(name, generation, "resources");
                };
                let env = vec![("INVOCATION_ID".to_string(), invocation.clone())];
                let pid = match self.spawn(name, config, cmd, env) {
                    Ok(pid) => pid,
                    Err(e) => {
                        self.journal(name, &format!("{name}: {e}"));
                        return self.fail_start(name, generation, "resources");
                    }
                };
                self.update(name, |u| {
                    u.control_pid = Some(pid);
                    u.sessions.push(pid);
                });
                let Some(status) = self.table.wait(pid, deadline) else {
                    self.journal(
                        name,
                        &format!("{name}: start operation timed out. Terminating."),
                    );
                    return self.fail_start(name, generation, "timeout");
                };
                self.table.forget(pid);
                self.update(name, |u| u.control_pid = None);
                if !clean_exit(status, &config.success_exit_status) {
                    self.journal(
                        name,
                        &format!("{name}: Control process exited, {}", describe_exit(status)),
                    );
                    return self.fail_start(name, generation, "exit-code");
                }
                let main = self.forking_main_pid(name, config, &invocation, deadline);
                match main {
                    Some(main) => {
                        self.update(name, |u| u.main_pid = Some(main));
                        self.watch_main(name, generation, main, false);
                    }
                    None if config.pid_file.is_some() => {
                        self.journal(name, &format!("{name}: Can't open PID file {} (yet?) after start: No such file or directory", config.pid_file.as_deref().unwrap_or(Path::new("")).display()));
                        return self.fail_start(name, generation, "protocol");
                    }
                    None => {}
                }
            }
            ServiceType::Oneshot => {
                for cmd in &config.exec_start {
                    let snapshot = self.unit(name).ok_or(JobError::NotFound)?;
                    if let Err(result) = self.run_control(name, &snapshot, cmd, deadline) {
                        return self.fail_start(name, generation, result);
                    }
                }
            }
        }
        let snapshot = self.unit(name).ok_or(JobError::NotFound)?;
        self.update(name, |u| u.sub = "start-post");
        for cmd in &config.exec_start_post {
            if let Err(result) = self.run_control(name, &snapshot, cmd, deadline) {
                return self.fail_start(name, generation, result);
            }
        }
        let oneshot = config.service_type == ServiceType::Oneshot;
        let ended_early = self
            .update(name, |u| {
                if u.generation != generation {
                    return false;
                }
                if oneshot {
                    if config.remain_after_exit {
                        u.set(ActiveState::Active, "exited");
                    } else {
                        u.set(ActiveState::Inactive, "dead");
                    }
                    false
                } else {
                    u.set(ActiveState::Active, "running");
                    // The main process may have ended while the start was still under way.
                    u.main_pid.is_none() && u.main_exit.is_some()
                }
            })
            .unwrap_or(false);
        if oneshot && !config.remain_after_exit {
            self.journal(name, &format!("{name}: Deactivated successfully."));
            self.journal(name, &format!("Finished {}.", title(config)));
        } else {
            self.journal(name, &format!("Started {}.", title(config)));
        }
        if ended_early {
            let manager = Arc::clone(self);
            let name = name.to_string();
            std::thread::spawn(move || manager.main_ended(&name, generation));
        }
        Ok(())
    }

    /// A forking service's main process: from `PIDFile=` (waiting for it until the start
    /// deadline), else the one process left in the unit.
    fn forking_main_pid(
        &self,
        name: &str,
        config: &UnitConfig,
        invocation: &str,
        deadline: Option<Instant>,
    ) -> Option<i32> {
        if let Some(pid_file) = &config.pid_file {
            let give_up = deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(90));
            loop {
                if let Ok(text) = std::fs::read_to_string(pid_file) {
                    if let Ok(pid) = text.trim().parse::<i32>() {
                        if procs::alive(pid) {
                            return Some(pid);
                        }
                        self.journal(name, &format!("{name}: PID {pid} read from file {} does not exist or is a zombie.", pid_file.display()));
                        return None;
                    }
                }
                if Instant::now() >= give_up {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        if !config.guess_main_pid {
            return None;
        }
        let sessions = self.unit(name).map(|u| u.sessions).unwrap_or_default();
        let left = procs::unit_processes(invocation, &sessions);
        (left.len() == 1).then(|| left[0])
    }

    /// Waits for `READY=1` from a notify service, its main process ending, or the deadline.
    fn wait_ready(
        &self,
        name: &str,
        generation: u64,
        deadline: Option<Instant>,
    ) -> Result<(), &'static str> {
        let mut units = relock(self.units.lock());
        loop {
            let Some(unit) = units.get(name) else {
                return Err("resources");
            };
            if unit.generation != generation {
                return Err("resources");
            }
            if unit.ready {
                return Ok(());
            }
            if unit.main_pid.is_none() {
                let status = unit.main_exit;
                drop(units);
                if let Some(status) = status {
                    self.journal(
                        name,
                        &format!("{name}: Main process exited, {}", describe_exit(status)),
                    );
                }
                return Err(if status.is_some_and(|s| libc::WIFSIGNALED(s)) {
                    "signal"
                } else {
                    "exit-code"
                });
            }
            units = match deadline {
                None => relock(self.changed.wait(units)),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        drop(units);
                        self.journal(
                            name,
                            &format!("{name}: start operation timed out. Terminating."),
                        );
                        return Err("timeout");
                    }
                    self.changed
                        .wait_timeout(units, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    fn spawn(
        &self,
        name: &str,
        config: &UnitConfig,
        cmd: &ExecCommand,
        env: Vec<(String, String)>,
    ) -> Result<i32, String> {
        self.spawn_with(name, config, cmd, env, Vec::new())
    }

    fn spawn_with(
        &self,
        name: &str,
        config: &UnitConfig,
        cmd: &ExecCommand,
        env: Vec<(String, String)>,
        listen_fds: Vec<(std::os::fd::RawFd, String)>,
    ) -> Result<i32, String> {
        exec::spawn(
            &self.table,
            Launch {
                unit: config,
                command: cmd,
                extra_env: env,
                journal: &self.journal_path(name),
                listen_fds,
            },
        )
    }

    /// The listening sockets of the socket units whose service `name` is, to pass to its
    /// main process (the manager keeps them open).
    fn listen_fds_for(&self, name: &str) -> Vec<(std::os::fd::RawFd, String)> {
        use std::os::fd::AsRawFd;
        let sockets: Vec<String> = relock(self.units.lock())
            .iter()
            .filter(|(_, u)| u.config.socket_service.as_deref() == Some(name))
            .map(|(n, _)| n.clone())
            .collect();
        let listeners = relock(self.listeners.lock());
        sockets
            .iter()
            .flat_map(|socket| {
                listeners
                    .get(socket)
                    .into_iter()
                    .flatten()
                    .map(move |fd| (fd.as_raw_fd(), socket.clone()))
            })
            .collect()
    }

    /// Runs a control command (`ExecStartPre=`, `ExecStop=`, a oneshot's `ExecStart=`, …)
    /// to its end or the deadline. `Err` is the unit's result, unless the command has `-`.
    fn run_control(
        &self,
        name: &str,
        unit: &Unit,
        cmd: &ExecCommand,
        deadline: Option<Instant>,
    ) -> Result<(), &'static str> {
        let config = &unit.config;
        let mut env = vec![("INVOCATION_ID".to_string(), unit.invocation.clone())];
        if let Some(main) = unit.main_pid {
            env.push(("MAINPID".into(), main.to_string()));
        }
        if let Some(path) = relock(self.notify_sockets.lock()).get(name) {
            env.push(("NOTIFY_SOCKET".into(), path.display().to_string()));
        }
        let pid = match self.spawn(name, config, cmd, env) {
            Ok(pid) => pid,
            Err(e) => {
                self.journal(name, &format!("{name}: {e}"));
                return if cmd.ignore_failure {
                    Ok(())
                } else {
                    Err("resources")
                };
            }
        };
        self.update(name, |u| {
            u.control_pid = Some(pid);
            u.sessions.push(pid);
        });
        let status = self.table.wait(pid, deadline);
        let status = match status {
            Some(s) => s,
            None => {
                self.journal(
                    name,
                    &format!("{name}: Control process {pid} timed out. Killing."),
                );
                let _ = crate::sys::kill_quiet(-pid, libc::SIGKILL);
                self.table.wait(pid, Some(Instant::now() + KILL_WAIT));
                self.table.forget(pid);
                self.update(name, |u| u.control_pid = None);
                return Err("timeout");
            }
        };
        self.table.forget(pid);
        self.update(name, |u| u.control_pid = None);
        if clean_exit(status, &config.success_exit_status) || cmd.ignore_failure {
            return Ok(());
        }
        self.journal(
            name,
            &format!("{name}: Control process exited, {}", describe_exit(status)),
        );
        Err(if libc::WIFSIGNALED(status) {
            "signal"
        } else {
            "exit-code"
        })
    }

    /// Ends a failed start: stop what runs, mark the unit failed, maybe restart.
    fn fail_start(
        self: &Arc<Self>,
        name: &str,
        generation: u64,
        result: &'static str,
    ) -> Result<(), JobError> {
        let Some(unit) = self.unit(name) else {
            return Err(JobError::Failed(result));
        };
        self.update(name, |u| u.set(ActiveState::Deactivating, "final-sigterm"));
        self.terminate(name, &unit);
        for cmd in &unit.config.exec_stop_post {
            let snapshot = self.unit(name).unwrap_or_else(|| unit.clone());
            let _ = self.run_control(
                name,
                &snapshot,
                cmd,
                unit.config.timeout_stop.map(|t| Instant::now() + t),
            );
        }
        exec::remove_runtime_directories(&unit.config);
        self.update(name, |u| {
            u.set(ActiveState::Failed, "failed");
            u.result = result;
            u.main_pid = None;
        });
        self.journal(name, &format!("{name}: Failed with result '{result}'."));
        self.journal(name, &format!("Failed to start {}.", title(&unit.config)));
        if should_restart(&unit.config, None, result) {
            self.schedule_restart(name, generation);
        }
        Err(JobError::Failed(result))
    }

    /// Signals the unit's processes as `KillMode=` says and waits for them, escalating to
    /// `SIGKILL` after `TimeoutStopSec=`.
    fn terminate(&self, name: &str, unit: &Unit) {
        let config = &unit.config;
        let main = self.unit(name).and_then(|u| u.main_pid);
        let all = || {
            let mut pids = procs::unit_processes(&unit.invocation, &unit.sessions);
            pids.extend(main);
            pids
        };
        let deadline = config.timeout_stop.map(|t| Instant::now() + t);
        match config.kill_mode {
            KillMode::ControlGroup => {
                let pids = all();
                procs::signal_all(&pids, config.kill_signal);
                procs::signal_all(&pids, libc::SIGCONT);
            }
            KillMode::Mixed | KillMode::Process => {
                if let Some(main) = main {
                    let _ = crate::sys::kill_quiet(main, config.kill_signal);
                    let _ = crate::sys::kill_quiet(main, libc::SIGCONT);
                }
            }
            KillMode::None => {}
        }
        let mut gone = self.wait_main_gone(name, deadline);
        if gone && matches!(config.kill_mode, KillMode::ControlGroup) {
            gone = procs::wait_empty(&unit.invocation, &unit.sessions, deadline);
        }
        if !gone || config.kill_mode == KillMode::Mixed {
            if !gone {
                self.journal(
                    name,
                    &format!("{name}: State 'stop-sigterm' timed out. Killing."),
                );
            }
            if config.send_sigkill || config.kill_mode == KillMode::Mixed {
                let pids = match config.kill_mode {
                    KillMode::ControlGroup | KillMode::Mixed => all(),
                    KillMode::Process => main.into_iter().collect(),
                    KillMode::None => Vec::new(),
                };
                procs::signal_all(&pids, config.final_kill_signal);
                let deadline = Some(Instant::now() + KILL_WAIT);
                self.wait_main_gone(name, deadline);
                if config.kill_mode != KillMode::Process {
                    procs::wait_empty(&unit.invocation, &unit.sessions, deadline);
                }
            }
        }
    }

    /// Waits until the unit has no main process (its watcher saw it end).
    fn wait_main_gone(&self, name: &str, deadline: Option<Instant>) -> bool {
        let mut units = relock(self.units.lock());
        loop {
            if units.get(name).and_then(|u| u.main_pid).is_none() {
                return true;
            }
            units = match deadline {
                None => relock(self.changed.wait(units)),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    self.changed
                        .wait_timeout(units, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
    }

    fn stop_locked(self: &Arc<Self>, name: &str) -> Result<(), JobError> {
        let Some(unit) = self.unit(name) else {
            return match units::load(&self.root, name) {
                Load::NotFound => Err(JobError::NotLoaded),
                _ => Ok(()),
            };
        };
        match unit.active {
            ActiveState::Inactive | ActiveState::Failed => return Ok(()),
            _ => {}
        }
        if unit.sub == "auto-restart" {
            self.update(name, |u| {
                u.generation += 1;
                u.set(ActiveState::Inactive, "dead");
            });
            return Ok(());
        }
        let kind = units::kind(name);
        if kind != "service" {
            if relock(self.listeners.lock()).remove(name).is_some() {
                super::sockets::unlink(&unit.config);
            }
            self.update(name, |u| u.set(ActiveState::Inactive, "dead"));
            return Ok(());
        }
        let config = Arc::clone(&unit.config);
        self.update(name, |u| u.set(ActiveState::Deactivating, "stop"));
        self.journal(name, &format!("Stopping {}...", title(&config)));
        let deadline = config.timeout_stop.map(|t| Instant::now() + t);
        for cmd in &config.exec_stop {
            let snapshot = self.unit(name).unwrap_or_else(|| unit.clone());
            let _ = self.run_control(name, &snapshot, cmd, deadline);
        }
        self.update(name, |u| u.sub = "stop-sigterm");
        self.terminate(name, &unit);
        self.update(name, |u| u.sub = "stop-post");
        for cmd in &config.exec_stop_post {
            let snapshot = self.unit(name).unwrap_or_else(|| unit.clone());
            let _ = self.run_control(name, &snapshot, cmd, deadline);
        }
        exec::remove_runtime_directories(&config);
        self.update(name, |u| {
            u.generation += 1;
            u.main_pid = None;
            u.set(ActiveState::Inactive, "dead");
            u.result = "success";
        });
        self.journal(name, &format!("{name}: Deactivated successfully."));
        self.journal(name, &format!("Stopped {}.", title(&config)));
        Ok(())
    }

    // ----- main process watching and restarts -----

    /// Waits, on a thread of its own, for main process `pid` of run `generation` to end.
    fn watch_main(self: &Arc<Self>, name: &str, generation: u64, pid: i32, child: bool) {
        let manager = Arc::clone(self);
        let name = name.to_string();
        std::thread::spawn(move || {
            let status = if child {
                manager.table.wait(pid, None)
            } else {
                manager.table.adopt(pid);
                if let Ok(fd) = crate::sys::pidfd_open(pid) {
                    // Blocks until the process ends (a pidfd polls readable then).
                    let _ = crate::sys::pidfd_wait_exit(&fd, Duration::from_secs(u32::MAX as u64));
                }
                // An orphan re-parented to the init is reaped right after; a process whose
                // parent is alive is not ours to reap.
                manager
                    .table
                    .wait(pid, Some(Instant::now() + Duration::from_secs(1)))
            };
            manager.table.forget(pid);
            let mut units = relock(manager.units.lock());
            let Some(unit) = units.get_mut(&name) else {
                return;
            };
            if unit.generation != generation || unit.main_pid != Some(pid) {
                return;
            }
            unit.main_pid = None;
            // A process we could not reap is taken as a clean exit.
            unit.main_exit = Some(status.unwrap_or(0));
            let unexpected = unit.active == ActiveState::Active;
            drop(units);
            manager.changed.notify_all();
            if unexpected {
                manager.main_ended(&name, generation);
            }
        });
    }

    /// The main process of an active unit ended by itself: deactivate, maybe restart.
    fn main_ended(self: &Arc<Self>, name: &str, generation: u64) {
        let _jobs = relock(self.jobs.lock());
        let Some(unit) = self.unit(name) else { return };
        if unit.generation != generation
            || unit.active != ActiveState::Active
            || unit.main_pid.is_some()
        {
            return;
        }
        let config = Arc::clone(&unit.config);
        let status = unit.main_exit.unwrap_or(0);
        let clean = clean_exit(status, &config.success_exit_status);
        self.journal(
            name,
            &format!("{name}: Main process exited, {}", describe_exit(status)),
        );
        if clean && config.remain_after_exit {
            self.update(name, |u| u.set(ActiveState::Active, "exited"));
            return;
        }
        let result: &'static str = if clean {
            "success"
        } else if libc::WIFSIGNALED(status) {
            "signal"
        } else {
            "exit-code"
        };
        self.update(name, |u| u.set(ActiveState::Deactivating, "stop"));
        let deadline = config.timeout_stop.map(|t| Instant::now() + t);
        for cmd in &config.exec_stop {
            let snapshot = self.unit(name).unwrap_or_else(|| unit.clone());
            let _ = self.run_control(name, &snapshot, cmd, deadline);
        }
        self.terminate(name, &unit);
        for cmd in &config.exec_stop_post {
            let snapshot = self.unit(name).unwrap_or_else(|| unit.clone());
            let _ = self.run_control(name, &snapshot, cmd, deadline);
        }
        exec::remove_runtime_directories(&config);
        self.update(name, |u| {
            if clean {
                u.set(ActiveState::Inactive, "dead");
            } else {
                u.set(ActiveState::Failed, "failed");
            }
            u.result = result;
        });
        if clean {
            self.journal(name, &format!("{name}: Deactivated successfully."));
        } else {
            self.journal(name, &format!("{name}: Failed with result '{result}'."));
        }
        if should_restart(&config, Some(status), result) {
            self.schedule_restart(name, generation);
        }
    }

    /// After `RestartSec=`, starts the unit again unless a job touched it meanwhile.
    fn schedule_restart(self: &Arc<Self>, name: &str, generation: u64) {
        let Some(delay) = self.update(name, |u| {
            u.set(ActiveState::Activating, "auto-restart");
            u.config.restart_sec
        }) else {
            return;
        };
        let manager = Arc::clone(self);
        let name = name.to_string();
        std::thread::spawn(move || {
            let due = Instant::now() + delay;
            let mut units = relock(manager.units.lock());
            loop {
                let current = units.get(&name).map(|u| (u.generation, u.sub));
                if current != Some((generation, "auto-restart")) {
                    return;
                }
                let left = due.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                units = manager
                    .changed
                    .wait_timeout(units, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            drop(units);
            let _jobs = relock(manager.jobs.lock());
            let still = manager
                .unit(&name)
                .is_some_and(|u| u.generation == generation && u.sub == "auto-restart");
            if !still {
                return;
            }
            let count = manager
                .update(&name, |u| {
                    u.n_restarts += 1;
                    u.n_restarts
                })
                .unwrap_or(0);
            manager.journal(
                &name,
                &format!("{name}: Scheduled restart job, restart counter is at {count}."),
            );
            let _ = manager.start_locked(&name, &mut Vec::new());
        });
    }

    // ----- notifications -----

    fn notify_socket(self: &Arc<Self>, name: &str) -> std::io::Result<PathBuf> {
        let mut sockets = relock(self.notify_sockets.lock());
        if let Some(path) = sockets.get(name) {
            return Ok(path.clone());
        }
        let (path, fd) = notify::bind(name)?;
        sockets.insert(name.to_string(), path.clone());
        let manager = Arc::clone(self);
        let name = name.to_string();
        std::thread::spawn(move || loop {
            match notify::receive(&fd) {
                Ok(message) => manager.on_notify(&name, message),
                Err(e) => {
                    manager.journal(&name, &format!("{name}: notification socket failed: {e}"));
                    return;
                }
            }
        });
        Ok(path)
    }

    fn on_notify(self: &Arc<Self>, name: &str, message: notify::Message) {
        let outcome = {
            let mut units = relock(self.units.lock());
            let Some(unit) = units.get_mut(name) else {
                return;
            };
            if unit.too_early() {
                unit.early_notifications.push(message);
                return;
            }
            unit.apply_notification(&message)
        };
        self.changed.notify_all();
        self.after_notification(name, outcome);
    }

    /// What follows a notification, outside the units' lock: the refusal logged (once),
    /// or a new main process watched.
    fn after_notification(self: &Arc<Self>, name: &str, outcome: Notified) {
        match outcome {
            Notified::Refused { sender, main } => self.log_once(
                name,
                &format!(
                    "{name}: Got notification message from PID {sender}, but reception only permitted for main PID {main}"
                ),
            ),
            Notified::Applied {
                new_main: Some((generation, pid)),
            } => self.watch_main(name, generation, pid, false),
            Notified::Applied { new_main: None } => {}
        }
    }
}

/// `Description=` as systemd titles a unit in its messages: `foo.service - Foo`.
pub(crate) fn title(config: &UnitConfig) -> String {
    if config.description == config.name {
        config.name.clone()
    } else {
        format!("{} - {}", config.name, config.description)
    }
}

/// `Restart=` (with `RestartPreventExitStatus=`) for a run that ended with `status` (the
/// main process's, if it ended) and `result`.
fn should_restart(config: &UnitConfig, status: Option<RawStatus>, result: &str) -> bool {
    if result == "start-limit-hit" || result == "assert" {
        return false;
    }
    if let Some(status) = status {
        let code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            128 + libc::WTERMSIG(status)
        };
        if config.restart_prevent_exit_status.contains(&code) {
            return false;
        }
    }
    let success = result == "success";
    match config.restart {
        Restart::No => false,
        Restart::Always => true,
        Restart::OnSuccess => success,
        Restart::OnFailure => !success,
        Restart::OnAbnormal => matches!(result, "signal" | "timeout" | "core-dump" | "watchdog"),
        Restart::OnAbort => matches!(result, "signal" | "core-dump"),
    }
}

/// `Condition…=`/`Assert…=` (a leading `!` negates).
fn condition_holds(key: &str, value: &str) -> bool {
    let (negate, path) = match value.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, value),
    };
    let path = path.strip_prefix('|').unwrap_or(path);
    let p = Path::new(path);
    let holds = match key {
        "ConditionPathExists" | "AssertPathExists" => p.exists(),
        "ConditionPathIsDirectory" => p.is_dir(),
        "ConditionFileNotEmpty" => std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() > 0),
        "ConditionFileIsExecutable" => std::fs::metadata(p).is_ok_and(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        }),
        "ConditionDirectoryNotEmpty" => std::fs::read_dir(p).is_ok_and(|mut d| d.next().is_some()),
        _ => true,
    };
    holds != negate
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systemd::unit_file::{parse, Settings};
    use crate::systemd::units::Found;

    fn unit(service: &str) -> Unit {
        let file = Path::new("/etc/systemd/system/helper.service");
        let found = Found {
            name: "helper.service".into(),
            fragment: file.into(),
            drop_ins: Vec::new(),
            settings: Settings::merge(parse(service, file).expect("parses")),
        };
        Unit::new(Arc::new(directives::interpret(&found, "host")))
    }

    fn message(sender: i32, fields: &[(&str, &str)]) -> notify::Message {
        notify::Message {
            sender,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// A child that notifies before the spawning thread recorded its PID (a loaded
    /// machine): its message waits, and is then judged and applied with the PID known, so
    /// `MAINPID=` is not overwritten by the spawned PID and `NotifyAccess=main` does not
    /// refuse the main process.
    #[test]
    fn a_notification_before_the_main_pid_is_known_waits_for_it() {
        let mut all = unit("[Service]\nType=notify\nNotifyAccess=all\nExecStart=/bin/sh -c x\n");
        all.set(ActiveState::Activating, "start");
        assert!(all.too_early());
        all.main_pid = Some(26);
        assert!(!all.too_early());
        let outcome = all.apply_notification(&message(28, &[("READY", "1"), ("MAINPID", "27")]));
        assert!(matches!(
            outcome,
            Notified::Applied {
                new_main: Some((_, 27))
            }
        ));
        assert_eq!((all.main_pid, all.ready), (Some(27), true));

        let mut main = unit("[Service]\nType=notify\nExecStart=/usr/bin/python3 -c x\n");
        main.set(ActiveState::Activating, "start");
        assert!(main.too_early());
        main.main_pid = Some(40);
        assert!(matches!(
            main.apply_notification(&message(40, &[("READY", "1")])),
            Notified::Applied { new_main: None }
        ));
        assert!(main.ready);
        assert!(matches!(
            main.apply_notification(&message(41, &[("STATUS", "x")])),
            Notified::Refused {
                sender: 41,
                main: 40
            }
        ));

        // Other types and phases are judged at once.
        let mut forking = unit("[Service]\nType=forking\nExecStart=/bin/true\n");
        forking.set(ActiveState::Activating, "start");
        assert!(!forking.too_early());
    }
}
