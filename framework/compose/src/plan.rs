//! The build plan: every file of the charm, where it comes from and how it is made.
//! Nothing is written here; [`crate::output`] writes the plan.
//!
//! * `metadata.yaml`, `config.yaml`, `actions.yaml` are merged over the layers
//!   ([`crate::merge`]).
//! * Any other file is copied; the top-most layer providing a path wins, with a warning
//!   naming both layers.
//! * A layer's `ignore` drops matching files of **every** lower layer; its `exclude`
//!   drops its own matching files.
//! * Files of a layer's Rust crate (`Cargo.toml`, `src/`, …) are compiled, not copied;
//!   interface layers contribute only their crate.
//! * `dispatch` (the compiled binary), `hooks/<name>` and `actions/<name>` (symlinks to
//!   it), `layer.yaml`, `manifest.yaml` are generated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use charms_reactive_juju::endpoint::Role;
use serde_yaml::Value;

use crate::error::{io, BuildError};
use crate::generated::{action_paths, hook_paths, layer_yaml, manifest_yaml};
use crate::ignore::{dropped, LayerFilters};
use crate::layers::{Layer, LayerKind};
use crate::merge::merge_over_layers;
use crate::yaml::to_yaml;

/// What a planned file contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A copy of a layer's file (mode kept).
    Copy(PathBuf),
    /// Generated text.
    Text(String),
    /// A symlink to a path relative to the link.
    Symlink(String),
    /// The compiled charm binary.
    Binary,
}

/// One file of the built charm.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The layer it comes from (its include url; the charm name for the top layer;
    /// `build` for files the build makes from no layer).
    pub origin: String,
    /// Merged or generated (`dynamic`) rather than copied (`static`).
    pub dynamic: bool,
    /// What it is.
    pub content: Content,
}

/// The whole plan.
#[derive(Debug)]
pub struct Plan {
    /// The layers, in merge order.
    pub layers: Vec<Layer>,
    /// Relative path → entry, sorted.
    pub files: BTreeMap<String, Entry>,
    /// Things the author should know (overridden files, unused interfaces, …).
    pub warnings: Vec<String>,
}

/// Top-level names of a layer that are not copied: its crate, the YAML the build merges
/// or generates, and the generated `dispatch`.
const NOT_COPIED: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "src",
    "tests",
    "benches",
    "examples",
    "build.rs",
    "target",
    "layer.yaml",
    "interface.yaml",
    "metadata.yaml",
    "config.yaml",
    "actions.yaml",
    "manifest.yaml",
    "dispatch",
];

const MERGED_YAML: &[&str] = &["metadata.yaml", "config.yaml", "actions.yaml"];

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), BuildError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        if dir == root && NOT_COPIED.contains(&rel.as_str()) {
            continue;
        }
        let ft = e.file_type().map_err(io(&path))?;
        if ft.is_dir() {
            walk(root, &path, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}

/// Plans the charm `charm_name` from `layers` (in merge order).
pub fn plan(layers: Vec<Layer>, charm_name: &str) -> Result<Plan, BuildError> {
    let filters: Vec<LayerFilters> = layers
        .iter()
        .map(LayerFilters::of)
        .collect::<Result<_, _>>()?;
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    let mut warnings = Vec::new();

    for (i, layer) in layers.iter().enumerate() {
        if layer.kind == LayerKind::Interface {
            continue;
        }
        let mut rels = Vec::new();
        walk(&layer.dir, &layer.dir, &mut rels)?;
        for rel in rels {
            if dropped(&filters, i, &rel) {
                continue;
            }
            let target = if rel == "copyright" && layer.kind != LayerKind::Top {
                format!("copyright.layer-{}", layer.name)
            } else {
                rel.clone()
            };
            let entry = Entry {
                origin: layer.url.clone(),
                dynamic: false,
                content: Content::Copy(layer.dir.join(&rel)),
            };
            if let Some(old) = files.insert(target.clone(), entry) {
                warnings.push(format!(
                    "{target}: the file from {} overrides the one from {}",
                    layer.url, old.origin
                ));
            }
        }
    }

    let mut metadata = Value::Null;
    let mut actions = Value::Null;
    for file in MERGED_YAML {
        if let Some((mut value, origin)) = merge_over_layers(&layers, &filters, file)? {
            if *file == "metadata.yaml" {
                if let Some(m) = value.as_mapping_mut() {
                    m.insert("name".into(), Value::String(charm_name.to_string()));
                }
                metadata = value.clone();
            }
            if *file == "actions.yaml" {
                actions = value.clone();
            }
            files.insert(
                file.to_string(),
                Entry {
                    origin,
                    dynamic: true,
                    content: Content::Text(to_yaml(&value)),
                },
            );
        }
    }
    if metadata.is_null() {
        return Err(BuildError::Invalid {
            path: layers
                .last()
                .map(|l| l.dir.join("metadata.yaml"))
                .unwrap_or_default(),
            line: None,
            message: "no layer provides metadata.yaml".into(),
        });
    }

    // Generated files.
    let top = layers
        .last()
        .map(|l| l.url.clone())
        .unwrap_or_else(|| charm_name.to_string());
    let generated = |content| Entry {
        origin: top.clone(),
        dynamic: true,
        content,
    };
    files.insert("dispatch".into(), generated(Content::Binary));
    for hook in hook_paths(&metadata)
        .into_iter()
        .chain(action_paths(&actions))
    {
        for (layer, f) in layers.iter().zip(&filters) {
            if let Some(p) = f.ignored_by(&hook) {
                warnings.push(format!(
                    "{hook}: ignore pattern {p:?} of {} matches a generated hook; generated hooks are always written",
                    layer.url
                ));
            }
        }
        match files.get(&hook) {
            Some(existing) => warnings.push(format!(
                "{hook}: the file from {} replaces the generated hook, so this hook does not run the reactive dispatcher",
                existing.origin
            )),
            None => {
                files.insert(hook, generated(Content::Symlink("../dispatch".into())));
            }
        }
    }

    files.insert(
        "layer.yaml".into(),
        generated(Content::Text(layer_yaml(&layers, charm_name)?)),
    );
    files.insert(
        "manifest.yaml".into(),
        generated(Content::Text(manifest_yaml(&layers))),
    );

    // Interfaces that no endpoint uses are compiled in for nothing.
    let used: Vec<String> = Role::ALL
        .iter()
        .filter_map(|r| metadata.get(r.as_str()).and_then(Value::as_mapping))
        .flat_map(|m| m.values())
        .filter_map(|v| {
            v.as_str()
                .map(String::from)
                .or_else(|| v.get("interface").and_then(Value::as_str).map(String::from))
        })
        .collect();
    for l in layers.iter().filter(|l| l.kind == LayerKind::Interface) {
        if let Some(iface) = &l.interface {
            if !used.contains(iface) {
                warnings.push(format!(
                    "{} (interface {iface}) is included but no endpoint in metadata.yaml uses it",
                    l.url
                ));
            }
        }
    }
    Ok(Plan {
        layers,
        files,
        warnings,
    })
}
