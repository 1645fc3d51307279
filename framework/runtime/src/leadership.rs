//! Leadership: whether this unit leads its application, and the leader settings every
//! unit of the application reads.

pub use crate::backend::{Settings, ToolError};
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

/// Sets one leader setting (leader only); an empty `value` deletes it. See [`set`].
///
/// ```no_run
/// # fn f() -> Result<(), charms_reactive::ToolError> {
/// charms_reactive::leadership::set_one("admin-password", "s3cret")?;
/// # Ok(()) }
/// ```
pub fn set_one(key: &str, value: &str) -> Result<(), ToolError> {
    set(&Settings::from([(key.to_string(), value.to_string())]))
}
