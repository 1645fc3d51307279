//! Control of a named systemd unit (a package's daemon, or one the charm wrote) for
//! every layer: start, stop, restart, reload, is-running, enable, disable, through
//! `systemctl`, on a Juju machine (systemd) and on the local model's machines (whose
//! service manager has systemd's interface) alike.
//!
//! ```no_run
//! # fn f() -> Result<(), layer_base::service::UnitError> {
//! use layer_base::service;
//! service::enable("rabbitmq-server")?;
//! service::start("rabbitmq-server")?;
//! if !service::is_running("rabbitmq-server")? {
//!     service::restart("rabbitmq-server")?;
//! }
//! # Ok(()) }
//! ```
//!
//! When `start`, `restart` or `reload` fails, the error carries the unit's last log
//! lines (`journalctl -u <unit> -n 20 --no-pager`), so `juju debug-log` shows why the
//! daemon did not come up. To define a service of the charm's own (a unit file written
//! from a command line), use [`charms_reactive::service::Service`].

use std::process::{Command, ExitStatus, Stdio};

/// How many log lines a failed start carries.
pub const LOG_LINES: usize = 20;

/// Why a unit could not be controlled.
#[derive(Debug, thiserror::Error)]
pub enum UnitError {
    /// The unit name would not be safe to pass to `systemctl`.
    #[error("bad unit name {unit:?}: use letters, digits and -_.@:\\, not starting with -")]
    BadName {
        /// The name given.
        unit: String,
    },
    /// `systemctl` could not be run.
    #[error("cannot run {program} for unit {unit}")]
    Run {
        /// `systemctl`.
        program: String,
        /// The unit.
        unit: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// `systemctl <verb> <unit>` failed.
    #[error("systemctl {verb} {unit} failed ({status}){}{}",
        if stderr.is_empty() { String::new() } else { format!(": {stderr}") },
        if journal.is_empty() { String::new() } else { format!("\nlast log lines of {unit}:\n{journal}") })]
    Failed {
        /// The verb (`start`, `stop`, …).
        verb: String,
        /// The unit.
        unit: String,
        /// How `systemctl` exited.
        status: ExitStatus,
        /// What it wrote on stderr, trimmed.
        stderr: String,
        /// For `start`, `restart` and `reload`: the unit's last log lines (empty if none
        /// could be read).
        journal: String,
    },
}

/// The programs used; tests point them at stand-ins.
#[derive(Debug, Clone)]
pub struct Systemctl {
    /// `systemctl`.
    pub systemctl: String,
    /// `journalctl`.
    pub journalctl: String,
}

impl Default for Systemctl {
    fn default() -> Self {
        Systemctl {
            systemctl: "systemctl".into(),
            journalctl: "journalctl".into(),
        }
    }
}

impl Systemctl {
    /// Runs `systemctl <verb> <unit>`; for the verbs that start something, a failure
    /// carries the unit's last log lines.
    pub fn control(&self, verb: &str, unit: &str) -> Result<(), UnitError> {
        check_name(unit)?;
        let out = Command::new(&self.systemctl)
            .args([verb, unit])
            .stdin(Stdio::null())
            .output()
            .map_err(|source| UnitError::Run {
                program: self.systemctl.clone(),
                unit: unit.into(),
                source,
            })?;
        if out.status.success() {
            return Ok(());
        }
        let journal = if matches!(verb, "start" | "restart" | "reload") {
            self.journal(unit)
        } else {
            String::new()
        };
        Err(UnitError::Failed {
            verb: verb.into(),
            unit: unit.into(),
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            journal,
        })
    }

    /// The unit's last [`LOG_LINES`] log lines; empty if they cannot be read.
    pub fn journal(&self, unit: &str) -> String {
        let n = LOG_LINES.to_string();
        Command::new(&self.journalctl)
            .args(["-u", unit, "-n", &n, "--no-pager"])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim_end().to_string())
            .unwrap_or_default()
    }

    /// `systemctl is-active --quiet <unit>`: 0 is running, any other exit is not.
    pub fn is_active(&self, unit: &str) -> Result<bool, UnitError> {
        check_name(unit)?;
        let status = Command::new(&self.systemctl)
            .args(["is-active", "--quiet", unit])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|source| UnitError::Run {
                program: self.systemctl.clone(),
                unit: unit.into(),
                source,
            })?;
        Ok(status.success())
    }
}

/// Unit names: letters, digits and `-_.@:\` (systemd's), not starting with `-`.
fn check_name(unit: &str) -> Result<(), UnitError> {
    let valid = !unit.is_empty()
        && !unit.starts_with('-')
        && unit
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@:\\".contains(c));
    if valid {
        Ok(())
    } else {
        Err(UnitError::BadName { unit: unit.into() })
    }
}

/// Starts `unit` (`systemctl start`); a failure carries its last log lines.
pub fn start(unit: &str) -> Result<(), UnitError> {
    Systemctl::default().control("start", unit)
}

/// Stops `unit` (`systemctl stop`).
pub fn stop(unit: &str) -> Result<(), UnitError> {
    Systemctl::default().control("stop", unit)
}

/// Restarts `unit`, starting it if stopped (`systemctl restart`); a failure carries its
/// last log lines.
pub fn restart(unit: &str) -> Result<(), UnitError> {
    Systemctl::default().control("restart", unit)
}

/// Asks `unit` to reload its configuration (`systemctl reload`); a failure carries its
/// last log lines.
pub fn reload(unit: &str) -> Result<(), UnitError> {
    Systemctl::default().control("reload", unit)
}

/// Whether `unit` is running (`systemctl is-active`).
pub fn is_running(unit: &str) -> Result<bool, UnitError> {
    Systemctl::default().is_active(unit)
}

/// Makes `unit` start at boot (`systemctl enable`).
pub fn enable(unit: &str) -> Result<(), UnitError> {
    Systemctl::default().control("enable", unit)
}

/// Keeps `unit` from starting at boot (`systemctl disable`).
pub fn disable(unit: &str) -> Result<(), UnitError> {
    Systemctl::default().control("disable", unit)
}
