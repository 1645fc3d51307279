//! The directives a unit may use, interpreted: [systemd.unit(5)] (`[Unit]`, `[Install]`),
//! [systemd.service(5)] (`[Service]`), [systemd.exec(5)] and [systemd.kill(5)] (the execution
//! environment and stopping), [systemd.socket(5)] (`Service=`, `ListenStream=`). A directive
//! not listed here is reported as unsupported (the manager logs it once and ignores it); an
//! invalid value is reported and the default kept, as systemd does.
//!
//! [systemd.unit(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html
//! [systemd.service(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html
//! [systemd.exec(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html
//! [systemd.kill(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.kill.html
//! [systemd.socket(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.socket.html

use std::path::PathBuf;
use std::time::Duration;

use super::unit_file::{
    expand_specifiers, parse_bool, parse_exec, parse_timespan, Assignment, ExecCommand,
    SpecifierContext,
};
use super::units::{self, Found};

/// Directives read (anything else in these sections is unsupported).
const SUPPORTED: &[(&str, &[&str])] = &[
    (
        "Unit",
        &[
            "Description",
            "Documentation",
            "After",
            "Before",
            "Wants",
            "Requires",
            "Requisite",
            "BindsTo",
            "PartOf",
            "DefaultDependencies",
            "StartLimitIntervalSec",
            "StartLimitBurst",
            "ConditionPathExists",
            "ConditionPathIsDirectory",
            "ConditionFileNotEmpty",
            "ConditionFileIsExecutable",
            "ConditionDirectoryNotEmpty",
            "AssertPathExists",
        ],
    ),
    ("Install", &["WantedBy", "RequiredBy", "Alias", "Also"]),
    (
        "Service",
        &[
            "Type",
            "RemainAfterExit",
            "ExecStartPre",
            "ExecStart",
            "ExecStartPost",
            "ExecReload",
            "ExecStop",
            "ExecStopPost",
            "PIDFile",
            "GuessMainPID",
            "Restart",
            "RestartSec",
            "TimeoutSec",
            "TimeoutStartSec",
            "TimeoutStopSec",
            "SuccessExitStatus",
            "RestartPreventExitStatus",
            "NotifyAccess",
            "KillMode",
            "KillSignal",
            "SendSIGKILL",
            "FinalKillSignal",
            "User",
            "Group",
            "SupplementaryGroups",
            "UMask",
            "Environment",
            "EnvironmentFile",
            "WorkingDirectory",
            "RuntimeDirectory",
            "RuntimeDirectoryMode",
            "RuntimeDirectoryPreserve",
            "StateDirectory",
            "CacheDirectory",
            "LogsDirectory",
            "ConfigurationDirectory",
            "StandardInput",
            "StandardOutput",
            "StandardError",
            "SyslogIdentifier",
            "LimitCPU",
            "LimitFSIZE",
            "LimitDATA",
            "LimitSTACK",
            "LimitCORE",
            "LimitRSS",
            "LimitNOFILE",
            "LimitAS",
            "LimitNPROC",
            "LimitMEMLOCK",
            "LimitLOCKS",
            "LimitSIGPENDING",
            "LimitMSGQUEUE",
            "LimitNICE",
            "LimitRTPRIO",
            "LimitRTTIME",
            "StartLimitIntervalSec",
            "StartLimitBurst",
            "StartLimitInterval",
        ],
    ),
    (
        "Socket",
        &[
            "ListenStream",
            "BindIPv6Only",
            "Service",
            "Accept",
            "SocketMode",
            "SocketUser",
            "SocketGroup",
        ],
    ),
];

/// `Type=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServiceType {
    Simple,
    Exec,
    Forking,
    Oneshot,
    Notify,
}

/// `Restart=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Restart {
    No,
    Always,
    OnSuccess,
    OnFailure,
    OnAbnormal,
    OnAbort,
}

/// `KillMode=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KillMode {
    ControlGroup,
    Mixed,
    Process,
    None,
}

/// `NotifyAccess=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotifyAccess {
    None,
    Main,
    Exec,
    All,
}

/// `StandardOutput=` / `StandardError=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Output {
    /// The unit's journal (its log file).
    Journal,
    /// StandardError: the same as standard output.
    Inherit,
    Null,
    /// `file:` (write from the start, no truncation), `append:`, `truncate:`.
    File {
        path: PathBuf,
        append: bool,
        truncate: bool,
    },
}

/// The type of `setrlimit`'s resource number: glibc has a type of its own, musl a plain
/// `int` (the model's hook tool is built for musl too, and links this crate).
#[cfg(target_env = "gnu")]
pub(crate) type RlimitResource = libc::__rlimit_resource_t;
/// The type of `setrlimit`'s resource number: glibc has a type of its own, musl a plain
/// `int` (the model's hook tool is built for musl too, and links this crate).
#[cfg(not(target_env = "gnu"))]
pub(crate) type RlimitResource = libc::c_int;

/// A resource limit, soft and hard (`None`: infinity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Limit {
    pub directive: &'static str,
    pub resource: RlimitResource,
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

/// `*Directory=` settings: `(base, relative names)`.
pub(crate) type Directories = Vec<(&'static str, Vec<String>)>;

/// Everything about how a unit's processes run.
#[derive(Debug, Clone)]
pub(crate) struct ExecConfig {
    pub user: Option<String>,
    pub group: Option<String>,
    pub supplementary_groups: Vec<String>,
    pub umask: u32,
    pub environment: Vec<(String, String)>,
    /// Files and whether they may be missing (`-` prefix).
    pub environment_files: Vec<(PathBuf, bool)>,
    /// The directory and whether it may be missing (`-` prefix); `~` is the user's home.
    pub working_directory: Option<(String, bool)>,
    pub runtime_mode: u32,
    pub runtime_preserve: bool,
    /// `RuntimeDirectory=` (under `/run`), removed when the unit stops.
    pub runtime_directories: Vec<String>,
    /// `StateDirectory=`, `CacheDirectory=`, `LogsDirectory=`, `ConfigurationDirectory=`.
    pub other_directories: Directories,
    pub stdout: Output,
    pub stderr: Output,
    pub limits: Vec<Limit>,
}

/// A unit, interpreted.
#[derive(Debug, Clone)]
pub(crate) struct UnitConfig {
    pub name: String,
    pub description: String,
    pub fragment: PathBuf,
    pub drop_ins: Vec<PathBuf>,
    pub wants: Vec<String>,
    pub requires: Vec<String>,
    pub conditions: Vec<(String, String)>,
    pub start_limit_interval: Duration,
    pub start_limit_burst: u32,
    pub service_type: ServiceType,
    pub remain_after_exit: bool,
    pub exec_start_pre: Vec<ExecCommand>,
    pub exec_start: Vec<ExecCommand>,
    pub exec_start_post: Vec<ExecCommand>,
    pub exec_reload: Vec<ExecCommand>,
    pub exec_stop: Vec<ExecCommand>,
    pub exec_stop_post: Vec<ExecCommand>,
    pub pid_file: Option<PathBuf>,
    pub guess_main_pid: bool,
    pub restart: Restart,
    pub restart_sec: Duration,
    pub timeout_start: Option<Duration>,
    pub timeout_stop: Option<Duration>,
    pub success_exit_status: Vec<i32>,
    pub restart_prevent_exit_status: Vec<i32>,
    pub notify_access: NotifyAccess,
    pub kill_mode: KillMode,
    pub kill_signal: i32,
    pub final_kill_signal: i32,
    pub send_sigkill: bool,
    pub exec: ExecConfig,
    /// A `.socket` unit's service (`Service=`, else the same name with `.service`).
    pub socket_service: Option<String>,
    /// A `.socket` unit's `ListenStream=` values.
    pub listen_stream: Vec<String>,
    /// A `.socket` unit's `SocketMode=` for file system sockets.
    pub socket_mode: u32,
    /// Unsupported or invalid directives: what to log (once) about each.
    pub problems: Vec<String>,
}

/// systemd's defaults (`DefaultTimeoutStartSec=`, `DefaultTimeoutStopSec=`).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(90);

/// Signal names as systemd writes them (`SIGTERM`, `TERM`, or a number).
pub(crate) fn parse_signal(value: &str) -> Option<i32> {
    let name = value.trim().trim_start_matches("SIG");
    if let Ok(n) = name.parse::<i32>() {
        return Some(n);
    }
    Some(match name {
        "HUP" => libc::SIGHUP,
        "INT" => libc::SIGINT,
        "QUIT" => libc::SIGQUIT,
        "KILL" => libc::SIGKILL,
        "USR1" => libc::SIGUSR1,
        "USR2" => libc::SIGUSR2,
        "PIPE" => libc::SIGPIPE,
        "ALRM" => libc::SIGALRM,
        "TERM" => libc::SIGTERM,
        "CONT" => libc::SIGCONT,
        "STOP" => libc::SIGSTOP,
        "WINCH" => libc::SIGWINCH,
        "ABRT" => libc::SIGABRT,
        _ => return None,
    })
}

/// The name systemd prints for a signal (`TERM`).
pub(crate) fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "HUP",
        libc::SIGINT => "INT",
        libc::SIGQUIT => "QUIT",
        libc::SIGKILL => "KILL",
        libc::SIGUSR1 => "USR1",
        libc::SIGUSR2 => "USR2",
        libc::SIGPIPE => "PIPE",
        libc::SIGALRM => "ALRM",
        libc::SIGTERM => "TERM",
        libc::SIGABRT => "ABRT",
        libc::SIGSEGV => "SEGV",
        _ => return signal.to_string(),
    };
    name.to_string()
}

fn limit_resource(key: &str) -> Option<(&'static str, RlimitResource)> {
    Some(match key {
        "LimitCPU" => ("LimitCPU", libc::RLIMIT_CPU),
        "LimitFSIZE" => ("LimitFSIZE", libc::RLIMIT_FSIZE),
        "LimitDATA" => ("LimitDATA", libc::RLIMIT_DATA),
        "LimitSTACK" => ("LimitSTACK", libc::RLIMIT_STACK),
        "LimitCORE" => ("LimitCORE", libc::RLIMIT_CORE),
        "LimitRSS" => ("LimitRSS", libc::RLIMIT_RSS),
        "LimitNOFILE" => ("LimitNOFILE", libc::RLIMIT_NOFILE),
        "LimitAS" => ("LimitAS", libc::RLIMIT_AS),
        "LimitNPROC" => ("LimitNPROC", libc::RLIMIT_NPROC),
        "LimitMEMLOCK" => ("LimitMEMLOCK", libc::RLIMIT_MEMLOCK),
        "LimitLOCKS" => ("LimitLOCKS", libc::RLIMIT_LOCKS),
        "LimitSIGPENDING" => ("LimitSIGPENDING", libc::RLIMIT_SIGPENDING),
        "LimitMSGQUEUE" => ("LimitMSGQUEUE", libc::RLIMIT_MSGQUEUE),
        "LimitNICE" => ("LimitNICE", libc::RLIMIT_NICE),
        "LimitRTPRIO" => ("LimitRTPRIO", libc::RLIMIT_RTPRIO),
        "LimitRTTIME" => ("LimitRTTIME", libc::RLIMIT_RTTIME),
        _ => return None,
    })
}

/// `LimitX=soft[:hard]`; `infinity` for no limit; sizes may end in K, M, G (1024-based).
fn parse_limit(value: &str) -> Option<(Option<u64>, Option<u64>)> {
    let one = |v: &str| -> Option<Option<u64>> {
        let v = v.trim();
        if v == "infinity" {
            return Some(None);
        }
        let (digits, factor) = match v.char_indices().last()? {
            (i, 'K') => (&v[..i], 1u64 << 10),
            (i, 'M') => (&v[..i], 1 << 20),
            (i, 'G') => (&v[..i], 1 << 30),
            (i, 'T') => (&v[..i], 1 << 40),
            _ => (v, 1),
        };
        digits
            .parse::<u64>()
            .ok()
            .map(|n| Some(n.saturating_mul(factor)))
    };
    match value.split_once(':') {
        Some((soft, hard)) => Some((one(soft)?, one(hard)?)),
        None => {
            let both = one(value)?;
            Some((both, both))
        }
    }
}

fn parse_output(value: &str) -> Option<Output> {
    Some(match value {
        "journal" | "syslog" | "kmsg" | "journal+console" | "syslog+console" | "kmsg+console"
        | "tty" | "console" => Output::Journal,
        "inherit" => Output::Inherit,
        "null" => Output::Null,
        other => {
            let (path, append, truncate) = if let Some(p) = other.strip_prefix("append:") {
                (p, true, false)
            } else if let Some(p) = other.strip_prefix("truncate:") {
                (p, false, true)
            } else if let Some(p) = other.strip_prefix("file:") {
                (p, false, false)
            } else {
                return None;
            };
            if !path.starts_with('/') {
                return None;
            }
            Output::File {
                path: path.into(),
                append,
                truncate,
            }
        }
    })
}

/// One `Environment=` value: space-separated `K=V` words, quotes allowed.
fn parse_environment(value: &str) -> Result<Vec<(String, String)>, String> {
    super::unit_file::split_words(value)?
        .into_iter()
        .map(|word| match word.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("{word:?} is not an assignment")),
        })
        .collect()
}

/// Interprets a loaded unit. `hostname` is for specifiers.
pub(crate) fn interpret(found: &Found, hostname: &str) -> UnitConfig {
    let ctx = SpecifierContext {
        unit: found.name.clone(),
        hostname: hostname.to_string(),
    };
    let mut problems = Vec::new();
    let s = &found.settings;
    for a in s.assignments() {
        let known = SUPPORTED
            .iter()
            .find(|(section, _)| *section == a.section)
            .map(|(_, keys)| keys.contains(&a.key.as_str()));
        match known {
            Some(true) => {}
            Some(false) => problems.push(format!(
                "{}:{}: Unsupported key '{}' in section '{}' (not reproduced by reactive machines), ignoring.",
                a.file.display(), a.line, a.key, a.section
            )),
            None if a.section.starts_with("X-") => {}
            None => problems.push(format!(
                "{}:{}: Unknown section '{}'. Ignoring.",
                a.file.display(),
                a.line,
                a.section
            )),
        }
    }
    let at = |section: &str, key: &str| -> Option<&Assignment> {
        s.assignments()
            .filter(|a| a.section == section && a.key == key)
            .last()
    };
    let mut bad = |section: &str, key: &str, why: String| {
        if let Some(a) = at(section, key) {
            problems.push(format!(
                "{}:{}: Failed to parse {key}= value, ignoring: {why}",
                a.file.display(),
                a.line
            ));
        }
    };
    let get = |key: &str| s.last("Service", key).map(|v| expand_specifiers(v, &ctx));
    let exec_list = |key: &str, bad: &mut dyn FnMut(&str, &str, String)| -> Vec<ExecCommand> {
        s.all("Service", key)
            .iter()
            .filter_map(|v| match parse_exec(&expand_specifiers(v, &ctx)) {
                Ok(c) => Some(c),
                Err(e) => {
                    bad("Service", key, e);
                    None
                }
            })
            .collect()
    };
    let exec_start_pre = exec_list("ExecStartPre", &mut bad);
    let exec_start = exec_list("ExecStart", &mut bad);
    let exec_start_post = exec_list("ExecStartPost", &mut bad);
    let exec_reload = exec_list("ExecReload", &mut bad);
    let exec_stop = exec_list("ExecStop", &mut bad);
    let exec_stop_post = exec_list("ExecStopPost", &mut bad);

    let service_type = match get("Type").as_deref() {
        None if exec_start.is_empty() => ServiceType::Oneshot,
        None | Some("simple") => ServiceType::Simple,
        Some("exec") => ServiceType::Exec,
        Some("forking") => ServiceType::Forking,
        Some("oneshot") => ServiceType::Oneshot,
        Some("notify") | Some("notify-reload") => ServiceType::Notify,
        Some("dbus") | Some("idle") => {
            bad("Service", "Type", "dbus and idle run as simple here".into());
            ServiceType::Simple
        }
        Some(other) => {
            bad("Service", "Type", format!("unknown type {other:?}"));
            ServiceType::Simple
        }
    };
    let boolean = |key: &str, default: bool, bad: &mut dyn FnMut(&str, &str, String)| match get(key)
    {
        None => default,
        Some(v) => parse_bool(&v).unwrap_or_else(|e| {
            bad("Service", key, e);
            default
        }),
    };
    let remain_after_exit = boolean("RemainAfterExit", false, &mut bad);
    let guess_main_pid = boolean("GuessMainPID", true, &mut bad);
    let send_sigkill = boolean("SendSIGKILL", true, &mut bad);
    let runtime_preserve = match get("RuntimeDirectoryPreserve").as_deref() {
        Some("restart") => false,
        Some(v) => parse_bool(v).unwrap_or(false),
        None => false,
    };
    let span = |key: &str, default: Option<Duration>, bad: &mut dyn FnMut(&str, &str, String)| {
        match get(key) {
            None => default,
            Some(v) => match parse_timespan(&v) {
                // 0 disables a timeout.
                Ok(Some(d)) if d.is_zero() => None,
                Ok(d) => d,
                Err(e) => {
                    bad("Service", key, e);
                    default
                }
            },
        }
    };
    let timeout_both = span("TimeoutSec", Some(DEFAULT_TIMEOUT), &mut bad);
    let oneshot_default = if service_type == ServiceType::Oneshot {
        None
    } else {
        timeout_both
    };
    let timeout_start = span("TimeoutStartSec", oneshot_default, &mut bad);
    let timeout_stop = span("TimeoutStopSec", timeout_both, &mut bad);
    let restart_sec = match get("RestartSec") {
        None => Duration::from_millis(100),
        Some(v) => match parse_timespan(&v) {
            Ok(d) => d.unwrap_or(Duration::from_millis(100)),
            Err(e) => {
                bad("Service", "RestartSec", e);
                Duration::from_millis(100)
            }
        },
    };
    let restart = match get("Restart").as_deref() {
        None | Some("no") => Restart::No,
        Some("always") => Restart::Always,
        Some("on-success") => Restart::OnSuccess,
        Some("on-failure") => Restart::OnFailure,
        Some("on-abnormal") | Some("on-watchdog") => Restart::OnAbnormal,
        Some("on-abort") => Restart::OnAbort,
        Some(other) => {
            bad("Service", "Restart", format!("unknown value {other:?}"));
            Restart::No
        }
    };
    let notify_access = match get("NotifyAccess").as_deref() {
        None if service_type == ServiceType::Notify => NotifyAccess::Main,
        None | Some("none") => NotifyAccess::None,
        Some("main") => NotifyAccess::Main,
        Some("exec") => NotifyAccess::Exec,
        Some("all") => NotifyAccess::All,
        Some(other) => {
            bad(
                "Service",
                "NotifyAccess",
                format!("unknown value {other:?}"),
            );
            NotifyAccess::Main
        }
    };
    let kill_mode = match get("KillMode").as_deref() {
        None | Some("control-group") => KillMode::ControlGroup,
        Some("mixed") => KillMode::Mixed,
        Some("process") => KillMode::Process,
        Some("none") => KillMode::None,
        Some(other) => {
            bad("Service", "KillMode", format!("unknown value {other:?}"));
            KillMode::ControlGroup
        }
    };
    let signal = |key: &str, default: i32, bad: &mut dyn FnMut(&str, &str, String)| match get(key) {
        None => default,
        Some(v) => parse_signal(&v).unwrap_or_else(|| {
            bad("Service", key, format!("unknown signal {v:?}"));
            default
        }),
    };
    let kill_signal = signal("KillSignal", libc::SIGTERM, &mut bad);
    let final_kill_signal = signal("FinalKillSignal", libc::SIGKILL, &mut bad);
    let statuses = |key: &str| -> Vec<i32> {
        s.words("Service", key)
            .iter()
            .filter_map(|w| {
                w.parse()
                    .ok()
                    .or_else(|| parse_signal(w).map(|sig| 128 + sig))
            })
            .collect()
    };
    let umask = match get("UMask") {
        None => 0o022,
        Some(v) => u32::from_str_radix(&v, 8).unwrap_or_else(|_| {
            bad("Service", "UMask", format!("{v:?} is not an octal mask"));
            0o022
        }),
    };
    let runtime_mode = match get("RuntimeDirectoryMode") {
        None => 0o755,
        Some(v) => u32::from_str_radix(&v, 8).unwrap_or(0o755),
    };
    let mut environment = Vec::new();
    for v in s.all("Service", "Environment") {
        match parse_environment(&expand_specifiers(v, &ctx)) {
            Ok(pairs) => environment.extend(pairs),
            Err(e) => bad("Service", "Environment", e),
        }
    }
    let environment_files = s
        .all("Service", "EnvironmentFile")
        .iter()
        .map(|v| {
            let v = expand_specifiers(v, &ctx);
            match v.strip_prefix('-') {
                Some(p) => (PathBuf::from(p), true),
                None => (PathBuf::from(v), false),
            }
        })
        .collect();
    let working_directory = get("WorkingDirectory").map(|v| match v.strip_prefix('-') {
        Some(p) => (p.to_string(), true),
        None => (v, false),
    });
    let dirs = |key: &str| -> Vec<String> {
        s.all("Service", key)
            .iter()
            .flat_map(|v| {
                expand_specifiers(v, &ctx)
                    .split_whitespace()
                    .map(|d| d.split(':').next().unwrap_or(d).to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let other_directories = vec![
        ("/var/lib", dirs("StateDirectory")),
        ("/var/cache", dirs("CacheDirectory")),
        ("/var/log", dirs("LogsDirectory")),
        ("/etc", dirs("ConfigurationDirectory")),
    ];
    let output =
        |key: &str, default: Output, bad: &mut dyn FnMut(&str, &str, String)| match get(key) {
            None => default,
            Some(v) => parse_output(&v).unwrap_or_else(|| {
                bad("Service", key, format!("unsupported output {v:?}"));
                default
            }),
        };
    let stdout = output("StandardOutput", Output::Journal, &mut bad);
    let stderr = output("StandardError", Output::Inherit, &mut bad);
    if let Some(v) = get("StandardInput") {
        if v != "null" {
            bad(
                "Service",
                "StandardInput",
                format!("only null is supported, not {v:?}"),
            );
        }
    }
    let mut limits = Vec::new();
    let mut limit_problems = Vec::new();
    for a in s.assignments().filter(|a| a.section == "Service") {
        if let Some((directive, resource)) = limit_resource(&a.key) {
            limits.retain(|l: &Limit| l.resource != resource);
            match parse_limit(&a.value) {
                Some((soft, hard)) => limits.push(Limit {
                    directive,
                    resource,
                    soft,
                    hard,
                }),
                None => limit_problems.push(format!(
                    "{}:{}: Failed to parse {}= value, ignoring: {:?}",
                    a.file.display(),
                    a.line,
                    a.key,
                    a.value
                )),
            }
        }
    }
    let unit = |key: &str| -> Vec<String> {
        s.words("Unit", key)
            .iter()
            .map(|w| units::normalize(&expand_specifiers(w, &ctx)))
            .collect()
    };
    let mut requires = unit("Requires");
    requires.extend(unit("BindsTo"));
    requires.extend(unit("Requisite"));
    let wants = unit("Wants");
    let conditions = [
        "ConditionPathExists",
        "ConditionPathIsDirectory",
        "ConditionFileNotEmpty",
        "ConditionFileIsExecutable",
        "ConditionDirectoryNotEmpty",
        "AssertPathExists",
    ]
    .iter()
    .flat_map(|key| {
        s.all("Unit", key)
            .into_iter()
            .map(|v| (key.to_string(), expand_specifiers(v, &ctx)))
            .collect::<Vec<_>>()
    })
    .collect();
    let start_limit_interval = s
        .last("Unit", "StartLimitIntervalSec")
        .or_else(|| s.last("Service", "StartLimitInterval"))
        .and_then(|v| parse_timespan(v).ok().flatten())
        .unwrap_or(Duration::from_secs(10));
    let start_limit_burst = s
        .last("Unit", "StartLimitBurst")
        .or_else(|| s.last("Service", "StartLimitBurst"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let is_socket = units::kind(&found.name) == "socket";
    let socket_service = is_socket.then(|| {
        s.last("Socket", "Service")
            .map(units::normalize)
            .unwrap_or_else(|| {
                let stem = found.name.trim_end_matches(".socket");
                format!("{stem}.service")
            })
    });
    if is_socket
        && s.last("Socket", "Accept")
            .is_some_and(|v| parse_bool(v) == Ok(true))
    {
        bad(
            "Socket",
            "Accept",
            "Accept=yes (a service per connection) is not supported".into(),
        );
    }
    problems.extend(limit_problems);
    UnitConfig {
        name: found.name.clone(),
        description: s
            .last("Unit", "Description")
            .map(|d| expand_specifiers(d, &ctx))
            .unwrap_or_else(|| found.name.clone()),
        fragment: found.fragment.clone(),
        drop_ins: found.drop_ins.clone(),
        wants,
        requires,
        conditions,
        start_limit_interval,
        start_limit_burst,
        service_type,
        remain_after_exit,
        exec_start_pre,
        exec_start,
        exec_start_post,
        exec_reload,
        exec_stop,
        exec_stop_post,
        pid_file: get("PIDFile").map(PathBuf::from),
        guess_main_pid,
        restart,
        restart_sec,
        timeout_start,
        timeout_stop,
        success_exit_status: statuses("SuccessExitStatus"),
        restart_prevent_exit_status: statuses("RestartPreventExitStatus"),
        notify_access,
        kill_mode,
        kill_signal,
        final_kill_signal,
        send_sigkill,
        exec: ExecConfig {
            user: get("User"),
            group: get("Group"),
            supplementary_groups: s.words("Service", "SupplementaryGroups"),
            umask,
            environment,
            environment_files,
            working_directory,
            runtime_mode,
            runtime_preserve,
            runtime_directories: dirs("RuntimeDirectory"),
            other_directories,
            stdout,
            stderr,
            limits,
        },
        socket_service,
        listen_stream: s
            .all("Socket", "ListenStream")
            .iter()
            .map(|v| expand_specifiers(v, &ctx))
            .collect(),
        socket_mode: s
            .last("Socket", "SocketMode")
            .and_then(|v| u32::from_str_radix(v, 8).ok())
            .unwrap_or(0o666),
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systemd::unit_file::{parse, Settings};
    use std::path::Path;

    fn config(text: &str) -> UnitConfig {
        let file = Path::new("/lib/systemd/system/rabbitmq-server.service");
        let found = Found {
            name: "rabbitmq-server.service".into(),
            fragment: file.into(),
            drop_ins: Vec::new(),
            settings: Settings::merge(parse(text, file).expect("parses")),
        };
        interpret(&found, "host")
    }

    #[test]
    fn debian_rabbitmq_unit() {
        let c = config(
            "[Unit]\nDescription=RabbitMQ Messaging Server\nAfter=network.target epmd.socket\n\
             Wants=network.target epmd.socket\n\n[Service]\nType=notify\nUser=rabbitmq\n\
             Group=rabbitmq\nUMask=0027\nNotifyAccess=all\nTimeoutStartSec=600\n\
             LimitNOFILE=65536\nSyslogIdentifier=rabbitmq\nRestart=on-failure\nRestartSec=10\n\
             WorkingDirectory=/var/lib/rabbitmq\nExecStart=/usr/lib/rabbitmq/bin/rabbitmq-server\n\
             ExecStop=/usr/lib/rabbitmq/bin/rabbitmqctl shutdown\n\
             SuccessExitStatus=69\nStandardOutput=append:/var/log/rabbitmq/startup_log\n\
             StandardError=append:/var/log/rabbitmq/startup_err\nProtectSystem=full\n\n\
             [Install]\nWantedBy=multi-user.target\n",
        );
        assert_eq!(c.service_type, ServiceType::Notify);
        assert_eq!(c.notify_access, NotifyAccess::All);
        assert_eq!(c.exec.user.as_deref(), Some("rabbitmq"));
        assert_eq!(c.exec.umask, 0o027);
        assert_eq!(c.timeout_start, Some(Duration::from_secs(600)));
        assert_eq!(c.restart, Restart::OnFailure);
        assert_eq!(c.restart_sec, Duration::from_secs(10));
        assert_eq!(c.wants, ["network.target", "epmd.socket"]);
        assert_eq!(c.success_exit_status, [69]);
        assert_eq!(
            c.exec.limits,
            [Limit {
                directive: "LimitNOFILE",
                resource: libc::RLIMIT_NOFILE,
                soft: Some(65536),
                hard: Some(65536)
            }]
        );
        assert_eq!(
            c.exec.stdout,
            Output::File {
                path: "/var/log/rabbitmq/startup_log".into(),
                append: true,
                truncate: false
            }
        );
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert!(
            c.problems[0].contains("Unsupported key 'ProtectSystem'"),
            "{:?}",
            c.problems
        );
    }

    #[test]
    fn defaults_and_bad_values() {
        let c = config("[Service]\nExecStart=/bin/true\nKillMode=gentle\nUMask=abc\n");
        assert_eq!(c.service_type, ServiceType::Simple);
        assert_eq!(c.kill_mode, KillMode::ControlGroup);
        assert_eq!(c.exec.umask, 0o022);
        assert_eq!(c.timeout_stop, Some(DEFAULT_TIMEOUT));
        assert_eq!(c.exec.stderr, Output::Inherit);
        assert_eq!(c.problems.len(), 2, "{:?}", c.problems);
        let c = config("[Service]\nType=oneshot\nExecStart=/bin/true\nTimeoutStopSec=infinity\n");
        assert_eq!(c.timeout_start, None);
        assert_eq!(c.timeout_stop, None);
        assert_eq!(parse_limit("1024:4096"), Some((Some(1024), Some(4096))));
        assert_eq!(parse_limit("infinity"), Some((None, None)));
        assert_eq!(parse_limit("8M"), Some((Some(8 << 20), Some(8 << 20))));
    }
}
