//! Automatic flags: configuration changes and series upgrades.
//!
//! `config.changed`, `config.changed.<opt>`, `config.set.<opt>` and
//! `config.default.<opt>` (layer-basic's flags) are set at hook start by comparing the
//! configuration with the one seen by the previous successful hook, and removed at hook
//! end, so they exist only during the hook that saw the change. They are set through the
//! flag API, so triggers registered in `#[startup]` functions fire on them.

use std::collections::BTreeMap;

use anyhow::Context as _;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::flags::{clear_in, set_in, FLAG_PREFIX};

/// Unit-state key holding the configuration of the previous successful hook.
const PREVIOUS_CONFIG_KEY: &str = "charms_reactive.config.previous";
/// charmhelpers' file with the previous configuration (read once, when upgrading from a
/// Python charm).
const PYTHON_CONFIG_FILE: &str = ".juju-persistent-config";
const SERIES_FLAG: &str = "upgrade.series.in-progress";
const HOOK_LIFETIME_PREFIXES: &[&str] = &["config.changed", "config.set.", "config.default."];
/// Trigger keys charms.reactive keeps in the unit state and wipes at every hook exit; a
/// database last written by its CLI may still hold them.
const PYTHON_TRIGGER_PREFIXES: &[&str] = &[
    "reactive.flag_set_triggers.",
    "reactive.flag_clear_triggers.",
    "reactive.flag_triggers.",
];

/// Python truthiness of a config value, as layer-basic's `config.set.<opt>` uses it.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Sets the automatic flags at the start of a (non-restricted) hook.
pub(crate) fn on_start(ctx: &Context) -> anyhow::Result<()> {
    match ctx.hook.hook_name() {
        Some("pre-series-upgrade") => set_in(ctx, SERIES_FLAG, Value::Null),
        Some("post-series-upgrade") => clear_in(ctx, SERIES_FLAG),
        _ => {}
    }
    let config = ctx
        .backend
        .config_get()
        .context("reading the charm configuration (config-get)")?;
    let defaults = &ctx.config_defaults;
    let previous = previous_config(ctx);
    let mut any_changed = false;
    for (opt, value) in &config {
        if previous.as_ref().and_then(|p| p.get(opt)) != Some(value) {
            any_changed = true;
            set_in(ctx, &format!("config.changed.{opt}"), Value::Null);
        }
        if truthy(value) {
            set_in(ctx, &format!("config.set.{opt}"), Value::Null);
        }
        if defaults.get(opt) == Some(value) || (value.is_null() && !defaults.contains_key(opt)) {
            set_in(ctx, &format!("config.default.{opt}"), Value::Null);
        }
    }
    if any_changed {
        set_in(ctx, "config.changed", Value::Null);
    }
    ctx.kv
        .borrow_mut()
        .set(PREVIOUS_CONFIG_KEY, &Value::Object(config));
    Ok(())
}

/// Removes the hook-lifetime flags before the state is committed. They are dropped
/// without firing clear-triggers: no handler runs after this point.
pub(crate) fn on_end(ctx: &Context) {
    let mut kv = ctx.kv.borrow_mut();
    for prefix in HOOK_LIFETIME_PREFIXES {
        kv.unset_prefix(&format!("{FLAG_PREFIX}{prefix}"));
    }
    for prefix in PYTHON_TRIGGER_PREFIXES {
        kv.unset_prefix(prefix);
    }
}

fn previous_config(ctx: &Context) -> Option<Map<String, Value>> {
    if let Some(Value::Object(map)) = ctx.kv.borrow().get(PREVIOUS_CONFIG_KEY) {
        return Some(map);
    }
    let text = std::fs::read_to_string(ctx.charm_dir.join(PYTHON_CONFIG_FILE)).ok()?;
    let map: BTreeMap<String, Value> = serde_json::from_str(&text).ok()?;
    Some(map.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::truthy;
    use serde_json::json;

    #[test]
    fn python_truthiness() {
        for v in [json!(null), json!(false), json!(0), json!(0.0), json!("")] {
            assert!(!truthy(&v), "{v}");
        }
        for v in [json!(true), json!(1), json!(0.5), json!("x")] {
            assert!(truthy(&v), "{v}");
        }
    }
}
