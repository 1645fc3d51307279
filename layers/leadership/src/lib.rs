//! `layer:leadership`: flags for this unit's leadership and for the application's leader
//! settings, and [`leader_set`] / [`leader_get`], as
//! [layer-leadership](https://github.com/stub42/layer-leadership) gives Python charms.
//!
//! Flags, managed at the start of every hook (before any handler):
//!
//! * `leadership.is_leader`: this unit is the leader (`is-leader`);
//! * `leadership.set.<key>`: leader setting `<key>` has a value;
//! * `leadership.changed.<key>`: leader setting `<key>` changed (set, changed or deleted)
//!   since the previous hook of this unit; it lasts this hook;
//! * `leadership.changed`: any leader setting changed.
//!
//! [`leader_set`] sets the `changed` flags of the keys it changes at once on the leader,
//! which gets no `leader-settings-changed` hook of its own: a handler waiting on
//! `leadership.changed.<key>` runs on the leader in the same hook and on the other units
//! in their next hook.
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//!
//! #[when("leadership.is_leader")]
//! #[when_not("leadership.set.admin-password")]
//! fn make_password() -> Result<()> {
//!     layer_leadership::leader_set_one("admin-password", "s3cret")?;
//!     Ok(())
//! }
//!
//! #[when("leadership.changed.admin-password")]
//! fn use_password() -> Result<()> {
//!     let password = layer_leadership::leader_get("admin-password")?;
//!     # let _ = password;
//!     Ok(())
//! }
//! ```

use std::collections::BTreeSet;

use charms_reactive::low_level::with_unit_state;
use charms_reactive::prelude::*;
use charms_reactive::{Settings, ToolError};
use serde_json::Value;

charms_reactive::declare_flags!(
    "leadership.is_leader",
    "leadership.changed",
    "leadership.changed.{key}",
    "leadership.set.{key}"
);
charms_reactive::declare_flags!(fn leader_set_one => "leadership.set.{0}", "leadership.changed.{0}");

/// Set while this unit is the leader.
pub const IS_LEADER: &str = "leadership.is_leader";
/// `leadership.set.<key>`: the leader setting has a value.
pub const SET_PREFIX: &str = "leadership.set.";
/// `leadership.changed.<key>`: the leader setting changed in this hook.
pub const CHANGED_PREFIX: &str = "leadership.changed.";
/// Any leader setting changed in this hook.
pub const CHANGED: &str = "leadership.changed";
/// Unit-state prefix of the snapshot of the leader settings this unit last saw (the
/// keys layer-leadership uses, so a unit upgraded from a Python charm keeps its
/// snapshot and sees no spurious change).
pub const SNAPSHOT_PREFIX: &str = "leadership.settings.";

/// Why [`leader_set`] failed.
#[derive(Debug, thiserror::Error)]
pub enum LeadershipError {
    /// Only the leader may change the leader settings.
    #[error("cannot set leader settings {keys:?}: this unit ({unit}) is not the leader")]
    NotLeader {
        /// The keys being set.
        keys: Vec<String>,
        /// This unit.
        unit: String,
    },
    /// A hook tool (`is-leader`, `leader-get`, `leader-set`) failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
}

/// The snapshot of the leader settings this unit last saw.
fn snapshot() -> Settings {
    with_unit_state(|kv| {
        let keys: Vec<String> = kv
            .keys_with_prefix(SNAPSHOT_PREFIX)
            .map(str::to_string)
            .collect();
        keys.into_iter()
            .filter_map(|k| match kv.get(&format!("{SNAPSHOT_PREFIX}{k}")) {
                // layer-leadership stores a deleted key as null.
                Some(Value::String(v)) => Some((k, v)),
                _ => None,
            })
            .collect()
    })
}

fn remember(key: &str, value: Option<&str>) {
    let k = format!("{SNAPSHOT_PREFIX}{key}");
    with_unit_state(|kv| match value {
        Some(v) => kv.set(&k, &Value::String(v.to_string())),
        None => {
            kv.unset(&k);
        }
    });
}

/// Sets or clears every `<prefix><key>` flag so that exactly the keys of `keep` are set.
fn align_flags(prefix: &str, keep: &BTreeSet<String>) {
    for flag in get_flags() {
        if let Some(key) = flag.strip_prefix(prefix) {
            if !keep.contains(key) {
                clear_flag(&flag);
            }
        }
    }
    for key in keep {
        set_flag(&format!("{prefix}{key}"));
    }
}

/// Unit state: set once this layer has read leadership and the leader settings.
const READ_KEY: &str = "leadership.read";

/// The hooks where the leader settings can have changed for this unit: Juju runs
/// `leader-elected` on a new leader and `leader-settings-changed` on the other units
/// after a change; the leader's own changes go through [`leader_set`]. `install` and
/// `upgrade-charm` start from what Juju says. (Leadership itself is read in every hook:
/// Juju runs no hook on a leader it deposes.)
const READ_IN: [&str; 4] = [
    "install",
    "leader-elected",
    "leader-settings-changed",
    "upgrade-charm",
];

/// Hook start: `leadership.is_leader` from `is-leader` in every hook (a deposed leader
/// is told by no hook), the settings flags from `leader-get` and the snapshot in the
/// hooks where they can have changed ([`READ_IN`], and the first hook this layer sees);
/// in other hooks those stay as they are, except the `changed` ones, which last one
/// hook.
#[startup]
fn leadership_start() -> Result<()> {
    toggle_flag(IS_LEADER, leadership::is_leader()?);
    let hook = charms_reactive::low_level::current_hook();
    let first = !with_unit_state(|kv| kv.contains(READ_KEY));
    if !first && !hook.hook_name().is_some_and(|h| READ_IN.contains(&h)) {
        align_flags(CHANGED_PREFIX, &BTreeSet::new());
        clear_flag(CHANGED);
        return Ok(());
    }
    with_unit_state(|kv| kv.set(READ_KEY, &Value::Bool(true)));
    let mut current = leadership::settings()?;
    // An empty value is no value (Juju deletes a key set to "").
    current.retain(|_, v| !v.is_empty());
    let previous = snapshot();
    let mut changed = BTreeSet::new();
    for key in previous.keys().chain(current.keys()) {
        if previous.get(key) != current.get(key) {
            changed.insert(key.clone());
        }
    }
    let set: BTreeSet<String> = current.keys().cloned().collect();
    align_flags(CHANGED_PREFIX, &changed);
    align_flags(SET_PREFIX, &set);
    toggle_flag(CHANGED, !changed.is_empty());
    for key in &changed {
        remember(key, current.get(key).map(String::as_str));
    }
    Ok(())
}

/// Changes the leader settings (leader only): an empty value deletes the key, as with
/// `leader-set`. For every key whose value changes, `leadership.changed.<key>` and
/// `leadership.changed` are set at once and `leadership.set.<key>` follows the new
/// value. Juju applies the change at once, even if the hook fails later.
pub fn leader_set(settings: &Settings) -> Result<(), LeadershipError> {
    if !leadership::is_leader()? {
        return Err(LeadershipError::NotLeader {
            keys: settings.keys().cloned().collect(),
            unit: unit_name(),
        });
    }
    leadership::set(settings)?;
    let previous = snapshot();
    for (key, value) in settings {
        let value = Some(value.as_str()).filter(|v| !v.is_empty());
        if previous.get(key).map(String::as_str) != value {
            set_flag(&format!("{CHANGED_PREFIX}{key}"));
            set_flag(CHANGED);
            remember(key, value);
        }
        toggle_flag(&format!("{SET_PREFIX}{key}"), value.is_some());
    }
    Ok(())
}

/// [`leader_set`] of one key; an empty `value` deletes it.
pub fn leader_set_one(key: &str, value: &str) -> Result<(), LeadershipError> {
    leader_set(&Settings::from([(key.to_string(), value.to_string())]))
}

/// One leader setting, `None` if unset (`leader-get <key>`).
pub fn leader_get(key: &str) -> Result<Option<String>, ToolError> {
    Ok(leadership::get(key)?.filter(|v| !v.is_empty()))
}

/// Every leader setting (`leader-get`).
pub fn leader_get_all() -> Result<Settings, ToolError> {
    let mut all = leadership::settings()?;
    all.retain(|_, v| !v.is_empty());
    Ok(all)
}
