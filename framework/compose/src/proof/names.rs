//! Hand-written matchers for the patterns only charm proof checks (option and display
//! names, versions, storage sizes and ranges); Juju's own name rules (charm, endpoint,
//! action, reserved names) are in `charms_reactive_juju::names`. The crate has no regex
//! dependency, and each pattern is small enough to check directly; every function names
//! the regex it implements.

/// charm proof's config option names: `^[a-z0-9]+(?:[\w-]*[a-z0-9]+)?$`, case-insensitive.
/// Python's `\w` is Unicode-aware, hence `is_alphanumeric`.
pub(crate) fn is_option_name(name: &str) -> bool {
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    ends_ok(name.chars().next())
        && ends_ok(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// charm proof's `display-name`: `^[A-Za-z0-9]+( [-A-Za-z0-9_]|[-A-Za-z0-9_])*$`: a letter or
/// digit first, and every space followed by a non-space allowed character.
pub(crate) fn is_display_name(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let chars: Vec<char> = name.chars().collect();
    chars.first().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.iter().enumerate().all(|(i, &c)| {
            allowed(c) || (c == ' ' && chars.get(i + 1).is_some_and(|&n| allowed(n)))
        })
}

/// charm proof's `min-juju-version` check, a `re.match` (anchored at the start only) of
/// `(\d{1,9})\.(\d{1,9})(?:\.|-([a-z]+))(\d{1,9})(\.\d{1,9})?`. Returns the major version.
pub(crate) fn min_juju_version_major(version: &str) -> Option<u64> {
    let s = version.as_bytes();
    let digits = |from: usize| s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let major_len = digits(0);
    if !(1..=9).contains(&major_len) || s.get(major_len) != Some(&b'.') {
        return None;
    }
    let mut i = major_len + 1;
    let minor_len = digits(i);
    if !(1..=9).contains(&minor_len) {
        return None;
    }
    i += minor_len;
    match s.get(i) {
        Some(b'.') => i += 1,
        Some(b'-') => {
            let tag_len = s[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_lowercase())
                .count();
            if tag_len == 0 {
                return None;
            }
            i += 1 + tag_len;
        }
        _ => return None,
    }
    // `\d{1,9}` only needs one digit here: the rest of the string is not matched.
    if digits(i) == 0 {
        return None;
    }
    version[..major_len].parse().ok()
}

/// charm proof's storage `minimum-size`: `^\d+[MGTP]?$`.
pub(crate) fn is_storage_size(size: &str) -> bool {
    let digits = size.trim_end_matches(['M', 'G', 'T', 'P']);
    size.len() - digits.len() <= 1
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// charm proof's storage `multiple.range`: `^\d+-?(\d+)?$`.
pub(crate) fn is_storage_range(range: &str) -> bool {
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match range.split_once('-') {
        Some((min, max)) => !min.is_empty() && all_digits(min) && all_digits(max),
        None => !range.is_empty() && all_digits(range),
    }
}
