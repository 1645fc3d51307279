//! A machine as recorded in the fleet's state.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::process::ProcessRef;

/// One machine of a fleet: what was asked for, and where it lives on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Name and hostname.
    pub name: String,
    /// Address of its `eth0` on the fleet's subnet.
    pub address: Ipv4Addr,
    /// Host paths bind-mounted into it: `(host, inside)`.
    pub binds: Vec<(PathBuf, PathBuf)>,
    /// Its init (PID 1 of its PID namespace), as the host sees it.
    pub init: ProcessRef,
    /// Host end of its veth pair.
    pub veth: String,
    /// Its directory on the host (`upper/`, `work/`, `merged/`, `init.log`).
    pub dir: PathBuf,
}

impl Machine {
    /// Whether its init is still running (checked by PID and start time). A machine whose
    /// init is gone has no processes left and cannot be entered; destroy it.
    pub fn is_running(&self) -> bool {
        self.init.is_alive()
    }

    /// The overlay's upper directory: every file the machine changed, on the host.
    pub fn upper_dir(&self) -> PathBuf {
        self.dir.join("upper")
    }

    /// The init's log (its stderr) on the host.
    pub fn init_log(&self) -> PathBuf {
        self.dir.join("init.log")
    }
}
