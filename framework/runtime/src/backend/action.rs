//! `action-get`, `action-set`, `action-fail`, `action-log`.

use serde_json::Value;

use super::{JujuTools, Settings, ToolError};

/// The running action's parameters and results.
pub trait ActionTools {
    /// All parameters, with schema defaults filled in by Juju.
    fn action_get(&self) -> Result<Value, ToolError>;
    /// Sets results; dotted keys build nested maps.
    fn action_set(&self, results: &Settings) -> Result<(), ToolError>;
    /// Marks the action failed with a message.
    fn action_fail(&self, message: &str) -> Result<(), ToolError>;
    /// Sends a progress message.
    fn action_log(&self, message: &str) -> Result<(), ToolError>;
}

impl ActionTools for JujuTools {
    fn action_get(&self) -> Result<Value, ToolError> {
        self.read_json("action-get", &[])
    }

    fn action_set(&self, results: &Settings) -> Result<(), ToolError> {
        let args: Vec<String> = results.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.write("action-set", &args, None, &[])
    }

    fn action_fail(&self, message: &str) -> Result<(), ToolError> {
        self.write("action-fail", &[message], None, &[])
    }

    fn action_log(&self, message: &str) -> Result<(), ToolError> {
        self.write("action-log", &[message], None, &[])
    }
}
