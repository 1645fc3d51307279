//! `reactive explain`: for a set of flags and a hook, which handlers the hook's first
//! pass would run and, for each that would not, the condition that fails.
//!
//! It evaluates the conditions of the description ([`crate::describe`]) once, as the
//! dispatcher's first iteration does: `#[hook]` handlers against the hook name, flag
//! handlers against the given flags plus `hook.<name>` when a layer declares that flag
//! (layer:base). What the hook itself changes is not predicted: the automatic
//! `config.*` and `secret.*` flags of that hook, the flags startup functions set, and
//! the later iterations of the flag loop.

use std::collections::BTreeSet;

use crate::describe::{Description, HandlerInfo};
use crate::flag_lint::{matches_pattern, CharmHooks};

/// What one handler would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The handler's id.
    pub id: String,
    /// Its file and line.
    pub at: String,
    /// Whether its conditions hold.
    pub runs: bool,
    /// Why it runs, or the first condition that fails.
    pub reason: String,
}

fn list(flags: &[String]) -> String {
    flags
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first failing flag condition of `h` given `flags`, or `None` when all hold.
fn failing_flag_condition(h: &HandlerInfo, flags: &BTreeSet<String>) -> Option<String> {
    let c = &h.conditions;
    if let Some(f) = c.when_all.iter().find(|f| !flags.contains(*f)) {
        return Some(format!("#[when({f:?})]: {f} is not set"));
    }
    for group in &c.when_any {
        if !group.iter().any(|f| flags.contains(f)) {
            return Some(format!("#[when_any({})]: none is set", list(group)));
        }
    }
    if let Some(f) = c.when_none.iter().find(|f| flags.contains(*f)) {
        return Some(format!("#[when_not({f:?})]: {f} is set"));
    }
    for group in &c.when_not_all {
        if group.iter().all(|f| flags.contains(f)) {
            return Some(format!("#[when_not_all({})]: all are set", list(group)));
        }
    }
    None
}

/// Each handler's verdict for `hook` with the unit's `flags`, in dispatch order.
pub fn explain(
    desc: &Description,
    charm: &CharmHooks,
    flags: &BTreeSet<String>,
    hook: &str,
) -> Vec<Verdict> {
    let mut flags = flags.clone();
    let hook_flag = format!("hook.{hook}");
    let declares_hook_flags = desc
        .declared
        .iter()
        .flat_map(|d| &d.flags)
        .any(|f| matches_pattern(f, &hook_flag, &charm.hooks));
    if declares_hook_flags {
        flags.insert(hook_flag);
    }
    desc.handlers
        .iter()
        .map(|h| {
            let c = &h.conditions;
            let (runs, reason) = match h.phase.as_str() {
                "action" => (false, format!("runs only for action {}", list(&c.actions))),
                "restricted" => {
                    let runs = c.hooks.iter().any(|p| p == hook);
                    let reason = if runs {
                        format!("hook {hook}")
                    } else {
                        format!("runs only in the restricted hook {}", list(&c.hooks))
                    };
                    (runs, reason)
                }
                _ if !c.hooks.is_empty() => {
                    let runs = c
                        .hooks
                        .iter()
                        .any(|p| charm.expand_pattern(p).iter().any(|e| e == hook));
                    let reason = if runs {
                        format!("hook {hook} matches #[hook({})]", list(&c.hooks))
                    } else {
                        format!("#[hook({})]: the hook is {hook}", list(&c.hooks))
                    };
                    (runs, reason)
                }
                _ => match failing_flag_condition(h, &flags) {
                    Some(fail) => (false, fail),
                    None => {
                        let mut why = Vec::new();
                        if !c.files_changed.is_empty() {
                            why.push("if a watched file changed".to_string());
                        }
                        if c.only_once {
                            why.push("if it never ran before (only_once)".to_string());
                        }
                        let flags_part = if c.when_all.is_empty()
                            && c.when_any.is_empty()
                            && c.when_none.is_empty()
                            && c.when_not_all.is_empty()
                        {
                            "no flag condition".to_string()
                        } else {
                            "its flag conditions hold".to_string()
                        };
                        why.insert(0, flags_part);
                        (true, why.join(", "))
                    }
                },
            };
            Verdict {
                id: h.id.clone(),
                at: format!("{}:{}", h.file, h.line),
                runs,
                reason,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::describe::{Conditions, FlagSource, HandlerInfo};

    fn handler(id: &str, phase: &str, conditions: Conditions) -> HandlerInfo {
        HandlerInfo {
            id: id.into(),
            layer: "c".into(),
            file: "src/lib.rs".into(),
            line: 7,
            phase: phase.into(),
            conditions,
            sets: vec![],
            clears: vec![],
            reads: vec![],
            triggers: vec![],
        }
    }

    fn strings(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_handler_runs_or_names_its_first_failing_condition() {
        let desc = Description {
            format: crate::describe::FORMAT.into(),
            charm: "c".into(),
            layers: vec![],
            handlers: vec![
                handler(
                    "c::ready",
                    "flags",
                    Conditions {
                        when_all: strings(&["a", "hook.install"]),
                        ..Conditions::default()
                    },
                ),
                handler(
                    "c::missing",
                    "flags",
                    Conditions {
                        when_all: strings(&["a", "b"]),
                        ..Conditions::default()
                    },
                ),
                handler(
                    "c::excluded",
                    "flags",
                    Conditions {
                        when_none: strings(&["a"]),
                        ..Conditions::default()
                    },
                ),
                handler(
                    "c::on_start",
                    "hooks",
                    Conditions {
                        hooks: strings(&["{start,stop}"]),
                        ..Conditions::default()
                    },
                ),
            ],
            startups: vec![],
            declared: vec![FlagSource {
                layer: Some("layer_base".into()),
                source: None,
                flags: strings(&["hook.{hook}"]),
            }],
            automatic: vec![],
        };
        let charm = CharmHooks {
            endpoints: vec![],
            hooks: strings(&["install", "start", "stop"]).into_iter().collect(),
        };
        let flags: BTreeSet<String> = strings(&["a"]).into_iter().collect();
        let got: Vec<(String, bool, String)> = explain(&desc, &charm, &flags, "install")
            .into_iter()
            .map(|v| (v.id, v.runs, v.reason))
            .collect();
        let want = [
            ("c::ready", true, "its flag conditions hold"),
            ("c::missing", false, "#[when(\"b\")]: b is not set"),
            ("c::excluded", false, "#[when_not(\"a\")]: a is set"),
            (
                "c::on_start",
                false,
                "#[hook(\"{start,stop}\")]: the hook is install",
            ),
        ];
        let want: Vec<(String, bool, String)> = want
            .iter()
            .map(|(i, r, m)| (i.to_string(), *r, m.to_string()))
            .collect();
        assert_eq!(got, want);
    }
}
