//! The files a build makes from no single layer: one link to `dispatch` per hook and
//! action, the built `layer.yaml` and `manifest.yaml`.

use charms_reactive_juju::endpoint::Role;
use charms_reactive_juju::hooks::{
    relation_hook, storage_hook, RELATION_HOOK_KINDS, STANDARD_HOOKS, STORAGE_HOOK_KINDS,
};
use serde_yaml::{Mapping, Value};

use crate::error::BuildError;
use crate::layer_options::layer_options;
use crate::layers::Layer;
use crate::merge::deep_merge;
use crate::yaml::to_yaml;

/// Default bases of `manifest.yaml`: Ubuntu 22.04 and 24.04 on amd64.
const DEFAULT_BASES: &str = "- name: ubuntu\n  channel: \"22.04\"\n  architectures: [amd64]\n- name: ubuntu\n  channel: \"24.04\"\n  architectures: [amd64]\n";

/// `hooks/<name>` paths for the standard hooks, five per relation endpoint and two per
/// storage, sorted.
pub fn hook_paths(metadata: &Value) -> Vec<String> {
    let mut out: Vec<String> = STANDARD_HOOKS
        .iter()
        .map(|h| format!("hooks/{h}"))
        .collect();
    for role in Role::ALL {
        if let Some(map) = metadata.get(role.as_str()).and_then(Value::as_mapping) {
            for name in map.keys().filter_map(Value::as_str) {
                out.extend(
                    RELATION_HOOK_KINDS
                        .iter()
                        .map(|kind| format!("hooks/{}", relation_hook(name, kind))),
                );
            }
        }
    }
    if let Some(map) = metadata.get("storage").and_then(Value::as_mapping) {
        for name in map.keys().filter_map(Value::as_str) {
            out.extend(
                STORAGE_HOOK_KINDS
                    .iter()
                    .map(|kind| format!("hooks/{}", storage_hook(name, kind))),
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

/// The built `layer.yaml`: `includes` (the layers in merge order, unlike charm-tools,
/// which writes the union of every layer's includes), the validated layer `options`,
/// `is: <charm>`, and every layer's `proof` section merged (charm proof reads its
/// extensions from there).
pub fn layer_yaml(layers: &[Layer], charm_name: &str) -> Result<String, BuildError> {
    let mut out = Mapping::new();
    let includes: Vec<Value> = layers[..layers.len().saturating_sub(1)]
        .iter()
        .map(|l| Value::String(l.url.clone()))
        .collect();
    out.insert("includes".into(), Value::Sequence(includes));
    out.insert("options".into(), Value::Mapping(layer_options(layers)?));
    out.insert("is".into(), Value::String(charm_name.to_string()));
    let mut proof = Value::Null;
    for layer in layers {
        if let Some(p) = layer.config.raw.get("proof") {
            deep_merge(&mut proof, p);
        }
    }
    if !proof.is_null() {
        out.insert("proof".into(), proof);
    }
    Ok(to_yaml(&Value::Mapping(out)))
}

/// The built `manifest.yaml`: the `bases` of the top-most layer.yaml that has some, else
/// Ubuntu 22.04 and 24.04 on amd64.
pub fn manifest_yaml(layers: &[Layer]) -> String {
    let bases = layers
        .iter()
        .rev()
        .find_map(|l| l.config.bases.clone())
        .unwrap_or_else(|| serde_yaml::from_str(DEFAULT_BASES).unwrap_or(Value::Null));
    let mut manifest = Mapping::new();
    manifest.insert("bases".into(), bases);
    to_yaml(&Value::Mapping(manifest))
}
