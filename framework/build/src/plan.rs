//! The build plan: every file of the charm, where it comes from and how it is made.
//!
//! * `metadata.yaml`, `config.yaml`, `actions.yaml` are deep-merged over the layers in
//!   order (charm-tools' rules); each layer's `deletes` for a file remove keys from what
//!   the layers below it merged, before its own fragment is merged.
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

use serde_yaml::{Mapping, Value};

use crate::error::{io, line_of_text, BuildError};
use crate::hooks::{action_paths, hook_paths};
use crate::layer::{Layer, LayerKind};
use crate::options::layer_options;
use crate::patterns::{Patterns, DEFAULT_IGNORES};
use crate::yaml::{deep_merge, delete_path, load};

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

/// Default bases of `manifest.yaml`.
const DEFAULT_BASES: &str = "- name: ubuntu\n  channel: \"22.04\"\n  architectures: [amd64]\n- name: ubuntu\n  channel: \"24.04\"\n  architectures: [amd64]\n";

struct LayerRules {
    ignore: Patterns,
    exclude: Patterns,
}

fn rules(layer: &Layer) -> Result<LayerRules, BuildError> {
    let path = layer
        .config
        .path
        .clone()
        .unwrap_or_else(|| layer.dir.join("layer.yaml"));
    let compile = |pats: &[String], extra: &[&str]| {
        Patterns::new(pats.iter().map(String::as_str).chain(extra.iter().copied())).map_err(
            |message| BuildError::Invalid {
                path: path.clone(),
                line: None,
                message,
            },
        )
    };
    Ok(LayerRules {
        ignore: compile(&layer.config.ignore, &[])?,
        exclude: compile(&layer.config.exclude, DEFAULT_IGNORES)?,
    })
}

/// Whether layer `i`'s file `rel` is dropped: by its own `exclude` (or the default
/// ignores), or by the `ignore` of any layer above it.
fn dropped(rules: &[LayerRules], i: usize, rel: &str) -> bool {
    rules[i].exclude.matches(rel) || rules[i + 1..].iter().any(|r| r.ignore.matches(rel))
}

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

/// Merges one of the YAML files over the layers. Returns the value and its origin (the
/// top-most layer that provided a fragment).
fn merge_yaml(
    layers: &[Layer],
    rules: &[LayerRules],
    file: &str,
) -> Result<Option<(Value, String)>, BuildError> {
    let section = file.trim_end_matches(".yaml");
    let mut acc: Option<Value> = None;
    let mut origin = String::new();
    let mut series: Vec<Value> = Vec::new();
    let mut maintainer: Option<(Option<Value>, Option<Value>)> = None;
    for (i, layer) in layers.iter().enumerate() {
        if layer.kind == LayerKind::Interface {
            continue;
        }
        if dropped(rules, i, file) {
            acc = None;
            series.clear();
            continue;
        }
        for (sec, paths) in &layer.config.deletes {
            if sec != section {
                continue;
            }
            let lp = layer.config.path.clone().unwrap_or_default();
            let target = match acc.as_mut() {
                Some(v) if section == "config" => v.get_mut("options"),
                Some(v) => Some(v),
                None => None,
            };
            let Some(target) = target else {
                return Err(BuildError::Invalid {
                    line: line_of_text(&layer.config.text, &paths[0]),
                    path: lp,
                    message: format!(
                        "{section}: deletes {}: {} does not exist: no lower layer has {file}",
                        paths[0], paths[0]
                    ),
                });
            };
            for p in paths {
                delete_path(target, p).map_err(|m| BuildError::Invalid {
                    line: line_of_text(&layer.config.text, p),
                    path: lp.clone(),
                    message: format!("{section}: deletes {p}: {m}"),
                })?;
            }
        }
        let path = layer.dir.join(file);
        if !path.exists() {
            continue;
        }
        let mut value = load(&path)?;
        if section == "metadata" {
            // series: the higher layer's list first (charm-tools' rule); maintainers
            // only from the highest layer with a metadata.yaml.
            if let Some(Value::Sequence(s)) =
                value.as_mapping_mut().and_then(|m| m.remove("series"))
            {
                let mut merged = s.clone();
                merged.extend(series.iter().filter(|x| !s.contains(x)).cloned());
                series = merged;
            }
            let m = value.as_mapping_mut();
            maintainer = Some((
                m.as_ref().and_then(|m| m.get("maintainer").cloned()),
                m.as_ref().and_then(|m| m.get("maintainers").cloned()),
            ));
        }
        match acc.as_mut() {
            Some(a) => deep_merge(a, &value),
            None => acc = Some(value),
        }
        origin = layer.url.clone();
    }
    let Some(mut value) = acc else {
        return Ok(None);
    };
    if let (Some(map), true) = (value.as_mapping_mut(), section == "metadata") {
        map.remove("maintainer");
        map.remove("maintainers");
        if let Some((m, ms)) = maintainer {
            if let Some(m) = m {
                map.insert("maintainer".into(), m);
            }
            if let Some(ms) = ms {
                map.insert("maintainers".into(), ms);
            }
        }
        if !series.is_empty() {
            map.insert("series".into(), Value::Sequence(series));
        }
    }
    Ok(Some((value, origin)))
}

fn to_yaml(v: &Value) -> String {
    serde_yaml::to_string(v).unwrap_or_default()
}

/// Plans the charm `charm_name` from `layers` (in merge order).
pub fn plan(layers: Vec<Layer>, charm_name: &str) -> Result<Plan, BuildError> {
    let rules: Vec<LayerRules> = layers.iter().map(rules).collect::<Result<_, _>>()?;
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    let mut warnings = Vec::new();

    for (i, layer) in layers.iter().enumerate() {
        if layer.kind == LayerKind::Interface {
            continue;
        }
        let mut rels = Vec::new();
        walk(&layer.dir, &layer.dir, &mut rels)?;
        for rel in rels {
            if dropped(&rules, i, &rel) {
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
        if let Some((mut value, origin)) = merge_yaml(&layers, &rules, file)? {
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
    let build = |content| Entry {
        origin: top.clone(),
        dynamic: true,
        content,
    };
    files.insert("dispatch".into(), build(Content::Binary));
    for hook in hook_paths(&metadata)
        .into_iter()
        .chain(action_paths(&actions))
    {
        for (layer, r) in layers.iter().zip(&rules) {
            if let Some(p) = r.ignore.first_match(&hook) {
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
                files.insert(hook, build(Content::Symlink("../dispatch".into())));
            }
        }
    }

    let mut layer_yaml = Mapping::new();
    let includes: Vec<Value> = layers[..layers.len().saturating_sub(1)]
        .iter()
        .map(|l| Value::String(l.url.clone()))
        .collect();
    layer_yaml.insert("includes".into(), Value::Sequence(includes));
    layer_yaml.insert("options".into(), Value::Mapping(layer_options(&layers)?));
    layer_yaml.insert("is".into(), Value::String(charm_name.to_string()));
    // charm proof reads its extensions from the built layer.yaml: every layer's `proof`
    // section, merged as charm-tools merges layer.yaml.
    let mut proof = Value::Null;
    for layer in &layers {
        if let Some(p) = layer.config.raw.get("proof") {
            crate::yaml::deep_merge(&mut proof, p);
        }
    }
    if !proof.is_null() {
        layer_yaml.insert("proof".into(), proof);
    }
    files.insert(
        "layer.yaml".into(),
        build(Content::Text(to_yaml(&Value::Mapping(layer_yaml)))),
    );

    let bases = layers.iter().rev().find_map(|l| l.config.bases.clone());
    let bases = match bases {
        Some(b) => b,
        None => serde_yaml::from_str(DEFAULT_BASES).unwrap_or(Value::Null),
    };
    let mut manifest = Mapping::new();
    manifest.insert("bases".into(), bases);
    files.insert(
        "manifest.yaml".into(),
        build(Content::Text(to_yaml(&Value::Mapping(manifest)))),
    );

    // Interfaces that no endpoint uses are compiled in for nothing.
    let used: Vec<String> = ["provides", "requires", "peers"]
        .iter()
        .filter_map(|r| metadata.get(*r).and_then(Value::as_mapping))
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
