//! `provides`, `requires` and `peers`: charm proof's relation checks and Juju's endpoint rules.
//!
//! Deliberate differences from charm proof:
//!
//! * A reserved endpoint name (`juju`, `juju-*`) is an error, not charm proof's info, because
//!   Juju refuses the charm ("using a reserved relation name"). Juju's exceptions (a charm
//!   whose own name starts with `juju-`, and a container-scoped `requires` endpoint of a
//!   subordinate) keep charm proof's info.
//! * `requires` is checked for subordinates too. charm proof skips it when `subordinate` is
//!   truthy, which hides broken endpoints that Juju would still reject.

use super::{files, python, Lint};
use charms_reactive_juju::endpoint::Role;
use charms_reactive_juju::hooks::relation_hook;
use charms_reactive_juju::names as juju_names;
use serde_yaml::{Mapping, Value};
use std::path::Path;

/// The relation sections in charm proof's order.
const SECTIONS: [Role; 3] = [Role::Provides, Role::Requires, Role::Peers];
const KNOWN_KEYS: &[&str] = &["interface", "scope", "limit", "optional"];
const KNOWN_SCOPES: &[&str] = &["global", "container"];
/// The relation hook kinds charm proof looks for, in its order (it stops at the first
/// found; it never looks for `created`).
const PROOF_RELATION_HOOK_KINDS: [&str; 4] = ["changed", "departed", "joined", "broken"];

/// What every endpoint check needs to know about the charm.
struct Charm<'a> {
    dir: &'a Path,
    /// The charm's own name starts with `juju-`, which lifts Juju's reservations.
    juju_named: bool,
    /// `subordinate: true` exactly (Juju's notion).
    subordinate: bool,
    /// `subordinate` is truthy (charm proof's notion).
    subordinate_truthy: bool,
    dispatch: bool,
}

/// The `subordinate` flag and all three relation sections, in charm proof's order.
pub(super) fn check(meta: &Mapping, dir: &Path, dispatch: bool, lint: &mut Lint) {
    let subordinate = meta.get("subordinate");
    if subordinate.is_some_and(|s| !s.is_bool()) {
        lint.err("subordinate must be a boolean value");
    }
    let charm = Charm {
        dir,
        juju_named: meta
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.starts_with("juju-")),
        subordinate: subordinate.and_then(Value::as_bool) == Some(true),
        subordinate_truthy: subordinate.is_some_and(python::truthy),
        dispatch,
    };

    match meta.get(Role::Provides.as_str()) {
        Some(provides) => check_section(&charm, Role::Provides, provides, lint),
        None if !charm.subordinate_truthy => {
            lint.info("all charms should provide at least one thing")
        }
        None => {}
    }
    if charm.subordinate_truthy && !has_container_requires(meta) {
        lint.err("subordinates must have at least one scope: container relation");
    }
    for section in [Role::Requires, Role::Peers] {
        if let Some(value) = meta.get(section.as_str()) {
            check_section(&charm, section, value, lint);
        }
    }
    check_duplicates(meta, lint);
}

fn has_container_requires(meta: &Mapping) -> bool {
    meta.get(Role::Requires.as_str())
        .and_then(Value::as_mapping)
        .is_some_and(|requires| {
            requires
                .values()
                .any(|rel| rel.get("scope").and_then(Value::as_str) == Some("container"))
        })
}

fn check_section(charm: &Charm, section: Role, value: &Value, lint: &mut Lint) {
    let Some(relations) = value.as_mapping() else {
        lint.err(format!(
            "{section}: must be a map of relation names to relation definitions"
        ));
        return;
    };
    for (name, rel) in relations {
        check_endpoint(charm, section, &python::py_str(name), rel, lint);
    }
}

fn check_endpoint(charm: &Charm, section: Role, name: &str, rel: &Value, lint: &mut Lint) {
    let scope = rel.get("scope").and_then(Value::as_str);
    if juju_names::is_juju_reserved(name) {
        let exempt = charm.juju_named
            || (section == Role::Requires && charm.subordinate && scope == Some("container"));
        if !exempt {
            lint.err(format!(
                "relation {name}: juju-* is a reserved relation name (Juju refuses the charm)"
            ));
        } else if name.starts_with("juju-") {
            lint.info("juju-* is a reserved relation name");
        }
    }
    if !juju_names::is_endpoint_name(name) {
        lint.err(format!(
            "relation {name}: invalid endpoint name, Juju requires lowercase letters and \
             digits, starting with a letter, separated by single - or _"
        ));
    }

    match rel {
        Value::Mapping(rel) => check_definition(charm, section, name, rel, lint),
        other => {
            // Juju would take a bare string as the interface, but charm proof wants a map.
            lint.err(format!("relation {name} is not a map"));
            if let Value::String(interface) = other {
                check_reserved_interface(charm, section, name, interface, lint);
            }
        }
    }

    if name == "relation-name" {
        lint.err(format!(
            "template relations should be renamed to fit charm: {name}"
        ));
    }
    // charm proof stops at the first hook found, so only that one is checked further.
    let has_hook = PROOF_RELATION_HOOK_KINDS
        .iter()
        .any(|kind| files::check_hook(charm.dir, &relation_hook(name, kind), false, lint));
    if !has_hook && !charm.subordinate_truthy && !charm.dispatch {
        lint.info(format!("relation {name} has no hooks"));
    }
}

fn check_definition(charm: &Charm, section: Role, name: &str, rel: &Mapping, lint: &mut Lint) {
    if let Some(scope) = rel.get("scope") {
        if !scope.as_str().is_some_and(|s| KNOWN_SCOPES.contains(&s)) {
            lint.err(format!(
                "Unknown scope found in relation {name} - ({})",
                python::py_str(scope)
            ));
        }
    }
    match rel.get("interface") {
        Some(Value::String(interface)) => {
            if interface == "interface-name" {
                lint.err(format!(
                    "template interface names should be changed: {interface}"
                ));
            }
            check_reserved_interface(charm, section, name, interface, lint);
        }
        Some(_) => lint.err(format!("relation {name}: interface must be a string")),
        None => lint.err("relation missing interface"),
    }
    for key in rel.keys() {
        let key = python::py_str(key);
        if !KNOWN_KEYS.contains(&key.as_str()) {
            lint.err(format!(
                "Unknown relation field in relation {name} - ({key})"
            ));
        }
    }
    // Juju's types for the optional keys.
    if rel
        .get("limit")
        .is_some_and(|l| !(l.is_null() || l.is_i64() || l.is_u64()))
    {
        lint.err(format!("relation {name}: limit must be an integer"));
    }
    if rel.get("optional").is_some_and(|o| !o.is_bool()) {
        lint.err(format!("relation {name}: optional must be a boolean"));
    }
}

/// Juju reserves `juju` and `juju-*` interfaces on `provides` and `peers`.
fn check_reserved_interface(
    charm: &Charm,
    section: Role,
    name: &str,
    interface: &str,
    lint: &mut Lint,
) {
    if section != Role::Requires && !charm.juju_named && juju_names::is_juju_reserved(interface) {
        lint.err(format!(
            "relation {name}: using a reserved interface: {interface}"
        ));
    }
}

/// Juju needs endpoint names to be unique across all three sections.
fn check_duplicates(meta: &Mapping, lint: &mut Lint) {
    let mut seen: Vec<(String, Vec<&str>)> = Vec::new();
    for section in SECTIONS {
        let keys = meta
            .get(section.as_str())
            .and_then(Value::as_mapping)
            .into_iter()
            .flat_map(|m| m.keys());
        for key in keys {
            let key = python::py_str(key);
            match seen.iter_mut().find(|(n, _)| *n == key) {
                Some((_, sections)) => sections.push(section.as_str()),
                None => seen.push((key, vec![section.as_str()])),
            }
        }
    }
    for (name, sections) in seen.iter().filter(|(_, s)| s.len() > 1) {
        lint.err(format!(
            "relation {name}: using a duplicated relation name (in {})",
            sections.join(" and ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use charms_reactive_juju::hooks::RELATION_HOOK_KINDS;

    #[test]
    fn proof_looks_for_juju_relation_hook_kinds() {
        assert!(PROOF_RELATION_HOOK_KINDS
            .iter()
            .all(|k| RELATION_HOOK_KINDS.contains(k)));
    }
}
