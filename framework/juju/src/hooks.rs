//! The hooks Juju runs: the ones every charm gets and the ones named after an endpoint or
//! a storage. See <https://juju.is/docs/sdk/hook>.

/// Hooks every charm gets, whatever its metadata.
pub const STANDARD_HOOKS: &[&str] = &[
    "install",
    "config-changed",
    "start",
    "stop",
    "remove",
    "update-status",
    "upgrade-charm",
    "leader-elected",
    "leader-settings-changed",
    "pre-series-upgrade",
    "post-series-upgrade",
    "collect-metrics",
];

/// Hooks that run in restricted mode (no relation or leadership tools in Juju; in the
/// runtime: no startup, no automatic flags, one pass).
pub const RESTRICTED_HOOKS: &[&str] = &["collect-metrics", "meter-status-changed"];

/// The secret hooks (Juju 3): `secret-changed` runs on a consumer when a revision newer
/// than the one it tracks exists; `secret-rotate`, `secret-expired` and `secret-remove`
/// run on the owner (for an application-owned secret, on its leader). Every one of them
/// gets `JUJU_SECRET_ID` and `JUJU_SECRET_LABEL`; `secret-expired` and `secret-remove`
/// also `JUJU_SECRET_REVISION`. See <https://juju.is/docs/sdk/hook>.
pub const SECRET_HOOKS: &[&str] = &[
    "secret-changed",
    "secret-rotate",
    "secret-expired",
    "secret-remove",
];

/// The kind of a secret hook (`changed`, `rotate`, `expired` or `remove`); `None` for
/// any other hook.
///
/// ```
/// use charms_reactive_juju::hooks::secret_hook_kind;
/// assert_eq!(secret_hook_kind("secret-expired"), Some("expired"));
/// assert_eq!(secret_hook_kind("secret-get"), None);
/// ```
pub fn secret_hook_kind(hook: &str) -> Option<&str> {
    SECRET_HOOKS
        .contains(&hook)
        .then(|| hook.strip_prefix("secret-"))
        .flatten()
}

/// The kinds of relation hook, in the order Juju runs them over a relation's life.
pub const RELATION_HOOK_KINDS: &[&str] = &["created", "joined", "changed", "departed", "broken"];

/// The kinds of storage hook.
pub const STORAGE_HOOK_KINDS: &[&str] = &["attached", "detaching"];

/// `<endpoint>-relation-<kind>`, split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationHook<'a> {
    /// The endpoint name.
    pub endpoint: &'a str,
    /// `created`, `joined`, `changed`, `departed` or `broken`.
    pub kind: &'a str,
}

impl<'a> RelationHook<'a> {
    /// Splits a relation hook name; `None` for any other hook.
    ///
    /// ```
    /// use charms_reactive_juju::hooks::RelationHook;
    /// let h = RelationHook::parse("db-admin-relation-departed").unwrap();
    /// assert_eq!((h.endpoint, h.kind), ("db-admin", "departed"));
    /// assert_eq!(RelationHook::parse("install"), None);
    /// ```
    pub fn parse(hook: &'a str) -> Option<RelationHook<'a>> {
        let (endpoint, kind) = hook.rsplit_once("-relation-")?;
        (!endpoint.is_empty() && RELATION_HOOK_KINDS.contains(&kind))
            .then_some(RelationHook { endpoint, kind })
    }
}

/// The name of an endpoint's relation hook of `kind`.
pub fn relation_hook(endpoint: &str, kind: &str) -> String {
    format!("{endpoint}-relation-{kind}")
}

/// The name of a storage's hook of `kind`.
pub fn storage_hook(storage: &str, kind: &str) -> String {
    format!("{storage}-storage-{kind}")
}

/// Whether `hook` is a relation hook.
pub fn is_relation_hook(hook: &str) -> bool {
    RelationHook::parse(hook).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_hooks() {
        assert!(is_relation_hook("a-relation-broken"));
        assert!(!is_relation_hook("-relation-broken"));
        assert!(!is_relation_hook("a-relation-gone"));
        assert_eq!(relation_hook("db", "joined"), "db-relation-joined");
        assert_eq!(storage_hook("data", "attached"), "data-storage-attached");
    }

    #[test]
    fn secret_hooks() {
        for hook in SECRET_HOOKS {
            assert!(secret_hook_kind(hook).is_some(), "{hook}");
        }
        assert_eq!(secret_hook_kind("secret-changed"), Some("changed"));
        assert_eq!(secret_hook_kind("secret-rotate"), Some("rotate"));
        assert_eq!(secret_hook_kind("secret-remove"), Some("remove"));
        assert_eq!(secret_hook_kind("install"), None);
    }
}
