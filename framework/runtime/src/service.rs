//! Long-lived workload processes ("services") that work the same on a Juju machine and
//! on the local model: `systemctl` on every machine, Juju's (systemd) and the local
//! model's (whose service manager has systemd's interface, see
//! `charms-reactive-machines`); elsewhere the plain supervisor `reactive-service` if it is
//! on `PATH`.
//!
//! ```no_run
//! use charms_reactive::service::Service;
//! # fn main() -> anyhow::Result<()> {
//! let web = Service::new("web", ["/usr/bin/python3", "-m", "http.server", "8000"])
//!     .user("www-data")
//!     .dir("/srv/www");
//! web.start()?; // defines it if needed, starts it unless it already runs
//! web.restart()?; // after a configuration change
//! assert!(Service::is_running("web")?);
//! Service::stop("web")?;
//! # Ok(()) }
//! ```
//!
//! With `systemctl` the service becomes `/etc/systemd/system/<name>.service` (rewritten,
//! with a `daemon-reload`, only when its definition changes) and is enabled, so it also
//! starts at boot. Under the supervisor it is started with `reactive-service start`, its
//! output goes to `/var/log/reactive-service/<name>.log`, and it lives as long as the
//! machine.

use std::path::{Path, PathBuf};
use std::process::Command;

use std::process::ExitStatus;

use charms_reactive_juju::env;

/// Where systemd keeps the units this module writes.
const UNIT_DIR: &str = "/etc/systemd/system";
/// The local model's supervisor client.
const SUPERVISOR: &str = "reactive-service";

/// Why a service could not be defined, started, stopped or asked about.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Neither systemd nor the local model's supervisor is here.
    #[error("no service manager: systemd is not running and `{SUPERVISOR}` is not on PATH (run the charm on a Juju machine, or on the local model with `--provider machines`)")]
    NoManager,
    /// The local model's provider runs hooks on the developer's host, which has no
    /// service manager for charms.
    #[error("the local model's {provider:?} provider runs hooks on this host and has no service manager for charms: use `reactive model init --provider machines`")]
    HostProvider {
        /// The provider named by `REACTIVE_MODEL_PROVIDER`.
        provider: String,
    },
    /// The service name would not be safe to pass to `systemctl` or `reactive-service`.
    #[error("bad service name {name:?}: use letters, digits and -_.@, not starting with -")]
    BadName {
        /// The name given.
        name: String,
    },
    /// The definition cannot be run (no command, a relative directory, …).
    #[error("service {service:?}: {problem}")]
    BadDefinition {
        /// The service's name.
        service: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The service manager could not be run.
    #[error("cannot run {program}")]
    Run {
        /// `systemctl` or `reactive-service`.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The service manager ran and failed.
    #[error("{program} {command} failed ({status}){}", if stderr.is_empty() { String::new() } else { format!(": {stderr}") })]
    Failed {
        /// `systemctl` or `reactive-service`.
        program: String,
        /// Its arguments (for `start` and the like, only the verb).
        command: String,
        /// How it exited.
        status: ExitStatus,
        /// The tail of what it wrote on stderr, trimmed (empty if nothing).
        stderr: String,
    },
    /// The systemd unit file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The unit file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A service definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    name: String,
    command: Vec<String>,
    user: Option<String>,
    dir: Option<PathBuf>,
    env: Vec<(String, String)>,
}

/// Which manager runs services here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// `systemctl`: systemd on a Juju machine, the machine's own manager on the local
    /// model's machines.
    Systemd,
    /// The local model's per-machine supervisor.
    Supervisor,
}

impl Manager {
    /// On the local model (`REACTIVE_MODEL_PROVIDER` set in hooks): `systemctl` in the
    /// `machines` provider's machines, and none for the `local` provider, whose hooks run
    /// on the developer's host (its systemd is not the charm's to change). Elsewhere
    /// systemd if it is running (`/run/systemd/system` exists, as `sd_booted` checks),
    /// else `reactive-service` if it is on `PATH`.
    pub fn detect() -> Result<Manager, ServiceError> {
        match std::env::var(env::REACTIVE_MODEL_PROVIDER).as_deref() {
            Ok("machines") => return Ok(Manager::Systemd),
            Ok(other) if !other.is_empty() => {
                return Err(ServiceError::HostProvider {
                    provider: other.to_string(),
                })
            }
            _ => {}
        }
        if Path::new("/run/systemd/system").is_dir() {
            return Ok(Manager::Systemd);
        }
        if find_on_path(SUPERVISOR).is_some() {
            return Ok(Manager::Supervisor);
        }
        Err(ServiceError::NoManager)
    }
}

impl Service {
    /// A service `name` running `command` (program and arguments), as root in `/`.
    pub fn new<I, S>(name: &str, command: I) -> Service
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Service {
            name: name.to_string(),
            command: command.into_iter().map(Into::into).collect(),
            user: None,
            dir: None,
            env: Vec::new(),
        }
    }

    /// Runs it as `user`.
    pub fn user(mut self, user: &str) -> Service {
        self.user = Some(user.to_string());
        self
    }

    /// Runs it in `dir`.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Service {
        self.dir = Some(dir.into());
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Service {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Defines the service if needed and starts it unless it already runs with this
    /// definition (a changed definition restarts it).
    pub fn start(&self) -> Result<(), ServiceError> {
        self.apply(false)
    }

    /// Restarts it with this definition (starting it if it is stopped).
    pub fn restart(&self) -> Result<(), ServiceError> {
        self.apply(true)
    }

    fn apply(&self, restart: bool) -> Result<(), ServiceError> {
        self.check()?;
        match Manager::detect()? {
            Manager::Systemd => {
                let changed = self.write_unit()?;
                // Always: a stopped service was disabled, and an earlier enable may
                // have failed.
                run("systemctl", &["enable", &self.name])?;
                let verb = if restart || changed {
                    "restart"
                } else {
                    "start"
                };
                run("systemctl", &[verb, &self.name])
            }
            Manager::Supervisor => {
                let verb = if restart { "restart" } else { "start" };
                run(SUPERVISOR, &self.supervisor_args(verb))
            }
        }
    }

    /// Stops service `name` (and, on systemd, keeps it from starting at boot).
    pub fn stop(name: &str) -> Result<(), ServiceError> {
        check_name(name)?;
        match Manager::detect()? {
            Manager::Systemd => {
                run("systemctl", &["disable", name])?;
                run("systemctl", &["stop", name])
            }
            Manager::Supervisor => run(SUPERVISOR, &["stop", name]),
        }
    }

    /// Whether service `name` is running.
    pub fn is_running(name: &str) -> Result<bool, ServiceError> {
        check_name(name)?;
        let (program, args): (&str, Vec<&str>) = match Manager::detect()? {
            Manager::Systemd => ("systemctl", vec!["is-active", "--quiet", name]),
            Manager::Supervisor => (SUPERVISOR, vec!["status", name]),
        };
        let status = Command::new(program)
            .args(&args)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|source| ServiceError::Run {
                program: program.to_string(),
                source,
            })?;
        // Both answer 3 for "not running"; anything else but 0 is an error.
        match status.code() {
            Some(0) => Ok(true),
            Some(3) => Ok(false),
            _ => Err(ServiceError::Failed {
                program: program.to_string(),
                command: args.join(" "),
                status,
                stderr: String::new(),
            }),
        }
    }

    fn check(&self) -> Result<(), ServiceError> {
        check_name(&self.name)?;
        let bad = |problem| ServiceError::BadDefinition {
            service: self.name.clone(),
            problem,
        };
        let dir_ok = self
            .dir
            .as_ref()
            .is_none_or(|d| d.is_absolute() && !d.to_string_lossy().contains('\n'));
        if !dir_ok {
            return Err(bad("the directory must be an absolute path on one line"));
        }
        if self.command.is_empty() {
            return Err(bad("it has no command"));
        }
        Ok(())
    }

    /// `reactive-service <verb> <name> [--user U] [--dir D] [--env K=V]… -- <command…>`.
    fn supervisor_args(&self, verb: &str) -> Vec<String> {
        let mut args = vec![verb.to_string(), self.name.clone()];
        if let Some(u) = &self.user {
            args.extend(["--user".to_string(), u.clone()]);
        }
        if let Some(d) = &self.dir {
            args.extend(["--dir".to_string(), d.display().to_string()]);
        }
        for (k, v) in &self.env {
            args.extend(["--env".to_string(), format!("{k}={v}")]);
        }
        args.push("--".to_string());
        args.extend(self.command.iter().cloned());
        args
    }

    /// The systemd unit for this definition.
    pub fn unit_file(&self) -> String {
        let mut out = format!(
            "# Written by the charm (charms_reactive::service); rewritten on change.\n\
             [Unit]\nDescription={}\nAfter=network-online.target\n\n[Service]\nExecStart={}\n",
            self.name,
            self.command
                .iter()
                .map(|a| systemd_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        );
        if let Some(u) = &self.user {
            out.push_str(&format!("User={u}\n"));
        }
        if let Some(d) = &self.dir {
            // Taken literally by systemd (no quotes, no `$`), but specifiers apply.
            out.push_str(&format!(
                "WorkingDirectory={}\n",
                d.display().to_string().replace('%', "%%")
            ));
        }
        for (k, v) in &self.env {
            out.push_str(&format!(
                "Environment={}\n",
                environment_quote(&format!("{k}={v}"))
            ));
        }
        out.push_str("Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n");
        out
    }

    /// Writes the unit file if it differs; returns whether it changed.
    fn write_unit(&self) -> Result<bool, ServiceError> {
        let path = Path::new(UNIT_DIR).join(format!("{}.service", self.name));
        let text = self.unit_file();
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            return Ok(false);
        }
        if let Err(source) = std::fs::write(&path, text) {
            return Err(ServiceError::Write { path, source });
        }
        run("systemctl", &["daemon-reload"])?;
        Ok(true)
    }
}

/// Service names: letters, digits and `-_.@`, not starting with `-` (which `systemctl`
/// and `reactive-service` would take for an option).
fn check_name(name: &str) -> Result<(), ServiceError> {
    let valid = !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c));
    if valid {
        Ok(())
    } else {
        Err(ServiceError::BadName {
            name: name.to_string(),
        })
    }
}

/// One argument for a systemd command line or setting: quoted when it holds spaces or
/// quotes, with `%` and `$` escaped so systemd does not expand them.
fn systemd_quote(arg: &str) -> String {
    let escaped = arg
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('%', "%%")
        .replace('$', "$$");
    if escaped.is_empty() || escaped.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'')
    {
        format!("\"{escaped}\"")
    } else {
        escaped
    }
}

/// One `Environment=` assignment: always quoted, C-style escapes for `\\`, `"` and
/// newlines, `%` doubled; `$` is left alone (systemd does not expand it here).
fn environment_quote(assignment: &str) -> String {
    let escaped = assignment
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('%', "%%");
    format!("\"{escaped}\"")
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

fn run<S: AsRef<str>>(program: &str, args: &[S]) -> Result<(), ServiceError> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let out = Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| ServiceError::Run {
            program: program.to_string(),
            source,
        })?;
    if out.status.success() {
        return Ok(());
    }
    // Only the verb: the rest may be the service's command line and environment.
    Err(ServiceError::Failed {
        program: program.to_string(),
        command: args.first().copied().unwrap_or_default().to_string(),
        status: out.status,
        stderr: tail(&String::from_utf8_lossy(&out.stderr), 20),
    })
}

/// The last `lines` lines of `text`, trimmed.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_systemd_unit_quotes_and_escapes_what_systemd_would_expand() {
        let s = Service::new("web", ["/usr/bin/python3", "-c", "print('50% of $HOME')"])
            .user("www-data")
            .dir("/srv/my site")
            .env("GREETING", "hi there")
            .env("PASS", "a$b\nc \"q\" 100%");
        assert_eq!(
            s.unit_file(),
            "# Written by the charm (charms_reactive::service); rewritten on change.\n\
             [Unit]\nDescription=web\nAfter=network-online.target\n\n[Service]\n\
             ExecStart=/usr/bin/python3 -c \"print('50%% of $$HOME')\"\n\
             User=www-data\nWorkingDirectory=/srv/my site\nEnvironment=\"GREETING=hi there\"\n\
             Environment=\"PASS=a$b\\nc \\\"q\\\" 100%%\"\n\
             Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n"
        );
    }

    #[test]
    fn supervisor_arguments_carry_the_whole_definition() {
        let s = Service::new("q", ["/bin/sleep", "100"])
            .user("nobody")
            .dir("/tmp")
            .env("A", "1");
        assert_eq!(
            s.supervisor_args("start"),
            [
                "start",
                "q",
                "--user",
                "nobody",
                "--dir",
                "/tmp",
                "--env",
                "A=1",
                "--",
                "/bin/sleep",
                "100"
            ]
        );
    }

    #[test]
    fn bad_names_and_empty_commands_are_refused() {
        let e = Service::new("a b", ["x"]).check().unwrap_err();
        assert!(e.to_string().contains("bad service name \"a b\""), "{e}");
        assert!(matches!(e, ServiceError::BadName { ref name } if name == "a b"));
        let e = Service::stop("--now").unwrap_err();
        assert!(e.to_string().contains("bad service name \"--now\""), "{e}");
        let e = Service::new("ok", Vec::<String>::new())
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("has no command"), "{e}");
        assert!(matches!(e, ServiceError::BadDefinition { .. }), "{e:?}");
        let e = Service::new("ok", ["x"])
            .dir("relative")
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("absolute path"), "{e}");
    }

    #[test]
    fn a_failed_manager_names_program_verb_and_the_tail_of_its_stderr() {
        let e = run("sh", &["-c", "echo first >&2; echo last >&2; exit 4"]).unwrap_err();
        match &e {
            ServiceError::Failed {
                program,
                command,
                status,
                stderr,
            } => {
                assert_eq!((program.as_str(), command.as_str()), ("sh", "-c"));
                assert_eq!(status.code(), Some(4));
                assert_eq!(stderr, "first\nlast");
            }
            other => panic!("{other:?}"),
        }
        assert!(e.to_string().starts_with("sh -c failed ("), "{e}");
        let e = run("reactive-no-such-program", &["x"]).unwrap_err();
        assert!(matches!(e, ServiceError::Run { .. }), "{e:?}");
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
    }
}
