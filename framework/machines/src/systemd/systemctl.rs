//! `systemctl`, answered by the manager: verbs, options, output and exit codes as
//! [systemctl(1)] has them (`is-active` 0/3, `status` 0/3/4, unknown unit 5 with
//! `Unit foo.service not found.`, …). The client sends its arguments over the manager's
//! socket and prints what comes back.
//!
//! [systemctl(1)]: https://www.freedesktop.org/software/systemd/man/latest/systemctl.html

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

use super::directives::{KillMode, NotifyAccess, Restart, ServiceType};
use super::lifecycle::{title, ActiveState, JobError, Manager, Unit};
use super::units::{self, Load};
use super::CliResponse;

/// `systemctl`'s exit code for an unknown unit (`EXIT_PROGRAM_OR_SERVICES_STATUS_UNKNOWN`).
pub const EXIT_NOT_FOUND: i32 = 5;
/// `systemctl status`/`is-active` for a unit that is not running (LSB "program is not
/// running").
pub const EXIT_NOT_RUNNING: i32 = 3;
/// `systemctl status` for a unit with no file (LSB "program or service status is unknown").
pub const EXIT_STATUS_UNKNOWN: i32 = 4;

#[derive(Default)]
struct Options {
    quiet: bool,
    now: bool,
    all: bool,
    value: bool,
    no_legend: bool,
    properties: Vec<String>,
    types: Vec<String>,
    states: Vec<String>,
    lines: Option<usize>,
    signal: Option<i32>,
    preset_mode: String,
}

struct Out {
    stdout: String,
    stderr: String,
}

impl Out {
    fn err(&mut self, line: impl AsRef<str>) {
        self.stderr.push_str(line.as_ref());
        self.stderr.push('\n');
    }
    fn out(&mut self, line: impl AsRef<str>) {
        self.stdout.push_str(line.as_ref());
        self.stdout.push('\n');
    }
}

/// Runs `systemctl ARGS`.
pub(crate) fn run(manager: &Arc<Manager>, args: Vec<String>) -> CliResponse {
    let mut o = Options::default();
    let mut words: Vec<String> = Vec::new();
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            words.extend(iter.by_ref());
            break;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if arg.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let value = |iter: &mut std::vec::IntoIter<String>| inline.clone().or_else(|| iter.next());
        match flag.as_str() {
            "-q" | "--quiet" => o.quiet = true,
            "--now" => o.now = true,
            "-a" | "--all" => o.all = true,
            "--value" => o.value = true,
            "--no-legend" => o.no_legend = true,
            "-p" | "--property" => {
                if let Some(v) = value(&mut iter) {
                    o.properties.extend(v.split(',').map(str::to_string));
                }
            }
            "-t" | "--type" => {
                if let Some(v) = value(&mut iter) {
                    o.types.extend(v.split(',').map(str::to_string));
                }
            }
            "--state" => {
                if let Some(v) = value(&mut iter) {
                    o.states.extend(v.split(',').map(str::to_string));
                }
            }
            "--failed" => o.states.push("failed".into()),
            "-n" | "--lines" => o.lines = value(&mut iter).and_then(|v| v.parse().ok()),
            "-s" | "--signal" => {
                o.signal = value(&mut iter).and_then(|v| super::directives::parse_signal(&v))
            }
"--root" => {
                // Only the machine's own root: `deb-systemd-helper` passes `--root=/`.
                let root = value(&mut iter).unwrap_or_default();
                if root != "/" {
                    return CliResponse {
                        code: 1,
                        stdout: String::new(),
                        stderr: format!("systemctl: --root={root} is not supported here (only /)\n"),
                    };
                }
            }
            "--preset-mode" => o.preset_mode = value(&mut iter).unwrap_or_default(),
            "--system" | "--global" | "--no-pager" | "--no-block" | "--no-reload" | "--no-ask-password"
            | "--plain" | "-l" | "--full" | "-f" | "--force" | "--runtime" | "--kill-whom"
            | "--job-mode" => {}
            "--version" => {
                return CliResponse {
                    code: 0,
                    stdout: "systemd 252 (reactive machines)\n".into(),
                    stderr: String::new(),
                }
            }
            "-h" | "--help" => {
                return CliResponse {
                    code: 0,
                    stdout: "systemctl [OPTIONS...] COMMAND ...\n\nQuery or send control commands to the system manager (a reactive machine's).\n".into(),
                    stderr: String::new(),
                }
            }
            f if f.starts_with('-') && words.is_empty() && f.len() > 1 => {
                return CliResponse {
                    code: 1,
                    stdout: String::new(),
                    stderr: format!("systemctl: unrecognized option '{f}'\n"),
                }
            }
            _ => words.push(arg),
        }
    }
    let mut out = Out {
        stdout: String::new(),
        stderr: String::new(),
    };
    let verb = if words.is_empty() {
        "list-units".to_string()
    } else {
        words.remove(0)
    };
    let names: Vec<String> = words.iter().map(|w| units::normalize(w)).collect();
    let code = verb_run(manager, &verb, &names, &o, &mut out);
    CliResponse {
        code,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

fn need_units(verb: &str, names: &[String], out: &mut Out) -> bool {
    if names.is_empty() {
        out.err("Too few arguments.");
        let _ = verb;
        return false;
    }
    true
}

fn verb_run(
    manager: &Arc<Manager>,
    verb: &str,
    names: &[String],
    o: &Options,
    out: &mut Out,
) -> i32 {
    match verb {
        "start"
        | "stop"
        | "restart"
        | "reload"
        | "try-restart"
        | "condrestart"
        | "reload-or-restart"
        | "try-reload-or-restart"
        | "force-reload" => {
            if !need_units(verb, names, out) {
                return 1;
            }
            let mut code = 0;
            for name in names {
                let c = job(manager, verb, name, out);
                if c != 0 {
                    code = c;
                }
            }
            code
        }
        "is-active" | "is-failed" => {
            if !need_units(verb, names, out) {
                return 1;
            }
            let mut any = false;
            for name in names {
                let state = manager
                    .unit(name)
                    .map_or(ActiveState::Inactive, |u| u.active)
                    .as_str();
                if !o.quiet {
                    out.out(state);
                }
                any |= if verb == "is-active" {
                    matches!(state, "active" | "reloading")
                } else {
                    state == "failed"
                };
            }
            match (any, verb) {
                (true, _) => 0,
                (false, "is-active") => EXIT_NOT_RUNNING,
                (false, _) => 1,
            }
        }
        "is-enabled" => {
            if !need_units(verb, names, out) {
                return 1;
            }
            let mut any = false;
            for name in names {
                match units::enablement(manager.root(), name) {
                    Some(state) => {
                        if !o.quiet {
                            out.out(state);
                        }
                        any |= matches!(state, "enabled" | "static");
                    }
                    None => {
                        if !o.quiet {
                            out.err(format!(
                                "Failed to get unit file state for {name}: No such file or directory"
                            ));
                        }
                        return 1;
                    }
                }
            }
            if any {
                0
            } else {
                1
            }
        }
        "enable" | "disable" | "mask" | "unmask" | "reenable" | "preset" => {
            if !need_units(verb, names, out) {
                return 1;
            }
            let mut changes = Vec::new();
            for name in names {
                let root = manager.root();
                let r = match verb {
                    "enable" => units::enable(root, name, &mut changes),
                    "disable" => units::disable(root, name, &mut changes),
                    "reenable" => units::disable(root, name, &mut changes)
                        .and_then(|()| units::enable(root, name, &mut changes)),
                    "mask" => units::mask(root, name, &mut changes),
                    "preset" => {
                        if units::preset_enables(root, name) {
                            units::enable(root, name, &mut changes)
                        } else if o.preset_mode == "enable-only" {
                            Ok(())
                        } else {
                            units::disable(root, name, &mut changes)
                        }
                    }
                    _ => units::unmask(root, name, &mut changes),
                };
                if let Err(e) = r {
                    for c in &changes {
                        out.err(c);
                    }
                    out.err(e);
                    return 1;
                }
            }
            if !o.quiet {
                for c in &changes {
                    out.err(c);
                }
            }
            if o.now {
                let then = match verb {
                    "enable" | "reenable" | "preset" => "start",
                    _ => "stop",
                };
                let mut code = 0;
                for name in names {
                    let c = job(manager, then, name, out);
                    if c != 0 {
                        code = c;
                    }
                }
                return code;
            }
            0
        }
        "daemon-reload" | "daemon-reexec" => {
            manager.reload_all();
            0
        }
        "reset-failed" => {
            for (name, unit) in manager.all_units() {
                if (names.is_empty() || names.contains(&name)) && unit.active == ActiveState::Failed
                {
                    let _ = manager.stop(&name);
                }
            }
            0
        }
        "is-system-running" => {
            if !o.quiet {
                out.out("running");
            }
            0
        }
        "status" => status(manager, names, o, out),
        "show" => {
            show(manager, names, o, out);
            0
        }
        "cat" => {
            if !need_units(verb, names, out) {
                return 1;
            }
            for name in names {
                match units::load(manager.root(), name) {
                    Load::Loaded(found) => {
                        for file in std::iter::once(&found.fragment).chain(&found.drop_ins) {
                            out.out(format!("# {}", file.display()));
                            out.stdout
                                .push_str(&std::fs::read_to_string(file).unwrap_or_default());
                        }
                    }
                    _ => {
                        out.err(format!("No files found for {name}."));
                        return 1;
                    }
                }
            }
            0
        }
        "kill" => {
            let signal = o.signal.unwrap_or(libc::SIGTERM);
            for name in names {
                if let Some(unit) = manager.unit(name) {
                    let mut pids = super::procs::unit_processes(&unit.invocation, &unit.sessions);
                    pids.extend(unit.main_pid);
                    super::procs::signal_all(&pids, signal);
                }
            }
            0
        }
        "list-units" => {
            list_units(manager, o, out);
            0
        }
        "list-unit-files" => {
            list_unit_files(manager, o, out);
            0
        }
        other => {
            out.err(format!("Unknown command verb '{other}'."));
            1
        }
    }
}

/// One job and its message; returns the exit code.
fn job(manager: &Arc<Manager>, verb: &str, name: &str, out: &mut Out) -> i32 {
    let active = manager.unit(name).map(|u| u.active);
    let running = matches!(
        active,
        Some(ActiveState::Active | ActiveState::Reloading | ActiveState::Activating)
    );
    let can_reload = || {
        manager
            .unit(name)
            .is_some_and(|u| !u.config.exec_reload.is_empty())
            || manager.load(name).is_ok_and(|c| !c.exec_reload.is_empty())
    };
    let (shown, result) = match verb {
        "start" => ("start", manager.start(name)),
        "stop" => ("stop", manager.stop(name)),
        "restart" => ("restart", manager.restart(name)),
        "reload" => ("reload", manager.reload(name)),
        "try-restart" | "condrestart" => {
            if !running {
                return match manager.load(name) {
                    Err(JobError::NotFound) => not_found("try-restart", name, out),
                    _ => 0,
                };
            }
            ("try-restart", manager.restart(name))
        }
        "reload-or-restart" | "force-reload" => {
            if running && can_reload() {
                ("reload-or-restart", manager.reload(name))
            } else {
                ("reload-or-restart", manager.restart(name))
            }
        }
        _ => {
            // try-reload-or-restart
            if !running {
                return 0;
            }
            if can_reload() {
                ("try-reload-or-restart", manager.reload(name))
            } else {
                ("try-reload-or-restart", manager.restart(name))
            }
        }
    };
    match result {
        Ok(()) => 0,
        Err(JobError::NotFound) => not_found(shown, name, out),
        Err(JobError::NotLoaded) => {
            out.err(format!("Failed to {shown} {name}: Unit {name} not loaded."));
            EXIT_NOT_FOUND
        }
        Err(JobError::Masked) => {
            out.err(format!("Failed to {shown} {name}: Unit {name} is masked."));
            1
        }
        Err(JobError::Bad(_)) => {
            out.err(format!(
                "Failed to {shown} {name}: Unit {name} has a bad unit file setting."
            ));
            1
        }
        Err(JobError::ReloadNotApplicable) => {
            out.err(format!(
                "Failed to {shown} {name}: Job type reload is not applicable for unit {name}."
            ));
            1
        }
        Err(JobError::NotActive) => {
            out.err(format!(
                "Failed to {shown} {name}: Unit {name} cannot be reloaded because it is inactive."
            ));
            1
        }
        Err(JobError::Dependency) => {
            out.err(format!(
                "A dependency job for {name} failed. See 'journalctl -xe' for details."
            ));
            1
        }
        Err(JobError::Failed(result)) => {
            let why = match result {
                "timeout" => "a timeout was exceeded",
                "resources" => "of unavailable resources or another system error",
                "start-limit-hit" => "start of the service was attempted too often",
                "protocol" => {
                    "the service did not take the steps required by its unit configuration"
                }
                "signal" => "a fatal signal was delivered to the control process",
                "assert" => "of an assertion failure",
                _ => "the control process exited with error code",
            };
            let job = if verb == "stop" { "stop" } else { "start" };
            let _ = job;
            out.err(format!(
                "Job for {name} failed because {why}.\nSee \"systemctl status {name}\" and \"journalctl -xeu {name}\" for details."
            ));
            1
        }
    }
}

fn not_found(verb: &str, name: &str, out: &mut Out) -> i32 {
    out.err(format!("Failed to {verb} {name}: Unit {name} not found."));
    EXIT_NOT_FOUND
}

/// `Sun 2026-12-06 21:10:48 UTC` in the machine's local time.
pub(crate) fn format_time(t: SystemTime, format: &str) -> String {
    // `as _`: musl deprecates the name `time_t` (its width changes), not the type.
    let secs: libc::c_long = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as _)
        .unwrap_or(0);
    // SAFETY: tm is plain data; localtime_r and strftime write within the given buffers.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return String::new();
        }
        let Ok(fmt) = std::ffi::CString::new(format) else {
            return String::new();
        };
        let mut buf = [0u8; 128];
        let n = libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

fn ago(t: SystemTime) -> String {
    let secs = SystemTime::now()
        .duration_since(t)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if secs < 60 {
        format!("{secs}s ago")
    } else if secs < 3600 {
        format!("{}min {}s ago", secs / 60, secs % 60)
    } else {
        format!("{}h {}min ago", secs / 3600, (secs % 3600) / 60)
    }
}

fn comm(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim().to_string())
        .unwrap_or_default()
}

fn status(manager: &Arc<Manager>, names: &[String], o: &Options, out: &mut Out) -> i32 {
    let mut code = 0;
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.out("");
        }
        let load = units::load(manager.root(), name);
        let unit = manager.unit(name);
        if matches!(load, Load::NotFound) && unit.is_none() {
            out.err(format!("Unit {name} could not be found."));
            code = EXIT_STATUS_UNKNOWN;
            continue;
        }
        let active = unit.as_ref().map_or(ActiveState::Inactive, |u| u.active);
        let dot = match active {
            ActiveState::Failed => "×",
            ActiveState::Inactive => "○",
            _ => "●",
        };
        let config = unit
            .as_ref()
            .map(|u| Arc::clone(&u.config))
            .or_else(|| manager.load(name).ok());
        let heading = config.as_ref().map_or(name.clone(), |c| title(c));
        out.out(format!("{dot} {heading}"));
        let enablement = units::enablement(manager.root(), name).unwrap_or("bad");
        match &load {
            Load::Loaded(found) => out.out(format!(
                "     Loaded: loaded ({}; {enablement}; preset: enabled)",
                found.fragment.display()
            )),
            Load::Masked(path) => {
                out.out(format!("     Loaded: masked ({}; masked)", path.display()))
            }
            Load::Bad(why) => out.out(format!("     Loaded: bad-setting ({why})")),
            Load::NotFound => out.out("     Loaded: not-found (Reason: Unit not found.)"),
        }
        if let Some(c) = &config {
            let mut dirs: Vec<String> = Vec::new();
            for d in &c.drop_ins {
                let dir = d
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let file = d
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if dirs.last().map(|l: &String| l.starts_with(&dir)) == Some(true) {
                    out.out(format!("             └─{file}"));
                } else {
                    let label = if dirs.is_empty() {
                        "    Drop-In: "
                    } else {
                        "             "
                    };
                    out.out(format!("{label}{dir}"));
                    out.out(format!("             └─{file}"));
                    dirs.push(dir);
                }
            }
        }
        let (sub, since, result) = unit.as_ref().map_or(("dead", None, "success"), |u| {
            (u.sub, Some(u.since), u.result)
        });
        let mut line = format!("     Active: {} ({sub})", active.as_str());
        if active == ActiveState::Failed {
            line = format!("     Active: failed (Result: {result})");
        }
        if let Some(since) = since {
            let _ = write!(
                line,
                " since {}; {}",
                format_time(since, "%a %Y-%m-%d %H:%M:%S %Z"),
                ago(since)
            );
        }
        out.out(line);
        if let Some(u) = &unit {
            if let Some(pid) = u.main_pid {
                out.out(format!("   Main PID: {pid} ({})", comm(pid)));
            } else if let Some(status) = u.main_exit {
                out.out(format!(
                    "   Main PID: (code={})",
                    super::lifecycle::describe_exit(status).trim_start_matches("code=")
                ));
            }
            if let Some(text) = u.status_text.as_ref().filter(|t| !t.is_empty()) {
                out.out(format!("     Status: \"{text}\""));
            }
        }
        let lines = o.lines.unwrap_or(10);
        if lines > 0 {
            let journal = super::journal::tail(&manager.journal_path(name), lines);
            if !journal.is_empty() {
                out.out("");
                for l in journal {
                    out.out(l);
                }
            }
        }
        let c = match active {
            ActiveState::Active
            | ActiveState::Reloading
            | ActiveState::Activating
            | ActiveState::Deactivating => 0,
            _ => EXIT_NOT_RUNNING,
        };
        if c != 0 && code == 0 {
            code = c;
        }
    }
    if names.is_empty() {
        out.out(format!("● {}\n    State: running", hostname()));
    }
    code
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

fn usec(d: Option<std::time::Duration>) -> String {
    match d {
        None => "infinity".into(),
        Some(d) => {
            let ms = d.as_millis();
            if ms % 1000 != 0 {
                format!("{ms}ms")
            } else {
                let s = d.as_secs();
                match (s / 60, s % 60) {
                    (0, s) => format!("{s}s"),
                    (m, 0) => format!("{m}min"),
                    (m, s) => format!("{m}min {s}s"),
                }
            }
        }
    }
}

/// The properties `show` knows, for one unit.
fn properties(manager: &Arc<Manager>, name: &str) -> Vec<(&'static str, String)> {
    let unit: Option<Unit> = manager.unit(name);
    let load = units::load(manager.root(), name);
    let config = unit
        .as_ref()
        .map(|u| Arc::clone(&u.config))
        .or_else(|| manager.load(name).ok());
    let load_state = match &load {
        Load::Loaded(_) => "loaded",
        Load::Masked(_) => "masked",
        Load::Bad(_) => "bad-setting",
        Load::NotFound => "not-found",
    };
    let active = unit.as_ref().map_or(ActiveState::Inactive, |u| u.active);
    let sub = unit.as_ref().map_or("dead", |u| u.sub);
    let mut p: Vec<(&'static str, String)> = vec![
        ("Id", name.to_string()),
        ("Names", name.to_string()),
        (
            "Description",
            config
                .as_ref()
                .map_or(name.to_string(), |c| c.description.clone()),
        ),
        ("LoadState", load_state.into()),
        ("ActiveState", active.as_str().into()),
        ("SubState", sub.into()),
        (
            "FragmentPath",
            config
                .as_ref()
                .map_or(String::new(), |c| c.fragment.display().to_string()),
        ),
        ("SourcePath", String::new()),
        (
            "DropInPaths",
            config.as_ref().map_or(String::new(), |c| {
                c.drop_ins
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
        ),
        (
            "UnitFileState",
            units::enablement(manager.root(), name).unwrap_or("").into(),
        ),
        (
            "MainPID",
            unit.as_ref()
                .and_then(|u| u.main_pid)
                .unwrap_or(0)
                .to_string(),
        ),
        (
            "ExecMainPID",
            unit.as_ref()
                .and_then(|u| u.main_pid)
                .unwrap_or(0)
                .to_string(),
        ),
        (
            "ControlPID",
            unit.as_ref()
                .and_then(|u| u.control_pid)
                .unwrap_or(0)
                .to_string(),
        ),
        (
            "ExecMainStatus",
            unit.as_ref()
                .and_then(|u| u.main_exit)
                .map_or(0, |s| {
                    if libc::WIFEXITED(s) {
                        libc::WEXITSTATUS(s)
                    } else {
                        libc::WTERMSIG(s)
                    }
                })
                .to_string(),
        ),
        (
            "Result",
            unit.as_ref().map_or("success", |u| u.result).into(),
        ),
        (
            "NRestarts",
            unit.as_ref().map_or(0, |u| u.n_restarts).to_string(),
        ),
        (
            "InvocationID",
            unit.as_ref()
                .map_or(String::new(), |u| u.invocation.clone()),
        ),
        (
            "StatusText",
            unit.as_ref()
                .and_then(|u| u.status_text.clone())
                .unwrap_or_default(),
        ),
        (
            "CanReload",
            if config.as_ref().is_some_and(|c| !c.exec_reload.is_empty()) {
                "yes"
            } else {
                "no"
            }
            .into(),
        ),
        (
            "CanStart",
            if config.is_some() { "yes" } else { "no" }.into(),
        ),
        (
            "CanStop",
            if config.is_some() { "yes" } else { "no" }.into(),
        ),
        (
            "ActiveEnterTimestamp",
            unit.as_ref()
                .filter(|u| u.active == ActiveState::Active)
                .map_or(String::new(), |u| {
                    format_time(u.since, "%a %Y-%m-%d %H:%M:%S %Z")
                }),
        ),
    ];
    if let Some(c) = &config {
        let nofile = c
            .exec
            .limits
            .iter()
            .find(|l| l.resource == libc::RLIMIT_NOFILE);
        let (mut soft, mut hard) = (0u64, 0u64);
        let mut host = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: valid out pointer.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut host) } == 0 {
            soft = host.rlim_cur;
            hard = host.rlim_max;
        }
        if let Some(l) = nofile {
            soft = l.soft.unwrap_or(u64::MAX).min(host.rlim_max);
            hard = l.hard.unwrap_or(u64::MAX).min(host.rlim_max);
        }
        p.extend([
            (
                "Type",
                match c.service_type {
                    ServiceType::Simple => "simple",
                    ServiceType::Exec => "exec",
                    ServiceType::Forking => "forking",
                    ServiceType::Oneshot => "oneshot",
                    ServiceType::Notify => "notify",
                }
                .into(),
            ),
            (
                "Restart",
                match c.restart {
                    Restart::No => "no",
                    Restart::Always => "always",
                    Restart::OnSuccess => "on-success",
                    Restart::OnFailure => "on-failure",
                    Restart::OnAbnormal => "on-abnormal",
                    Restart::OnAbort => "on-abort",
                }
                .into(),
            ),
            ("RestartUSec", usec(Some(c.restart_sec))),
            ("TimeoutStartUSec", usec(c.timeout_start)),
            ("TimeoutStopUSec", usec(c.timeout_stop)),
            (
                "RemainAfterExit",
                if c.remain_after_exit { "yes" } else { "no" }.into(),
            ),
            (
                "PIDFile",
                c.pid_file
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string()),
            ),
            (
                "NotifyAccess",
                match c.notify_access {
                    NotifyAccess::None => "none",
                    NotifyAccess::Main => "main",
                    NotifyAccess::Exec => "exec",
                    NotifyAccess::All => "all",
                }
                .into(),
            ),
            ("User", c.exec.user.clone().unwrap_or_default()),
            ("Group", c.exec.group.clone().unwrap_or_default()),
            ("UMask", format!("{:04o}", c.exec.umask)),
            (
                "WorkingDirectory",
                c.exec
                    .working_directory
                    .as_ref()
                    .map_or(String::new(), |w| w.0.clone()),
            ),
            (
                "LimitNOFILE",
                if hard == libc::RLIM_INFINITY {
                    "infinity".into()
                } else {
                    hard.to_string()
                },
            ),
            (
                "LimitNOFILESoft",
                if soft == libc::RLIM_INFINITY {
                    "infinity".into()
                } else {
                    soft.to_string()
                },
            ),
            (
                "KillMode",
                match c.kill_mode {
                    KillMode::ControlGroup => "control-group",
                    KillMode::Mixed => "mixed",
                    KillMode::Process => "process",
                    KillMode::None => "none",
                }
                .into(),
            ),
            ("KillSignal", c.kill_signal.to_string()),
            ("Requires", c.requires.join(" ")),
            ("Wants", c.wants.join(" ")),
        ]);
    }
    p
}

fn show(manager: &Arc<Manager>, names: &[String], o: &Options, out: &mut Out) {
    for (i, name) in names.iter().enumerate() {
        if i > 0 && !o.value {
            out.out("");
        }
        let props = properties(manager, name);
        if o.properties.is_empty() {
            for (k, v) in &props {
                out.out(if o.value {
                    v.clone()
                } else {
                    format!("{k}={v}")
                });
            }
            continue;
        }
        for wanted in &o.properties {
            let v = props
                .iter()
                .find(|(k, _)| k == wanted)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            out.out(if o.value { v } else { format!("{wanted}={v}") });
        }
    }
}

fn list_units(manager: &Arc<Manager>, o: &Options, out: &mut Out) {
    let mut rows = Vec::new();
    for (name, unit) in manager.all_units() {
        if !o.types.is_empty() && !o.types.iter().any(|t| t == units::kind(&name)) {
            continue;
        }
        let active = unit.active.as_str();
        if !o.states.is_empty() {
            if !o
                .states
                .iter()
                .any(|s| s == active || s == unit.sub || s == "loaded")
            {
                continue;
            }
        } else if !o.all && unit.active == ActiveState::Inactive {
            continue;
        }
        rows.push((name, active, unit.sub, unit.config.description.clone()));
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
    if !o.no_legend {
        out.out(format!(
            "  {:width$} LOAD   ACTIVE   SUB     DESCRIPTION",
            "UNIT"
        ));
    }
    for (name, active, sub, description) in &rows {
        let mark = if *active == "failed" { "●" } else { " " };
        out.out(format!(
            "{mark} {name:width$} loaded {active:8} {sub:7} {description}"
        ));
    }
    if !o.no_legend {
        out.out("");
        out.out("LOAD   = Reflects whether the unit definition was properly loaded.");
        out.out("ACTIVE = The high-level unit activation state, i.e. generalization of SUB.");
        out.out("SUB    = The low-level unit activation state, values depend on unit type.");
        out.out(format!("{} loaded units listed.", rows.len()));
    }
}

fn list_unit_files(manager: &Arc<Manager>, o: &Options, out: &mut Out) {
    let mut names = std::collections::BTreeSet::new();
    for dir in units::UNIT_DIRS {
        let path = manager.root().join(dir.trim_start_matches('/'));
        if let Ok(entries) = std::fs::read_dir(path) {
            for e in entries.flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                if n.contains('.')
                    && !n.ends_with(".d")
                    && !n.ends_with(".wants")
                    && !n.ends_with(".requires")
                {
                    names.insert(n);
                }
            }
        }
    }
    if !o.no_legend {
        out.out("UNIT FILE STATE");
    }
    let mut count = 0;
    for n in names {
        if !o.types.is_empty() && !o.types.iter().any(|t| t == units::kind(&n)) {
            continue;
        }
        let state = units::enablement(manager.root(), &n).unwrap_or("bad");
        if !o.states.is_empty() && !o.states.iter().any(|s| s == state) {
            continue;
        }
        out.out(format!("{n} {state}"));
        count += 1;
    }
    if !o.no_legend {
        out.out("");
        out.out(format!("{count} unit files listed."));
    }
}
