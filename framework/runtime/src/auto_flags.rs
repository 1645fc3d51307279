//! Automatic flags: configuration changes, series upgrades and secret hooks.
//!
//! Layers add their own hook-lifetime flags with
//! [`crate::low_level::set_flag_for_this_hook`] (the base layer's `hook.<name>`).
//!
//! In a secret hook, `secret.<kind>.<name>` (`kind` being `changed`, `rotate`,
//! `expired` or `remove`, `name` the secret's label or, without one, its unique id) is
//! set for the duration of the hook, like the config flags below.
//!
//! `config.changed`, `config.changed.<opt>`, `config.set.<opt>` and
//! `config.default.<opt>` (layer-basic's flags) are set at hook start by comparing the
//! configuration with the one seen by the previous successful hook, and removed at hook
//! end, so they exist only during the hook that saw the change. They are set through the
//! flag API, so triggers registered in `#[startup]` functions fire on them.

use std::collections::BTreeMap;

use anyhow::Context as _;
use charms_reactive_juju::hooks::secret_hook_kind;
use serde_json::{Map, Value};

use crate::context::Context;
use crate::flags::{clear_in, set_in, FLAG_PREFIX};

/// Unit-state key holding the configuration of the previous successful hook.
const PREVIOUS_CONFIG_KEY: &str = "charms_reactive.config.previous";
/// charmhelpers' file with the previous configuration (read once, when upgrading from a
/// Python charm).
const PYTHON_CONFIG_FILE: &str = ".juju-persistent-config";
const SERIES_FLAG: &str = "upgrade.series.in-progress";
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

/// Config values compare as charms do in Python: numbers by value (`1 == 1.0`, which
/// matters because YAML may give a float where `config-get` prints an integer).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Sets a hook-lifetime flag and remembers to remove it at hook end.
pub(crate) fn set_for_this_hook(ctx: &Context, flag: String) {
    set_in(ctx, &flag, Value::Null);
    ctx.hook_lifetime_flags.borrow_mut().push(flag);
}

/// Sets the automatic flags at the start of a (non-restricted) hook.
pub(crate) fn on_start(ctx: &Context) -> anyhow::Result<()> {
    match ctx.hook.hook_name() {
        Some("pre-series-upgrade") => set_in(ctx, SERIES_FLAG, Value::Null),
        Some("post-series-upgrade") => clear_in(ctx, SERIES_FLAG),
        _ => {}
    }
    // A database last written by charms.reactive's CLI may still hold these.
    drop_stale(ctx);
    let config = ctx
        .backend
        .config_get()
        .context("reading the charm configuration (config-get)")?;
    let previous = previous_config(ctx);
    let mut any_changed = false;
    for (opt, value) in &config {
        let before = previous.as_ref().and_then(|p| p.get(opt));
        if !before.is_some_and(|b| same_value(b, value)) {
            any_changed = true;
            set_for_this_hook(ctx, format!("config.changed.{opt}"));
        }
        if truthy(value) {
            set_for_this_hook(ctx, format!("config.set.{opt}"));
        }
        let default = ctx.config_defaults.get(opt).unwrap_or(&Value::Null);
        if same_value(default, value) {
            set_for_this_hook(ctx, format!("config.default.{opt}"));
        }
    }
    if any_changed {
        set_for_this_hook(ctx, "config.changed".to_string());
    }
    if let (Some(kind), Some(secret)) = (
        ctx.hook.hook_name().and_then(secret_hook_kind),
        ctx.secret.as_ref(),
    ) {
        set_for_this_hook(ctx, format!("secret.{kind}.{}", secret.flag_name()));
    }
    ctx.kv
        .borrow_mut()
        .set(PREVIOUS_CONFIG_KEY, &Value::Object(config));
    Ok(())
}

/// Removes what must not outlive the hook, before the state is committed: the flags
/// `on_start` set (exactly those; a charm's own `config.*` flags stay) and charms.reactive's
/// trigger keys. Dropped without firing clear-triggers: no handler runs after this point.
pub(crate) fn on_end(ctx: &Context) {
    let flags = std::mem::take(&mut *ctx.hook_lifetime_flags.borrow_mut());
    let mut kv = ctx.kv.borrow_mut();
    for flag in flags {
        kv.unset(&format!("{FLAG_PREFIX}{flag}"));
    }
    for prefix in PYTHON_TRIGGER_PREFIXES {
        kv.unset_prefix(prefix);
    }
}

/// Removes config flags a Python charm may have persisted (layer-basic clears them at
/// exit, but a failed or CLI-driven run could leave them).
fn drop_stale(ctx: &Context) {
    let mut kv = ctx.kv.borrow_mut();
    for prefix in ["config.changed.", "config.set.", "config.default."] {
        kv.unset_prefix(&format!("{FLAG_PREFIX}{prefix}"));
    }
    kv.unset(&format!("{FLAG_PREFIX}config.changed"));
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
