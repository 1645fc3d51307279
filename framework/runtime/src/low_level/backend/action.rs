//! `action-get`, `action-set`, `action-fail`, `action-log`.

use charms_reactive_juju::names::{is_action_name, is_reserved_action_key};
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
        for key in results.keys() {
            check_action_key(key)?;
        }
        let args: Vec<String> = results.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.write("action-set", &args, None, &[])
    }

    fn action_fail(&self, message: &str) -> Result<(), ToolError> {
        self.write("action-fail", &["--", message], None, &[])
    }

    fn action_log(&self, message: &str) -> Result<(), ToolError> {
        self.write("action-log", &["--", message], None, &[])
    }
}

/// Juju's rule for action result keys: each dot-separated part follows the action name
/// rule (lowercase letters, digits and inner hyphens); `stdout*` and `stderr*` are
/// reserved.
pub(crate) fn check_action_key(key: &str) -> Result<(), ToolError> {
    if !key.split('.').all(is_action_name) {
        return Err(ToolError::Refused(format!(
            "action-set: key {key:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"
        )));
    }
    if is_reserved_action_key(key) {
        return Err(ToolError::Refused(format!(
            "action-set: cannot set reserved action key {key:?}"
        )));
    }
    Ok(())
}
