//! Whose status or relation data a call is about.

/// Whether a status or a relation databag belongs to this unit or to its application.
///
/// Juju keeps one status and one databag per relation for each unit and one more for the
/// application; only the leader may write the application's (`status-set --application`,
/// `relation-set --app`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Scope {
    /// This unit's own.
    #[default]
    Unit,
    /// The application's, shared by its units and written by the leader.
    App,
}

impl Scope {
    /// Whether this is [`Scope::App`].
    pub fn is_app(self) -> bool {
        self == Scope::App
    }
}
