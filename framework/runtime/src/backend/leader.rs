//! `is-leader`, `leader-get`, `leader-set`.

use super::{JujuTools, Settings, ToolError};

/// Leadership.
pub trait LeaderTools {
    /// Whether this unit is the application's leader.
    fn is_leader(&self) -> Result<bool, ToolError>;
    /// The application's leader settings.
    fn leader_get(&self) -> Result<Settings, ToolError>;
    /// Writes leader settings (leader only). Applied at once, not rolled back.
    fn leader_set(&self, settings: &Settings) -> Result<(), ToolError>;
}

impl LeaderTools for JujuTools {
    fn is_leader(&self) -> Result<bool, ToolError> {
        self.read_json("is-leader", &[])
    }

    fn leader_get(&self) -> Result<Settings, ToolError> {
        Ok(self
            .read_json::<Option<Settings>>("leader-get", &["-"])?
            .unwrap_or_default())
    }

    fn leader_set(&self, settings: &Settings) -> Result<(), ToolError> {
        let args: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.write("leader-set", &args, None, &["leader-get"])
    }
}
