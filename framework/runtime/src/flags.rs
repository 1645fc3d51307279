//! Flags: named booleans (with an optional JSON value) kept in the unit state.
//!
//! Flags live under `reactive.states.<flag>` as charmhelpers `unitdata` stores them, so
//! a unit upgraded from a Python reactive charm keeps its flags. Changes made during a
//! hook are only committed if the whole hook succeeds.

use serde_json::Value;

use crate::context::{current, Context};
use crate::triggers::{self, On};

/// The unit-state key prefix of flags (charms.reactive's).
pub const FLAG_PREFIX: &str = "reactive.states.";

fn key(flag: &str) -> String {
    format!("{FLAG_PREFIX}{flag}")
}

/// Sets a flag. Setting an already-set flag changes nothing and fires no trigger.
///
/// ```no_run
/// charms_reactive::set_flag("rabbitmq.installed");
/// ```
pub fn set_flag(flag: &str) {
    set_in(&current(), flag, Value::Null);
}

/// Sets a flag with a JSON value. On an already-set flag only the value is updated,
/// without a transition (as in charms.reactive).
pub fn set_flag_value(flag: &str, value: Value) {
    set_in(&current(), flag, value);
}

/// Clears a flag. Clearing an unset flag does nothing at all (charms.reactive re-tests
/// the handler queue even then).
pub fn clear_flag(flag: &str) {
    clear_in(&current(), flag);
}

/// Sets the flag if `should_set`, else clears it.
///
/// The one positional boolean of the author's API, kept on purpose: it is
/// charms.reactive's `toggle_flag(flag, should_set)`, which ported handlers call as is.
/// New code usually reads better with `if … { set_flag(…) } else { clear_flag(…) }`.
pub fn toggle_flag(flag: &str, should_set: bool) {
    if should_set {
        set_flag(flag)
    } else {
        clear_flag(flag)
    }
}

/// Whether a flag is set.
pub fn is_flag_set(flag: &str) -> bool {
    is_set_in(&current(), flag)
}

/// Whether all the flags are set (true for none).
pub fn all_flags_set(flags: &[&str]) -> bool {
    let ctx = current();
    flags.iter().all(|f| is_set_in(&ctx, f))
}

/// Whether any of the flags is set (false for none).
pub fn any_flags_set(flags: &[&str]) -> bool {
    let ctx = current();
    flags.iter().any(|f| is_set_in(&ctx, f))
}

/// All set flags, sorted.
pub fn get_flags() -> Vec<String> {
    let ctx = current();
    let kv = ctx.kv.borrow();
    kv.keys_with_prefix(FLAG_PREFIX)
        .map(str::to_string)
        .collect()
}

/// The given flags that are not set, sorted.
pub fn get_unset_flags(flags: &[&str]) -> Vec<String> {
    let ctx = current();
    let mut unset: Vec<String> = flags
        .iter()
        .filter(|f| !is_set_in(&ctx, f))
        .map(|f| f.to_string())
        .collect();
    unset.sort();
    unset.dedup();
    unset
}

/// The value stored with a set flag (`None` if unset; `Some(Null)` for a plain flag).
pub fn get_flag_value(flag: &str) -> Option<Value> {
    let ctx = current();
    let kv = ctx.kv.borrow();
    kv.contains(&key(flag))
        .then(|| kv.get(&key(flag)).unwrap_or(Value::Null))
}

pub(crate) fn is_set_in(ctx: &Context, flag: &str) -> bool {
    ctx.kv.borrow().contains(&key(flag))
}

pub(crate) fn set_in(ctx: &Context, flag: &str, value: Value) {
    let was_set = {
        let mut kv = ctx.kv.borrow_mut();
        let was_set = kv.contains(&key(flag));
        kv.set(&key(flag), &value);
        was_set
    };
    if !was_set {
        tracing::debug!("set flag {flag}");
        ctx.watch.borrow_mut().change(flag);
        triggers::fire(ctx, On::Set, flag);
    }
}

pub(crate) fn clear_in(ctx: &Context, flag: &str) {
    if !ctx.kv.borrow_mut().unset(&key(flag)) {
        return;
    }
    tracing::debug!("cleared flag {flag}");
    {
        let mut watch = ctx.watch.borrow_mut();
        watch.change(flag);
        watch.cleared = true;
    }
    triggers::fire(ctx, On::Cleared, flag);
}
