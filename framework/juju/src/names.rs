//! Juju's name rules (from `github.com/juju/names` and the charm package), as plain
//! matchers: each function names the regular expression it implements.
//!
//! See <https://juju.is/docs/juju/application> and
//! <https://juju.is/docs/sdk/metadata-yaml> for where the rules apply.

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Application (and charm) names: `^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`.
///
/// ```
/// use charms_reactive_juju::names::is_application_name;
/// assert!(is_application_name("my-app2"));
/// assert!(!is_application_name("my-2"));
/// ```
pub fn is_application_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let first_ok = parts.next().is_some_and(|first| {
        first.starts_with(|c: char| c.is_ascii_lowercase()) && first.chars().all(lower_alnum)
    });
    first_ok
        && parts.all(|part| {
            part.chars().any(|c| c.is_ascii_lowercase()) && part.chars().all(lower_alnum)
        })
}

/// Unit names: `<application>/<number>`, the number without leading zeros.
pub fn is_unit_name(name: &str) -> bool {
    let Some((app, number)) = name.split_once('/') else {
        return false;
    };
    let number_ok = number == "0"
        || (!number.is_empty()
            && !number.starts_with('0')
            && number.bytes().all(|b| b.is_ascii_digit()));
    is_application_name(app) && number_ok
}

/// The application of a unit name: everything before the `/` (the whole name if none).
pub fn unit_application(unit: &str) -> &str {
    unit.split_once('/').map_or(unit, |(app, _)| app)
}

/// The number of a unit name (`kv/12` → 12); `None` if the name has no valid number.
///
/// ```
/// use charms_reactive_juju::names::unit_number;
/// assert_eq!(unit_number("kv/12"), Some(12));
/// assert_eq!(unit_number("kv"), None);
/// ```
pub fn unit_number(unit: &str) -> Option<u64> {
    let (_, number) = unit.split_once('/')?;
    number.parse().ok().filter(|_| !number.starts_with('+'))
}

/// Endpoint (relation) names: `^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$`.
pub fn is_endpoint_name(name: &str) -> bool {
    let mut parts = name.split(['-', '_']);
    parts.next().is_some_and(|p| {
        p.starts_with(|c: char| c.is_ascii_lowercase()) && p.chars().all(lower_alnum)
    }) && parts.all(|p| !p.is_empty() && p.chars().all(lower_alnum))
}

/// Action names, which action result keys follow too: `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`.
pub fn is_action_name(name: &str) -> bool {
    name.starts_with(lower_alnum)
        && name.ends_with(lower_alnum)
        && name.chars().all(|c| lower_alnum(c) || c == '-')
}

/// Action result keys Juju keeps for a command's output: `action-set` refuses them.
pub const RESERVED_ACTION_KEYS: &[&str] =
    &["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// Whether `key` is one of [`RESERVED_ACTION_KEYS`].
///
/// ```
/// use charms_reactive_juju::names::is_reserved_action_key;
/// assert!(is_reserved_action_key("stdout-encoding"));
/// assert!(!is_reserved_action_key("stdout.x"));
/// ```
pub fn is_reserved_action_key(key: &str) -> bool {
    RESERVED_ACTION_KEYS.contains(&key)
}

/// Secret content keys: `^([a-z](?:-?[a-z0-9]){2,})$` (a lowercase letter, then at least
/// two lowercase letters or digits, single hyphens between them).
///
/// ```
/// use charms_reactive_juju::names::is_secret_key;
/// assert!(is_secret_key("db-password"));
/// assert!(!is_secret_key("pw"));
/// ```
pub fn is_secret_key(key: &str) -> bool {
    let mut chars = key.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return false;
    }
    // Each group is an optional hyphen followed by a lowercase letter or digit.
    let mut groups = 0;
    let mut after_hyphen = false;
    for c in chars {
        match c {
            '-' if !after_hyphen => after_hyphen = true,
            c if lower_alnum(c) => {
                groups += 1;
                after_hyphen = false;
            }
            _ => return false,
        }
    }
    groups >= 2 && !after_hyphen
}

/// Names Juju keeps for its own endpoints and actions: `juju` and `juju-*`.
pub fn is_juju_reserved(name: &str) -> bool {
    name == "juju" || name.starts_with("juju-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applications_and_units() {
        assert!(is_application_name("web"));
        assert!(is_application_name("my-app2"));
        assert!(!is_application_name("my-2"));
        assert!(!is_application_name("Web"));
        assert!(!is_application_name("web/0"));
        assert!(!is_application_name(""));
        assert!(!is_application_name("web-"));
        assert!(is_unit_name("web/0"));
        assert!(is_unit_name("my-app/12"));
        assert!(!is_unit_name("web/01"));
        assert!(!is_unit_name("web"));
        assert!(!is_unit_name("x/"));
        assert_eq!(unit_application("kv/1"), "kv");
        assert_eq!(unit_number("kv/1"), Some(1));
        assert_eq!(unit_number("my-app/12"), Some(12));
        assert_eq!(unit_number("kv/+1"), None);
        assert_eq!(unit_number("kv/x"), None);
        assert_eq!(unit_number("kv"), None);
    }

    #[test]
    fn endpoints_and_actions() {
        assert!(is_endpoint_name("db"));
        assert!(is_endpoint_name("db_admin-2"));
        assert!(!is_endpoint_name("2db"));
        assert!(!is_endpoint_name("db--x"));
        assert!(!is_endpoint_name(""));
        assert!(is_action_name("backup"));
        assert!(is_action_name("a-1"));
        assert!(is_action_name("1"));
        assert!(!is_action_name("-a"));
        assert!(!is_action_name("a-"));
        assert!(!is_action_name("A"));
        assert!(!is_action_name(""));
        assert!(is_juju_reserved("juju-info"));
        assert!(!is_juju_reserved("jujux"));
    }

    #[test]
    fn secret_keys() {
        for good in ["abc", "db-password", "a1b", "tls-cert-2", "a-b-c"] {
            assert!(is_secret_key(good), "{good}");
        }
        for bad in [
            "",
            "ab",
            "a-b",
            "1ab",
            "-abc",
            "abc-",
            "ab--c",
            "Abc",
            "a_bc",
            "abc#base64",
            "é-ab",
        ] {
            assert!(!is_secret_key(bad), "{bad}");
        }
    }
}
