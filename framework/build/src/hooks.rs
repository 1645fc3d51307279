//! The hooks a charm gets, from its metadata and actions.

use serde_yaml::Value;

/// Hooks every charm has.
pub const STANDARD_HOOKS: &[&str] = &[
    "install",
    "config-changed",
    "start",
    "stop",
    "remove",
    "update-status",
    "upgrade-charm",
    "leader-elected",
    "leader-settings-changed",
    "pre-series-upgrade",
    "post-series-upgrade",
    "collect-metrics",
];

const RELATION_HOOKS: &[&str] = &["created", "joined", "changed", "departed", "broken"];
const STORAGE_HOOKS: &[&str] = &["attached", "detaching"];

/// `hooks/<name>` paths for the standard hooks, five per relation endpoint and two per
/// storage, sorted.
pub fn hook_paths(metadata: &Value) -> Vec<String> {
    let mut out: Vec<String> = STANDARD_HOOKS
        .iter()
        .map(|h| format!("hooks/{h}"))
        .collect();
    for role in ["provides", "requires", "peers"] {
        if let Some(map) = metadata.get(role).and_then(Value::as_mapping) {
            for name in map.keys().filter_map(Value::as_str) {
                out.extend(
                    RELATION_HOOKS
                        .iter()
                        .map(|h| format!("hooks/{name}-relation-{h}")),
                );
            }
        }
    }
    if let Some(map) = metadata.get("storage").and_then(Value::as_mapping) {
        for name in map.keys().filter_map(Value::as_str) {
            out.extend(
                STORAGE_HOOKS
                    .iter()
                    .map(|h| format!("hooks/{name}-storage-{h}")),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `actions/<name>` paths for the actions in `actions.yaml`.
pub fn action_paths(actions: &Value) -> Vec<String> {
    let mut out: Vec<String> = actions
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(Value::as_str)
                .map(|a| format!("actions/{a}"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
