//! Reading the files any local model writes, however it was driven: its hook log, debug
//! log and state.

use std::path::{Path, PathBuf};

/// The files of the model in a directory, read as a test looks at them.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// The model directory.
    pub dir: PathBuf,
}

impl ModelFiles {
    /// The model in `dir`.
    pub fn new(dir: impl AsRef<Path>) -> ModelFiles {
        ModelFiles {
            dir: dir.as_ref().to_path_buf(),
        }
    }

    /// The hook log (empty if none yet).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("hooks.log")).unwrap_or_default()
    }

    /// The hooks `unit` ran, in order (`name` or `name(remote)`).
    pub fn trace(&self, unit: &str) -> Vec<String> {
        trace(&self.log(), unit)
    }

    /// Forgets the log, to look at what the next command runs.
    pub fn clear_log(&self) {
        crate::write_file(self.dir.join("hooks.log"), "");
    }

    /// The debug log (empty if none yet).
    pub fn debug_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("debug.log")).unwrap_or_default()
    }

    /// The model's state file as text.
    pub fn state_text(&self) -> String {
        crate::read(self.dir.join("model.json"))
    }

    /// The model's state file as JSON.
    pub fn state(&self) -> serde_json::Value {
        let path = self.dir.join("model.json");
        serde_json::from_str(&self.state_text())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

/// The hooks `unit` ran according to the hook log `log`, in order.
pub fn trace(log: &str, unit: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| {
            let mut p = l.split(' ');
            let (_, u, hook) = (p.next()?, p.next()?, p.next()?);
            (u == unit).then(|| hook.to_string())
        })
        .collect()
}
