//! `reactive model ssh`: a command on a unit's machine.

use anyhow::Context;
use std::path::Path;
use std::process::Command;

use charms_reactive_juju::env;

use super::ModelView;
use crate::provider::UnitView;

impl ModelView {
    /// A command running `command` on `unit`'s machine (local provider: on the host, in
    /// the unit's charm directory) with the environment of a shell on a Juju machine:
    /// the hook tools on `PATH`, `HOME`, `LANG`, `JUJU_UNIT_NAME` and the caller's `TERM`.
    pub fn ssh_command(&self, unit: &str, command: &[String]) -> anyhow::Result<Command> {
        let u = self.state.unit(unit)?;
        let Some((program, args)) = command.split_first() else {
            anyhow::bail!("no command given: reactive model ssh {unit} -- <cmd> [args…]");
        };
        let view = UnitView::of(&self.paths, unit, u.machine.as_deref());
        let mut cmd = view.command(&self.paths, &self.state.provider, Path::new(program))?;
        cmd.args(args)
            .env("PATH", &view.path)
            .env(
                "HOME",
                match u.machine {
                    Some(_) => "/root".to_string(),
                    None => std::env::var("HOME").unwrap_or_else(|_| "/".to_string()),
                },
            )
            .env("LANG", "C.UTF-8")
            .env(env::UNIT_NAME, unit);
        if let Ok(term) = std::env::var("TERM") {
            cmd.env("TERM", term);
        }
        Ok(cmd)
    }

    /// Runs [`ModelView::ssh_command`] with this process's stdio; returns its exit code
    /// (128 + the signal's number if a signal ended it).
    pub fn ssh(&self, unit: &str, command: &[String]) -> anyhow::Result<i32> {
        let mut cmd = self.ssh_command(unit, command)?;
        let program = command.first().map(String::as_str).unwrap_or_default();
        let status = cmd
            .status()
            .with_context(|| format!("cannot run {program} on {unit}"))?;
        use std::os::unix::process::ExitStatusExt;
        Ok(status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
    }
}
