//! Compile-time checks of flag names, hook patterns and action names.

use charms_reactive_juju::endpoint::Role;
use charms_reactive_juju::endpoint::PLACEHOLDER as ENDPOINT_PLACEHOLDER;
use charms_reactive_juju::names::{is_action_name, is_juju_reserved};

/// Checks a flag name; returns a message for the compile error.
pub fn flag(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty flag name".into());
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "flag name {name:?} contains {c:?}; flag names have no spaces or control characters"
        ));
    }
    if name.starts_with('.') || name.ends_with('.') || name.contains("..") {
        return Err(format!(
            "flag name {name:?} has an empty dot-separated part"
        ));
    }
    let without = name.replace(ENDPOINT_PLACEHOLDER, "");
    if without.contains('{') || without.contains('}') {
        return Err(format!(
            "flag name {name:?} has braces; the only placeholder allowed is {ENDPOINT_PLACEHOLDER}"
        ));
    }
    Ok(())
}

/// Checks a hook pattern: plain hook names with `{a,b}` alternatives and
/// `{role:interface}` groups.
pub fn hook_pattern(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("empty hook pattern".into());
    }
    if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("hook pattern {pattern:?} contains whitespace"));
    }
    let mut rest = pattern;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err(format!("hook pattern {pattern:?} has an unmatched '}}'"));
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("hook pattern {pattern:?} has an unclosed '{{'"))?;
        let group = &after[..close];
        if group.contains('{') {
            return Err(format!("hook pattern {pattern:?} nests braces"));
        }
        group_ok(pattern, group)?;
        rest = &after[close + 1..];
    }
    Ok(())
}

fn group_ok(pattern: &str, group: &str) -> Result<(), String> {
    if let Some((role, iface)) = group.split_once(':') {
        if Role::parse(role).is_none() {
            return Err(format!(
                "hook pattern {pattern:?}: role {role:?} must be requires, provides or peers"
            ));
        }
        if iface.is_empty() || iface.contains([',', ':']) {
            return Err(format!(
                "hook pattern {pattern:?}: bad interface name {iface:?}"
            ));
        }
        return Ok(());
    }
    if group.split(',').any(str::is_empty) {
        return Err(format!(
            "hook pattern {pattern:?} has an empty alternative in {{{group}}}"
        ));
    }
    Ok(())
}

/// Checks an action name against Juju's rule `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`.
pub fn action_name(name: &str) -> Result<(), String> {
    if !is_action_name(name) {
        return Err(format!(
            "bad action name {name:?}: lowercase letters, digits and inner hyphens only"
        ));
    }
    if is_juju_reserved(name) {
        return Err(format!("action name {name:?} is reserved by Juju"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        assert!(flag("apt.installed.rabbitmq-server").is_ok());
        assert!(flag("endpoint.{endpoint_name}.joined").is_ok());
        assert!(flag("").is_err());
        assert!(flag("a b").is_err());
        assert!(flag("a..b").is_err());
        assert!(flag(".a").is_err());
        assert!(flag("{other}.x").is_err());
    }

    #[test]
    fn hook_patterns() {
        assert!(hook_pattern("install").is_ok());
        assert!(hook_pattern("{config,upgrade}-{changed,charm}").is_ok());
        assert!(hook_pattern("{requires:mysql}-relation-changed").is_ok());
        assert!(hook_pattern("{client:mysql}-relation-changed").is_err());
        assert!(hook_pattern("{a,}-x").is_err());
        assert!(hook_pattern("{a").is_err());
        assert!(hook_pattern("a}").is_err());
    }

    #[test]
    fn action_names() {
        assert!(action_name("backup").is_ok());
        assert!(action_name("set-password2").is_ok());
        assert!(action_name("Backup").is_err());
        assert!(action_name("-x").is_err());
        assert!(action_name("juju-run").is_err());
    }
}
