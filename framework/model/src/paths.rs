//! Where the model keeps its files: the model directory's layout and each unit's
//! directory in it. Bottom layer: depends on no other module of the crate.

use std::path::{Path, PathBuf};

/// Where the model keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The model directory.
    pub dir: PathBuf,
    /// The `reactive-machine` binary (machines' init, supervisor and entry helper).
    pub machine_helper: PathBuf,
}

impl Paths {
    /// `<model>/tools`: one link per hook tool, put first on the hooks' `PATH`.
    pub fn tools_dir(&self) -> PathBuf {
        self.dir.join("tools")
    }
    /// `<model>/machines`: the machines provider's state.
    pub fn machines_dir(&self) -> PathBuf {
        self.dir.join("machines")
    }
    /// The hook log: one line per hook run.
    pub fn hook_log(&self) -> PathBuf {
        self.dir.join("hooks.log")
    }
    /// The hook usage log: the CPU time of each hook that ran a process.
    pub fn hook_usage_log(&self) -> PathBuf {
        self.dir.join("hook-usage.log")
    }
    /// The debug log: hooks' juju-log records and output.
    pub fn debug_log(&self) -> PathBuf {
        self.dir.join("debug.log")
    }
    /// A unit's directory on the host: its charm, unit state and agent socket.
    pub fn agent_dir(&self, unit_name: &str) -> PathBuf {
        self.dir.join("units").join(unit_dir_name(unit_name))
    }
}

/// A unit's directory name, as Juju names it: `unit-<app>-<n>`.
pub fn unit_dir_name(unit_name: &str) -> String {
    format!("unit-{}", unit_name.replace('/', "-"))
}

/// The unit agent's socket: beside the unit's charm directory.
pub fn agent_socket(charm_dir: &Path) -> PathBuf {
    charm_dir.parent().unwrap_or(charm_dir).join("agent.socket")
}
