//! `juju/names` checks for application and unit names.

/// Juju's application (and charm) name rule: `^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$`
pub(crate) fn is_valid_application(name: &str) -> bool {
    let mut parts = name.split('-');
    let first_ok = parts.next().is_some_and(|first| {
        first.starts_with(|c: char| c.is_ascii_lowercase())
            && first
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    first_ok
        && parts.all(|part| {
            part.chars().any(|c| c.is_ascii_lowercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// `<application>/<number>` with no leading zeros.
pub(crate) fn is_valid_unit(name: &str) -> bool {
    let Some((app, number)) = name.split_once('/') else {
        return false;
    };
    let number_ok = number == "0"
        || (!number.is_empty()
            && !number.starts_with('0')
            && number.bytes().all(|b| b.is_ascii_digit()));
    is_valid_application(app) && number_ok
}

/// The application of a unit name (everything before the `/`).
pub(crate) fn unit_application(unit: &str) -> &str {
    unit.split_once('/').map_or(unit, |(app, _)| app)
}

/// Juju's endpoint name rule: `^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$`.
pub(crate) fn is_endpoint_name(name: &str) -> bool {
    let lower_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut parts = name.split(['-', '_']);
    parts.next().is_some_and(|p| {
        p.starts_with(|c: char| c.is_ascii_lowercase()) && p.chars().all(lower_alnum)
    }) && parts.all(|p| !p.is_empty() && p.chars().all(lower_alnum))
}

/// Juju's action name rule, which action result keys follow too:
/// `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`.
pub(crate) fn is_action_name(name: &str) -> bool {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    name.starts_with(ok) && name.ends_with(ok) && name.chars().all(|c| ok(c) || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_application("web"));
        assert!(is_valid_application("my-app2"));
        assert!(!is_valid_application("my-2"));
        assert!(!is_valid_application("Web"));
        assert!(!is_valid_application("web/0"));
        assert!(is_valid_unit("web/0"));
        assert!(is_valid_unit("my-app/12"));
        assert!(!is_valid_unit("web/01"));
        assert!(!is_valid_unit("web"));
        assert!(!is_valid_unit("x/"));
        assert_eq!(unit_application("kv/1"), "kv");
    }
}
