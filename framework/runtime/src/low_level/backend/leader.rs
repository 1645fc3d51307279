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
        // Juju guarantees leadership for about 30 s after a true answer, and "not leader"
        // for the rest of the hook once seen: cache false for good, true for a while.
        if let Some((answer, at)) = self.leader_seen.get() {
            if !answer || at.elapsed() < LEADERSHIP_TRUSTED_FOR {
                return Ok(answer);
            }
        }
        let answer: bool = self.run_json("is-leader", &[])?;
        self.leader_seen
            .set(Some((answer, std::time::Instant::now())));
        Ok(answer)
    }

    fn leader_get(&self) -> Result<Settings, ToolError> {
        Ok(self
            .read_json::<Option<Settings>>("leader-get", &["-"])?
            .unwrap_or_default())
    }

    fn leader_set(&self, settings: &Settings) -> Result<(), ToolError> {
        check_leader_settings(settings)?;
        let args: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.write("leader-set", &args, None, &["leader-get"])
    }
}

/// leader-set takes key=value arguments only (no --file), and Juju trims both sides:
/// refuse what it would silently change or delete. Every backend checks the same way.
pub(crate) fn check_leader_settings(settings: &Settings) -> Result<(), ToolError> {
    for (k, v) in settings {
        if k.is_empty() || k.contains('=') || k.trim() != k || k.starts_with('-') {
            return Err(ToolError::Refused(format!("leader-set: invalid key {k:?}")));
        }
        if v.trim() != v {
            return Err(ToolError::Refused(format!(
                "leader-set: the value for {k:?} has leading or trailing whitespace, which Juju would strip"
            )));
        }
    }
    Ok(())
}

/// How long a "yes, leader" answer is trusted before asking again.
const LEADERSHIP_TRUSTED_FOR: std::time::Duration = std::time::Duration::from_secs(25);
