//! `config-get`.

use serde_json::{Map, Value};

use super::{JujuTools, ToolError};

/// Charm configuration.
pub trait ConfigTools {
    /// Every option, including unset ones as `null` (`config-get --all`).
    fn config_get(&self) -> Result<Map<String, Value>, ToolError>;
}

impl ConfigTools for JujuTools {
    fn config_get(&self) -> Result<Map<String, Value>, ToolError> {
        let value: Option<Map<String, Value>> = self.read_json("config-get", &["--all"])?;
        Ok(value.unwrap_or_default())
    }
}
