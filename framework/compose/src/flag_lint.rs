//! The flag lint of `reactive build` and `reactive proof`, over a charm's description
//! ([`crate::describe`]):
//!
//! * **error**: a flag a handler waits for (`#[when]`, `#[when_all]`, `#[when_any]`) that
//!   nothing sets: no handler, trigger, layer declaration or automatic flag. The closest
//!   name that something does set is suggested (edit distance). Such a handler can never
//!   run (for `#[when_any]`, when no flag of the group can be set).
//! * **error**: a handler whose conditions contradict (a flag both required and
//!   excluded, a `#[when_any]` whose every flag is excluded, a `#[when_not_all]` whose
//!   every flag is required).
//! * **error**: a `#[hook]` pattern naming a hook the charm does not have (`instal`, a
//!   relation hook of an endpoint `metadata.yaml` lacks), with the closest hook name.
//! * **info**: a flag a handler or trigger sets that no handler reads (in a condition or
//!   with `is_flag_set`).
//!
//! A declared or automatic flag may hold a placeholder (`apt.installed.{package}`); it
//! stands for any name, except `{hook}`, which stands for the charm's hooks only.

use std::collections::BTreeSet;
use std::path::Path;

use charms_reactive_juju::hooks::{
    relation_hook, storage_hook, RELATION_HOOK_KINDS, RESTRICTED_HOOKS, SECRET_HOOKS,
    STANDARD_HOOKS, STORAGE_HOOK_KINDS,
};

use crate::describe::{Description, HandlerInfo};
use crate::proof::{Finding, Level};

/// The charm's endpoints, storages and containers, from its `metadata.yaml`.
#[derive(Debug, Default, Clone)]
pub struct CharmHooks {
    /// `(endpoint, role, interface)`.
    pub endpoints: Vec<(String, String, String)>,
    /// Every hook Juju may run for the charm.
    pub hooks: BTreeSet<String>,
}

impl CharmHooks {
    /// Reads `charm_dir/metadata.yaml` (missing or unreadable: the standard hooks only).
    pub fn load(charm_dir: &Path) -> CharmHooks {
        let text = std::fs::read_to_string(charm_dir.join("metadata.yaml")).unwrap_or_default();
        let meta: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_default();
        let mut out = CharmHooks::default();
        let names = |key: &str| -> Vec<(String, serde_yaml::Value)> {
            meta.get(key)
                .and_then(|v| v.as_mapping())
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone())))
                        .collect()
                })
                .unwrap_or_default()
        };
        for role in ["requires", "provides", "peers"] {
            for (name, spec) in names(role) {
                let interface = spec
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| {
                        spec.get("interface")
                            .and_then(|i| i.as_str())
                            .map(str::to_string)
                    })
                    .unwrap_or_default();
                for kind in RELATION_HOOK_KINDS {
                    out.hooks.insert(relation_hook(&name, kind));
                }
                out.endpoints.push((name, role.to_string(), interface));
            }
        }
        for (name, _) in names("storage") {
            for kind in STORAGE_HOOK_KINDS {
                out.hooks.insert(storage_hook(&name, kind));
            }
        }
        for (name, _) in names("containers") {
            out.hooks.insert(format!("{name}-pebble-ready"));
        }
        for hook in STANDARD_HOOKS
            .iter()
            .chain(RESTRICTED_HOOKS)
            .chain(SECRET_HOOKS)
        {
            out.hooks.insert(hook.to_string());
        }
        out
    }

    /// The hook names a `#[hook]` pattern stands for: `{a,b}` alternatives and
    /// `{role:interface}` groups (the charm's endpoints of that role and interface; none
    /// if it has none) expanded.
    pub fn expand_pattern(&self, pattern: &str) -> Vec<String> {
        let Some(open) = pattern.find('{') else {
            return vec![pattern.to_string()];
        };
        let Some(close) = pattern[open..].find('}').map(|c| open + c) else {
            return vec![pattern.to_string()];
        };
        let (head, group, tail) = (
            &pattern[..open],
            &pattern[open + 1..close],
            &pattern[close + 1..],
        );
        let choices: Vec<String> = match group.split_once(':') {
            Some((role, interface)) => self
                .endpoints
                .iter()
                .filter(|(_, r, i)| r == role && i == interface)
                .map(|(n, _, _)| n.clone())
                .collect(),
            None => group.split(',').map(str::to_string).collect(),
        };
        choices
            .iter()
            .flat_map(|c| self.expand_pattern(&format!("{head}{c}{tail}")))
            .collect()
    }
}

/// Whether `name` matches `pattern`, whose `{…}` placeholders stand for any non-empty
/// text (`{hook}`: one of `hooks`).
pub fn matches_pattern(pattern: &str, name: &str, hooks: &BTreeSet<String>) -> bool {
    let Some(open) = pattern.find('{') else {
        return pattern == name;
    };
    let Some(close) = pattern[open..].find('}').map(|c| open + c) else {
        return pattern == name;
    };
    let (head, placeholder, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let Some(rest) = name.strip_prefix(head) else {
        return false;
    };
    (1..=rest.len()).any(|cut| {
        rest.is_char_boundary(cut)
            && (placeholder != "hook" || hooks.contains(&rest[..cut]))
            && matches_pattern(tail, &rest[cut..], hooks)
    })
}

/// Levenshtein distance, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The candidate nearest `name`, if near enough to be a likely misspelling.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= (name.chars().count() / 2).max(2))
        .min()
        .map(|(_, c)| c)
}

/// Every flag or pattern something sets: handlers, triggers, layers, the runtime.
pub fn flag_sources(desc: &Description) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for h in &desc.handlers {
        out.extend(h.sets.iter().cloned());
        for t in &h.triggers {
            out.extend(t.sets.iter().cloned());
        }
    }
    for s in &desc.startups {
        out.extend(s.sets.iter().cloned());
        for t in &s.triggers {
            out.extend(t.sets.iter().cloned());
        }
    }
    for d in desc.declared.iter().chain(&desc.automatic) {
        out.extend(d.flags.iter().cloned());
    }
    out
}

fn is_settable(flag: &str, sources: &BTreeSet<String>, hooks: &BTreeSet<String>) -> bool {
    sources.contains(flag) || sources.iter().any(|s| matches_pattern(s, flag, hooks))
}

fn at(h: &HandlerInfo) -> String {
    format!("{} ({}:{})", h.id, h.file, h.line)
}

/// The lint's findings for a charm described by `desc`, whose hooks are `charm`.
pub fn lint(desc: &Description, charm: &CharmHooks) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |level, message: String| out.push(Finding { level, message });
    let sources = flag_sources(desc);
    let suggest = |flag: &str| match closest(flag, sources.iter().map(String::as_str)) {
        Some(c) => format!("; did you mean {c:?}?"),
        None => String::new(),
    };
    let settable = |f: &str| is_settable(f, &sources, &charm.hooks);
    for h in &desc.handlers {
        let c = &h.conditions;
        for flag in &c.when_all {
            if !settable(flag) {
                push(
                    Level::Error,
                    format!(
                        "handler {} waits for flag {flag:?}, which nothing sets (no handler, \
                         trigger, layer or automatic flag), so it can never run{}",
                        at(h),
                        suggest(flag)
                    ),
                );
            }
        }
        for group in &c.when_any {
            if group.iter().all(|f| !settable(f)) {
                for flag in group {
                    push(
                        Level::Error,
                        format!(
                            "handler {} waits for flag {flag:?}, which nothing sets (no \
                             handler, trigger, layer or automatic flag), nor any other flag \
                             of its #[when_any], so it can never run{}",
                            at(h),
                            suggest(flag)
                        ),
                    );
                }
            } else {
                for flag in group.iter().filter(|f| !settable(f)) {
                    push(
                        Level::Error,
                        format!(
                            "handler {} waits (#[when_any]) for flag {flag:?}, which nothing \
                             sets (no handler, trigger, layer or automatic flag){}",
                            at(h),
                            suggest(flag)
                        ),
                    );
                }
            }
        }
        for flag in c.when_all.iter().filter(|f| c.when_none.contains(f)) {
            push(
                Level::Error,
                format!(
                    "handler {} can never run: flag {flag:?} is both required (#[when]) and \
                     excluded (#[when_not])",
                    at(h)
                ),
            );
        }
        for group in &c.when_any {
            if group.iter().all(|f| c.when_none.contains(f)) {
                push(
                    Level::Error,
                    format!(
                        "handler {} can never run: every flag of its #[when_any] is excluded \
                         (#[when_not])",
                        at(h)
                    ),
                );
            }
        }
        for group in &c.when_not_all {
            if group.iter().all(|f| c.when_all.contains(f)) {
                push(
                    Level::Error,
                    format!(
                        "handler {} can never run: every flag of its #[when_not_all] is \
                         required (#[when])",
                        at(h)
                    ),
                );
            }
        }
        for pattern in &c.hooks {
            for hook in charm.expand_pattern(pattern) {
                if !charm.hooks.contains(&hook) {
                    let hint = match closest(&hook, charm.hooks.iter().map(String::as_str)) {
                        Some(c) => format!("; did you mean {c:?}?"),
                        None => String::new(),
                    };
                    push(
                        Level::Error,
                        format!(
                            "handler {}: #[hook({pattern:?})] names hook {hook:?}, which this \
                             charm never runs (not a Juju hook, or an endpoint metadata.yaml \
                             lacks){hint}",
                            at(h)
                        ),
                    );
                }
            }
        }
    }
    // Flags set by handlers and triggers that nothing reads.
    let mut read: BTreeSet<&str> = BTreeSet::new();
    for h in &desc.handlers {
        let c = &h.conditions;
        read.extend(c.when_all.iter().map(String::as_str));
        read.extend(c.when_none.iter().map(String::as_str));
        read.extend(c.when_any.iter().flatten().map(String::as_str));
        read.extend(c.when_not_all.iter().flatten().map(String::as_str));
        read.extend(h.reads.iter().map(String::as_str));
    }
    let triggers = desc
        .handlers
        .iter()
        .flat_map(|h| &h.triggers)
        .chain(desc.startups.iter().flat_map(|s| &s.triggers));
    let mut trigger_sets = Vec::new();
    for t in triggers {
        read.extend(t.when.iter().chain(&t.when_not).map(String::as_str));
        trigger_sets.extend(t.sets.iter().map(|f| (f.as_str(), "a trigger".to_string())));
    }
    let mut reported = BTreeSet::new();
    let handler_sets = desc.handlers.iter().flat_map(|h| {
        h.sets
            .iter()
            .map(move |f| (f.as_str(), format!("handler {}", h.id)))
    });
    for (flag, by) in handler_sets.chain(trigger_sets) {
        if flag.contains('{') || read.contains(flag) || !reported.insert(flag) {
            continue;
        }
        push(
            Level::Info,
            format!("flag {flag:?} is set by {by} but no handler reads it"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::{Conditions, FlagSource};

    fn handler(id: &str, conditions: Conditions, sets: &[&str]) -> HandlerInfo {
        HandlerInfo {
            id: id.into(),
            layer: "charm".into(),
            file: "src/lib.rs".into(),
            line: 1,
            phase: "flags".into(),
            conditions,
            sets: sets.iter().map(|s| s.to_string()).collect(),
            clears: vec![],
            reads: vec![],
            triggers: vec![],
        }
    }

    fn strings(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    fn messages(desc: &Description) -> Vec<String> {
        lint(desc, &CharmHooks::default())
            .into_iter()
            .map(|f| f.to_string())
            .collect()
    }

    fn description(handlers: Vec<HandlerInfo>) -> Description {
        Description {
            format: crate::describe::FORMAT.into(),
            charm: "c".into(),
            layers: vec![],
            handlers,
            startups: vec![],
            declared: vec![FlagSource {
                layer: Some("layer_apt".into()),
                source: None,
                flags: strings(&["apt.installed.{package}"]),
            }],
            automatic: vec![],
        }
    }

    #[test]
    fn flags_nothing_sets_are_errors_unless_a_pattern_or_another_any_flag_covers_them() {
        let waits = |all: &[&str], any: &[&str]| Conditions {
            when_all: strings(all),
            when_any: if any.is_empty() {
                vec![]
            } else {
                vec![strings(any)]
            },
            ..Conditions::default()
        };
        let desc = description(vec![
            handler("c::a", Conditions::default(), &["c.ready"]),
            handler("c::b", waits(&["c.redy", "apt.installed.x"], &[]), &[]),
            handler("c::d", waits(&[], &["c.ready", "c.other"]), &[]),
        ]);
        assert_eq!(
            messages(&desc),
            [
                "E: handler c::b (src/lib.rs:1) waits for flag \"c.redy\", which nothing sets \
                 (no handler, trigger, layer or automatic flag), so it can never run; did you \
                 mean \"c.ready\"?",
                "E: handler c::d (src/lib.rs:1) waits (#[when_any]) for flag \"c.other\", which \
                 nothing sets (no handler, trigger, layer or automatic flag)",
            ]
        );
    }

    #[test]
    fn flags_set_by_startup_functions_and_triggers_count_as_set() {
        let mut desc = description(vec![handler(
            "c::a",
            Conditions {
                when_all: strings(&["c.started", "c.triggered"]),
                ..Conditions::default()
            },
            &[],
        )]);
        desc.startups.push(crate::describe::StartupInfo {
            id: "c::start".into(),
            layer: "c".into(),
            file: "src/lib.rs".into(),
            line: 2,
            sets: strings(&["c.started"]),
            clears: vec![],
            triggers: vec![crate::describe::TriggerInfo {
                when: Some("c.started".into()),
                when_not: None,
                sets: strings(&["c.triggered"]),
                clears: vec![],
            }],
        });
        assert!(messages(&desc).is_empty(), "{:?}", messages(&desc));
    }

    #[test]
    fn contradicting_conditions_are_errors_and_unread_flags_information() {
        let desc = description(vec![
            handler(
                "c::a",
                Conditions {
                    when_any: vec![strings(&["c.x"])],
                    when_none: strings(&["c.x"]),
                    ..Conditions::default()
                },
                &["c.x", "c.unread"],
            ),
            handler(
                "c::b",
                Conditions {
                    when_all: strings(&["c.x"]),
                    when_not_all: vec![strings(&["c.x"])],
                    ..Conditions::default()
                },
                &[],
            ),
        ]);
        assert_eq!(
            messages(&desc),
            [
                "E: handler c::a (src/lib.rs:1) can never run: every flag of its #[when_any] is \
                 excluded (#[when_not])",
                "E: handler c::b (src/lib.rs:1) can never run: every flag of its #[when_not_all] \
                 is required (#[when])",
                "I: flag \"c.unread\" is set by handler c::a but no handler reads it",
            ]
        );
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("instal", "install"), 1);
        assert_eq!(edit_distance("cookie.synced", "cookie.sync"), 2);
        assert_eq!(edit_distance("abc", "xbz"), 2);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn placeholders_match_any_name_and_hook_only_hooks() {
        let hooks: BTreeSet<String> = ["install".to_string()].into();
        assert!(matches_pattern(
            "apt.installed.{package}",
            "apt.installed.x",
            &hooks
        ));
        assert!(!matches_pattern(
            "apt.installed.{package}",
            "apt.installed.",
            &hooks
        ));
        assert!(matches_pattern("hook.{hook}", "hook.install", &hooks));
        assert!(!matches_pattern("hook.{hook}", "hook.instal", &hooks));
    }

    #[test]
    fn hook_patterns_expand_alternatives_and_interfaces() {
        let charm = CharmHooks {
            endpoints: vec![("db".into(), "requires".into(), "mysql".into())],
            hooks: BTreeSet::new(),
        };
        assert_eq!(
            charm.expand_pattern("{config,upgrade}-changed"),
            ["config-changed", "upgrade-changed"]
        );
        assert_eq!(
            charm.expand_pattern("{requires:mysql}-relation-joined"),
            ["db-relation-joined"]
        );
        assert!(charm
            .expand_pattern("{provides:mysql}-relation-joined")
            .is_empty());
    }
}
