//! `state-get`, `state-set`, `state-delete`.

use super::{JujuTools, Settings, ToolError};

/// Controller-side per-unit key/value storage; writes apply only if the hook succeeds.
pub trait StateTools {
    /// All keys.
    fn state_get(&self) -> Result<Settings, ToolError>;
    /// Sets keys.
    fn state_set(&self, values: &Settings) -> Result<(), ToolError>;
    /// Deletes a key.
    fn state_delete(&self, key: &str) -> Result<(), ToolError>;
}

impl StateTools for JujuTools {
    fn state_get(&self) -> Result<Settings, ToolError> {
        Ok(self
            .read_json::<Option<Settings>>("state-get", &["-"])?
            .unwrap_or_default())
    }

    fn state_set(&self, values: &Settings) -> Result<(), ToolError> {
        let body = serde_json::to_vec(values).map_err(|e| ToolError::encode("state-set", e))?;
        self.write("state-set", &["--file", "-"], Some(&body), &["state-get"])
    }

    fn state_delete(&self, key: &str) -> Result<(), ToolError> {
        self.write("state-delete", &["--", key], None, &["state-get"])
    }
}
