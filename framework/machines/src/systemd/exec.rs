//! Starting one command of a unit with its execution environment ([systemd.exec(5)]):
//! `User=`/`Group=`/`SupplementaryGroups=`, `UMask=`, the environment (systemd's own
//! variables, `Environment=`, then `EnvironmentFile=`, which wins), `WorkingDirectory=`,
//! standard input `/dev/null`, standard output and error (`journal`, `null`, `inherit`,
//! `file:`, `append:`, `truncate:`), resource limits, and a session of its own.
//!
//! Resource limits above what this host allows (the manager's own hard limit) are lowered
//! to it, and the unit's journal says so: a namespace machine shares the host's kernel and
//! limits.
//!
//! [systemd.exec(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::directives::{Limit, Output, UnitConfig};
use super::unit_file::{substitute_env, ExecCommand};
use crate::reaper::ProcTable;
use crate::supervisor::{group_id, Identity};

/// systemd's `PATH` for system services.
pub(crate) const SERVICE_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The limits a unit's processes get, and a line for each one lowered to what the host
/// allows.
pub(crate) fn effective_limits(unit: &UnitConfig) -> (Vec<(Limit, libc::rlimit)>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for limit in &unit.exec.limits {
        let mut host = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: valid out pointer.
        if unsafe { libc::getrlimit(limit.resource, &mut host) } != 0 {
            continue;
        }
        let want = |v: Option<u64>| v.unwrap_or(libc::RLIM_INFINITY);
        let (soft, hard) = (want(limit.soft), want(limit.hard));
        let cap = host.rlim_max;
        let (new_soft, new_hard) = (soft.min(cap), hard.min(cap));
        if (new_soft, new_hard) != (soft, hard) {
            let show = |v: u64| {
                if v == libc::RLIM_INFINITY {
                    "infinity".to_string()
                } else {
                    v.to_string()
                }
            };
            notes.push(format!(
                "{}: {}={} is above this host's hard limit {}; using {}.",
                unit.name,
                limit.directive,
                if soft == hard {
                    show(soft)
                } else {
                    format!("{}:{}", show(soft), show(hard))
                },
                show(cap),
                show(cap)
            ));
        }
        out.push((
            limit.clone(),
            libc::rlimit {
                rlim_cur: new_soft,
                rlim_max: new_hard,
            },
        ));
    }
    (out, notes)
}

/// Reads an `EnvironmentFile=`: `KEY=VALUE` lines, `#`/`;` comments, optional quotes.
pub(crate) fn read_environment_file(path: &Path) -> std::io::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = match (value.chars().next(), value.chars().last()) {
            (Some(q @ ('"' | '\'')), Some(e)) if q == e && value.len() >= 2 => {
                let inner = &value[1..value.len() - 1];
                if q == '"' {
                    inner.replace("\\\"", "\"").replace("\\\\", "\\")
                } else {
                    inner.to_string()
                }
            }
            _ => value.to_string(),
        };
        out.push((key.trim().to_string(), value));
    }
    Ok(out)
}

/// One command to start.
pub(crate) struct Launch<'a> {
    pub unit: &'a UnitConfig,
    pub command: &'a ExecCommand,
    /// Variables the manager adds: `INVOCATION_ID`, `MAINPID`, `NOTIFY_SOCKET`, …
    pub extra_env: Vec<(String, String)>,
    /// The unit's journal file.
    pub journal: &'a Path,
    /// Listening sockets to pass (descriptors from 3, `LISTEN_FDS`), with their names.
    pub listen_fds: Vec<(std::os::fd::RawFd, String)>,
}

fn open_output(output: &Output, journal: &Path) -> Result<Option<File>, String> {
    let open = |path: &Path, append: bool, truncate: bool| {
        let mut options = OpenOptions::new();
        options.create(true).mode(0o644);
        if append {
            options.append(true);
        } else {
            options.write(true).truncate(truncate);
        }
        options
            .open(path)
            .map_err(|e| format!("Failed to open {}: {e}", path.display()))
    };
    match output {
        Output::Journal => open(journal, true, false).map(Some),
        Output::Null => Ok(None),
        Output::Inherit => Ok(None),
        Output::File {
            path,
            append,
            truncate,
        } => open(path, *append, *truncate).map(Some),
    }
}

fn find_program(path: &str) -> PathBuf {
    if path.starts_with('/') {
        return PathBuf::from(path);
    }
    SERVICE_PATH
        .split(':')
        .map(|dir| Path::new(dir).join(path))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(path))
}

/// The identity the command runs as: `None` for root (no `User=`, or a `+` command).
pub(crate) fn identity(
    unit: &UnitConfig,
    command: &ExecCommand,
) -> Result<Option<Identity>, String> {
    if command.privileged {
        return Ok(None);
    }
    match &unit.exec.user {
        Some(user) => Identity::lookup(user)
            .map(Some)
            .map_err(|e| format!("Failed to determine user credentials: {e:#}")),
        None => Ok(None),
    }
}

/// Starts `launch` as a watched child of `table`; returns its PID.
pub(crate) fn spawn(table: &ProcTable, launch: Launch<'_>) -> Result<i32, String> {
    let unit = launch.unit;
    let exec = &unit.exec;
    let identity = identity(unit, launch.command)?;
    let mut gid = identity.as_ref().map(|i| i.gid);
    let mut groups = identity
        .as_ref()
        .map(|i| i.groups.clone())
        .unwrap_or_default();
    if !launch.command.privileged {
        if let Some(group) = &exec.group {
            let g = group_id(group)
                .map_err(|e| format!("Failed to determine group credentials: {e:#}"))?;
            gid = Some(g);
            if identity.is_none() {
                groups = vec![g];
            }
        }
        for group in &exec.supplementary_groups {
            groups.push(
                group_id(group)
                    .map_err(|e| format!("Failed to determine supplementary groups: {e:#}"))?,
            );
        }
    }
    let uid = identity.as_ref().map(|i| i.uid);
    let home = identity
        .as_ref()
        .map_or("/root".to_string(), |i| i.home.clone());

    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), SERVICE_PATH.into()),
        ("LANG".into(), "C.UTF-8".into()),
    ];
    if let Some(i) = &identity {
        env.push(("HOME".into(), i.home.clone()));
        env.push(("USER".into(), i.name.clone()));
        env.push(("LOGNAME".into(), i.name.clone()));
        env.push(("SHELL".into(), i.shell.clone()));
    }
    env.extend(launch.extra_env.iter().cloned());
    if !launch.listen_fds.is_empty() {
        env.push(("LISTEN_FDS".into(), launch.listen_fds.len().to_string()));
        let names: Vec<&str> = launch.listen_fds.iter().map(|(_, n)| n.as_str()).collect();
        env.push(("LISTEN_FDNAMES".into(), names.join(":")));
    }
    env.extend(exec.environment.iter().cloned());
    for (path, optional) in &exec.environment_files {
        match read_environment_file(path) {
            Ok(pairs) => env.extend(pairs),
            Err(_) if *optional => {}
            Err(e) => {
                return Err(format!(
                    "Failed to load environment files: {}: {e}",
                    path.display()
                ))
            }
        }
    }
    // Later assignments win.
    let mut merged: Vec<(String, String)> = Vec::new();
    for (k, v) in env {
        merged.retain(|(key, _)| *key != k);
        merged.push((k, v));
    }
    let argv = if launch.command.no_env_expansion {
        launch.command.argv.clone()
    } else {
        substitute_env(&launch.command.argv, &merged)
    };
    let program = find_program(&launch.command.path);

    let dir = match &exec.working_directory {
        None => PathBuf::from("/"),
        Some((d, optional)) => {
            let d = if d == "~" { home.clone() } else { d.clone() };
            let path = PathBuf::from(&d);
            if path.is_dir() {
                path
            } else if *optional {
                PathBuf::from("/")
            } else {
                return Err(format!(
                    "Changing to the requested working directory failed: {d}: No such file or directory"
                ));
            }
        }
    };

    let stdout = open_output(&exec.stdout, launch.journal)?;
    let stderr = match &exec.stderr {
        Output::Inherit => match &stdout {
            Some(f) => Some(
                f.try_clone()
                    .map_err(|e| format!("Failed to duplicate output: {e}"))?,
            ),
            None => None,
        },
        other => open_output(other, launch.journal)?,
    };
    let (limits, _) = effective_limits(unit);
    let limits: Vec<(super::directives::RlimitResource, libc::rlimit)> =
        limits.into_iter().map(|(l, r)| (l.resource, r)).collect();
    let umask = exec.umask as libc::mode_t;

    // Passed sockets go to 3, 4, … in the child; copies far above first, so placing one
    // cannot overwrite another.
    let mut high: Vec<std::os::fd::OwnedFd> = Vec::new();
    for (fd, _) in &launch.listen_fds {
        // SAFETY: F_DUPFD_CLOEXEC on a descriptor the manager keeps open.
        let copy = unsafe { libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 1000) };
        if copy == -1 {
            return Err(format!(
                "Failed to pass sockets: {}",
                std::io::Error::last_os_error()
            ));
        }
        // SAFETY: a fresh descriptor we own.
        high.push(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(copy) });
    }
    let passed: Vec<std::os::fd::RawFd> =
        high.iter().map(std::os::fd::AsRawFd::as_raw_fd).collect();
    let mut cmd = if passed.is_empty() {
        let mut cmd = Command::new(&program);
        cmd.arg0(&argv[0]).args(&argv[1..]);
        cmd
    } else {
        // The helper sets LISTEN_PID to the process's own PID, then runs the program.
        let mut cmd = Command::new(Path::new(crate::MACHINE_BIN_DIR).join("reactive-machine"));
        cmd.arg("listen-exec").arg(&program).args(&argv);
        cmd
    };
    cmd.env_clear()
        .envs(merged.iter().map(|(k, v)| (k, v)))
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(stdout.map_or(Stdio::null(), Stdio::from))
        .stderr(stderr.map_or(Stdio::null(), Stdio::from));
    // SAFETY: the closure only makes async-signal-safe system calls on data prepared before
    // fork.
    unsafe {
        cmd.pre_exec(move || {
            for (i, fd) in passed.iter().enumerate() {
                if libc::dup2(*fd, 3 + i as libc::c_int) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for (resource, limit) in &limits {
                if libc::setrlimit(*resource, limit) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            libc::umask(umask);
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            if let Some(gid) = gid {
                if libc::setgroups(groups.len(), groups.as_ptr()) == -1 || libc::setgid(gid) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if let Some(uid) = uid {
                if libc::setuid(uid) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let pid = table
        .spawn(&mut cmd)
        .map_err(|e| format!("Failed to execute {}: {e}", program.display()));
    drop(high);
    pid
}

/// Creates the unit's `RuntimeDirectory=` (and state, cache, logs, configuration
/// directories), owned by its user and group.
pub(crate) fn create_directories(unit: &UnitConfig) -> Result<(), String> {
    let exec = &unit.exec;
    let identity = match &exec.user {
        Some(user) => Some(Identity::lookup(user).map_err(|e| format!("{e:#}"))?),
        None => None,
    };
    let uid = identity.as_ref().map(|i| i.uid);
    let gid = match &exec.group {
        Some(g) => Some(group_id(g).map_err(|e| format!("{e:#}"))?),
        None => identity.as_ref().map(|i| i.gid),
    };
    let mut all: Vec<(PathBuf, u32)> = exec
        .runtime_directories
        .iter()
        .map(|d| (Path::new("/run").join(d), exec.runtime_mode))
        .collect();
    for (base, dirs) in &exec.other_directories {
        all.extend(dirs.iter().map(|d| (Path::new(base).join(d), 0o755)));
    }
    for (path, mode) in all {
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("Failed to create {}: {e}", path.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("Failed to set mode of {}: {e}", path.display()))?;
        if uid.is_some() || gid.is_some() {
            std::os::unix::fs::chown(&path, uid, gid)
                .map_err(|e| format!("Failed to set owner of {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Removes the unit's `RuntimeDirectory=` when it stops (unless preserved).
pub(crate) fn remove_runtime_directories(unit: &UnitConfig) {
    if unit.exec.runtime_preserve {
        return;
    }
    for d in &unit.exec.runtime_directories {
        let _ = std::fs::remove_dir_all(Path::new("/run").join(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_files_take_quotes_and_comments() {
        let path = std::env::temp_dir().join(format!("reactive-envfile-{}", std::process::id()));
        std::fs::write(
            &path,
            "# c\nA=1\n; c\nB=\"two words\"\nC='x'\nexport D=4\nnoise\n",
        )
        .expect("write");
        let env = read_environment_file(&path).expect("read");
        let _ = std::fs::remove_file(&path);
        let want: Vec<(String, String)> = [("A", "1"), ("B", "two words"), ("C", "x"), ("D", "4")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(env, want);
    }
}
