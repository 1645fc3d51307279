//! Leadership: whether this unit leads its application, and the leader settings every
//! unit of the application reads.

use crate::backend::{Settings, ToolError};
use crate::context::current;

/// Whether this unit is its application's leader. Juju keeps a `true` valid for about
/// 30 seconds, so long work should ask again before acting as leader.
pub fn is_leader() -> Result<bool, ToolError> {
    current().backend.is_leader()
}

/// The application's leader settings.
pub fn settings() -> Result<Settings, ToolError> {
    current().backend.leader_get()
}

/// One leader setting; `None` if unset.
pub fn get(key: &str) -> Result<Option<String>, ToolError> {
    Ok(settings()?.remove(key))
}

/// Merges `changes` into the leader settings (leader only): an empty value deletes the
/// key. Juju applies it at once, even if the hook fails later.
pub fn set(changes: &Settings) -> Result<(), ToolError> {
    current().backend.leader_set(changes)
}
