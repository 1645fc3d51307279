//! `status-set`, `status-get`.

use serde::Deserialize;
use serde_json::Value;

use super::{JujuTools, ToolError};
use crate::Scope;

/// A status a charm may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkloadStatus {
    /// `maintenance`
    Maintenance,
    /// `blocked`
    Blocked,
    /// `waiting`
    Waiting,
    /// `active`
    Active,
}

impl WorkloadStatus {
    /// The word Juju uses.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadStatus::Maintenance => "maintenance",
            WorkloadStatus::Blocked => "blocked",
            WorkloadStatus::Waiting => "waiting",
            WorkloadStatus::Active => "active",
        }
    }
}

impl std::fmt::Display for WorkloadStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status as read back (it may also be `error`, `unknown`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StatusInfo {
    /// Status word.
    pub status: String,
    /// Message.
    #[serde(default)]
    pub message: String,
}

/// Unit and application status.
pub trait StatusTools {
    /// Sets this unit's status, or the application's (leader only). Applied at once.
    fn status_set(
        &self,
        scope: Scope,
        status: WorkloadStatus,
        message: &str,
    ) -> Result<(), ToolError>;
    /// Reads this unit's status, or the application's (leader only).
    fn status_get(&self, scope: Scope) -> Result<StatusInfo, ToolError>;
}

impl StatusTools for JujuTools {
    fn status_set(
        &self,
        scope: Scope,
        status: WorkloadStatus,
        message: &str,
    ) -> Result<(), ToolError> {
        let app_flag = if scope.is_app() {
            "--application=true"
        } else {
            "--application=false"
        };
        self.write(
            "status-set",
            &[app_flag, status.as_str(), "--", message],
            None,
            &["status-get"],
        )
    }

    fn status_get(&self, scope: Scope) -> Result<StatusInfo, ToolError> {
        let app_flag = if scope.is_app() {
            "--application=true"
        } else {
            "--application=false"
        };
        let value: Value = self.read_json("status-get", &["--include-data", app_flag])?;
        let inner = if scope.is_app() {
            value
                .get("application-status")
                .cloned()
                .unwrap_or(Value::Null)
        } else {
            value
        };
        serde_json::from_value(inner).map_err(|e| ToolError::bad_output("status-get", e))
    }
}
