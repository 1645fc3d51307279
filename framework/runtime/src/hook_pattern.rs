//! `#[hook]` pattern matching: `{a,b}` alternation and `{role:interface}` expansion.

use charms_reactive_juju::endpoint::Role;

use crate::metadata::Metadata;

/// Whether `hook` matches any of `patterns`.
///
/// ```
/// # use charms_reactive::low_level::hook_matches;
/// # use charms_reactive::low_level::Metadata;
/// let meta = Metadata::parse("name: x\nrequires:\n  db1: {interface: mysql}\n").unwrap();
/// assert!(hook_matches("config-changed", &["{config,option}-{changed,set}"], &meta));
/// assert!(hook_matches("db1-relation-changed", &["{requires:mysql}-relation-changed"], &meta));
/// assert!(!hook_matches("db2-relation-changed", &["{requires:mysql}-relation-changed"], &meta));
/// ```
pub fn hook_matches(hook: &str, patterns: &[&str], metadata: &Metadata) -> bool {
    patterns
        .iter()
        .any(|p| expand(p, metadata).iter().any(|e| e == hook))
}

/// Every hook name a pattern stands for.
pub fn expand(pattern: &str, metadata: &Metadata) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_string()];
    };
    let Some(close) = pattern[open..].find('}').map(|c| open + c) else {
        return vec![pattern.to_string()];
    };
    let group = &pattern[open + 1..close];
    let choices: Vec<String> = match group.split_once(':') {
        // An unknown role names no endpoint (the macros reject it at compile time).
        Some((role, iface)) => Role::parse(role)
            .map(|role| metadata.endpoints_for(role, iface))
            .unwrap_or_default(),
        None => group.split(',').map(str::to_string).collect(),
    };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    let tails = expand(tail, metadata);
    choices
        .iter()
        .flat_map(|c| tails.iter().map(move |t| format!("{head}{c}{t}")))
        .collect()
}
