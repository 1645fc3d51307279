//! Which hook or action this process was started for.

use std::path::Path;

use charms_reactive_juju::env;
use charms_reactive_juju::hooks::{RelationHook, RESTRICTED_HOOKS};

/// What is being dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookInfo {
    /// A Juju hook, e.g. `install` or `db-relation-changed`.
    Hook(String),
    /// A Juju action, e.g. `backup`.
    Action(String),
}

/// Why the hook to run could not be told from the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnknownHook {
    /// Started through the `dispatch` script's name without `JUJU_DISPATCH_PATH`.
    #[error(
        "started as `dispatch` but {} is not set: cannot tell which hook to run",
        env::DISPATCH_PATH
    )]
    DispatchWithoutPath,
    /// Neither `JUJU_DISPATCH_PATH` nor the program name says.
    #[error(
        "cannot tell which hook to run: {} is unset and argv[0] is empty",
        env::DISPATCH_PATH
    )]
    NoName,
}

impl HookInfo {
    /// The hook name, for hooks.
    pub fn hook_name(&self) -> Option<&str> {
        match self {
            HookInfo::Hook(h) => Some(h),
            HookInfo::Action(_) => None,
        }
    }

    /// The action name, for actions.
    pub fn action_name(&self) -> Option<&str> {
        match self {
            HookInfo::Action(a) => Some(a),
            HookInfo::Hook(_) => None,
        }
    }

    /// The endpoint and kind of a relation hook (`db-relation-joined`); `None` for any
    /// other hook and for actions.
    pub fn relation_hook(&self) -> Option<RelationHook<'_>> {
        self.hook_name().and_then(RelationHook::parse)
    }

    /// Whether this is `collect-metrics` or `meter-status-changed`.
    pub fn is_restricted(&self) -> bool {
        self.hook_name()
            .is_some_and(|h| RESTRICTED_HOOKS.contains(&h))
    }

    /// Parses a dispatch path such as `hooks/install` or `actions/backup`.
    pub fn from_dispatch_path(path: &str) -> Option<HookInfo> {
        let p = Path::new(path);
        let name = p.file_name()?.to_str()?.to_string();
        if name.is_empty() {
            return None;
        }
        let dir = p
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|d| d.to_str());
        Some(match dir {
            Some("actions") => HookInfo::Action(name),
            _ => HookInfo::Hook(name),
        })
    }

    /// From the environment Juju gives a hook: `JUJU_DISPATCH_PATH`, else the name this
    /// binary was started as (`hooks/<name>` symlinks), as classic charms do.
    pub fn from_env(
        dispatch_path: Option<&str>,
        argv0: Option<&str>,
    ) -> Result<HookInfo, UnknownHook> {
        if let Some(found) = dispatch_path
            .filter(|p| !p.is_empty())
            .and_then(HookInfo::from_dispatch_path)
        {
            return Ok(found);
        }
        match argv0.and_then(HookInfo::from_dispatch_path) {
            Some(HookInfo::Hook(name)) if name == "dispatch" => {
                Err(UnknownHook::DispatchWithoutPath)
            }
            Some(found) => Ok(found),
            None => Err(UnknownHook::NoName),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_env() {
        assert_eq!(
            HookInfo::from_env(Some("hooks/install"), Some("/x/dispatch")),
            Ok(HookInfo::Hook("install".into()))
        );
        assert_eq!(
            HookInfo::from_env(Some("actions/backup"), None),
            Ok(HookInfo::Action("backup".into()))
        );
        assert_eq!(
            HookInfo::from_env(None, Some("/c/hooks/config-changed")),
            Ok(HookInfo::Hook("config-changed".into()))
        );
        assert_eq!(
            HookInfo::from_env(Some(""), Some("/c/actions/run")),
            Ok(HookInfo::Action("run".into()))
        );
        assert_eq!(
            HookInfo::from_env(None, Some("/c/dispatch")),
            Err(UnknownHook::DispatchWithoutPath)
        );
        assert_eq!(HookInfo::from_env(None, None), Err(UnknownHook::NoName));
        assert_eq!(
            HookInfo::Hook("db-relation-joined".into())
                .relation_hook()
                .map(|h| h.endpoint),
            Some("db")
        );
        assert!(HookInfo::Hook("collect-metrics".into()).is_restricted());
    }
}
