//! The fleet's state on disk: `<base>/fleet.json`, replaced atomically, and `<base>/fleet.lock`
//! (`flock`) serialising changes between processes.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::config::NetConfig;
use crate::machine::Machine;

/// What is persisted.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct State {
    /// The network the fleet was created with.
    pub net: Option<NetConfig>,
    /// Whether the bridge exists (so destroy_all removes it).
    pub bridge_created: bool,
    pub machines: Vec<Machine>,
}

pub(crate) fn state_path(base: &Path) -> PathBuf {
    base.join("fleet.json")
}

/// Loads the state; a missing file is an empty fleet.
pub(crate) fn load(base: &Path) -> anyhow::Result<State> {
    let path = state_path(base);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Saves the state (write a temporary file, then rename over the old one).
pub(crate) fn save(base: &Path, state: &State) -> anyhow::Result<()> {
    let path = state_path(base);
    let temp = base.join("fleet.json.new");
    let bytes = serde_json::to_vec_pretty(state).context("encoding the fleet state")?;
    std::fs::write(&temp, bytes).with_context(|| format!("writing {}", temp.display()))?;
    std::fs::rename(&temp, &path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Holds `<base>/fleet.lock` exclusively until dropped.
pub(crate) struct FleetLock {
    _file: File,
}

/// Takes the fleet lock, waiting for another process that holds it.
pub(crate) fn lock(base: &Path) -> anyhow::Result<FleetLock> {
    let path = base.join("fleet.lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    crate::sys::flock(file.as_raw_fd(), libc::LOCK_EX, false)
        .with_context(|| format!("locking {}", path.display()))?;
    Ok(FleetLock { _file: file })
}
