//! Layer options: `defines` (a JSON-schema subset: type, default, enum, items,
//! properties) and `options` set by any layer, validated, with defaults filled in.
//!
//! A build fails, naming the `layer.yaml` that set it and the key's line, on options for
//! a layer not in the build, on an option its layer does not define, and on a value
//! the layer's schema refuses (type, enum). The runtime reads the result back from the
//! built `layer.yaml` (`charms_reactive::layer_options`).

use std::path::PathBuf;

use serde_yaml::{Mapping, Value};

use crate::error::BuildError;
use crate::layers::{Layer, LayerKind};
use crate::merge::deep_merge;
use crate::yaml::line_of_key;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "array",
        Value::Mapping(_) => "object",
        Value::Tagged(_) => "tagged value",
    }
}

fn type_ok(v: &Value, ty: &str) -> bool {
    let actual = type_name(v);
    actual == ty || (ty == "number" && actual == "integer")
}

/// Checks `value` against `schema`; the error says where (`layer.opt.sub`) and what.
fn validate(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    if let Some(ty) = schema.get("type") {
        let allowed: Vec<&str> = match ty {
            Value::String(s) => vec![s.as_str()],
            Value::Sequence(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.is_empty() && !allowed.iter().any(|t| type_ok(value, t)) {
            return Err(format!(
                "{at}: expected {}, got {}",
                allowed.join(" or "),
                type_name(value)
            ));
        }
    }
    if let Some(Value::Sequence(choices)) = schema.get("enum") {
        if !choices.contains(value) {
            let shown: Vec<String> = choices
                .iter()
                .map(|c| {
                    serde_yaml::to_string(c)
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                })
                .collect();
            return Err(format!("{at}: must be one of {}", shown.join(", ")));
        }
    }
    if let (Some(items), Value::Sequence(list)) = (schema.get("items"), value) {
        for (i, item) in list.iter().enumerate() {
            validate(item, items, &format!("{at}[{i}]"))?;
        }
    }
    if let (Some(Value::Mapping(props)), Value::Mapping(map)) = (schema.get("properties"), value) {
        for (k, sub) in props {
            if let (Some(key), Some(v)) = (k.as_str(), map.get(k)) {
                validate(v, sub, &format!("{at}.{key}"))?;
            }
        }
    }
    Ok(())
}

/// Fills defaults into `value` (nested object properties, array items).
fn fill_defaults(value: &mut Value, schema: &Value) {
    match value {
        Value::Mapping(map) => {
            if let Some(Value::Mapping(props)) = schema.get("properties") {
                for (k, sub) in props {
                    match map.get_mut(k) {
                        Some(v) => fill_defaults(v, sub),
                        None => {
                            if let Some(d) = default_of(sub) {
                                map.insert(k.clone(), d);
                            }
                        }
                    }
                }
            }
        }
        Value::Sequence(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    fill_defaults(item, item_schema);
                }
            }
        }
        _ => {}
    }
}

/// The default of a schema: its `default`, or for an object the defaults of its
/// properties.
fn default_of(schema: &Value) -> Option<Value> {
    if let Some(d) = schema.get("default") {
        let mut d = d.clone();
        fill_defaults(&mut d, schema);
        return Some(d);
    }
    let props = schema.get("properties")?.as_mapping()?;
    let mut out = Mapping::new();
    for (k, sub) in props {
        if let Some(d) = default_of(sub) {
            out.insert(k.clone(), d);
        }
    }
    (!out.is_empty()).then_some(Value::Mapping(out))
}

/// The `options` of the built `layer.yaml`: one section per layer that has a
/// `layer.yaml` (the top layer's keyed by the charm name), values set by any layer
/// merged in layer order (lists unioned), validated against the owner's `defines`, and
/// defaults filled in for what nobody set.
pub fn layer_options(layers: &[Layer]) -> Result<Mapping, BuildError> {
    let owners: Vec<&Layer> = layers
        .iter()
        .filter(|l| l.has_layer_yaml() && l.kind != LayerKind::Interface)
        .collect();
    let mut sections = Mapping::new();
    for l in &owners {
        sections.insert(
            Value::String(l.name.clone()),
            Value::Mapping(Mapping::new()),
        );
    }
    // Who set each option last, to point errors at the right file and line.
    let mut setters: Vec<(String, String, PathBuf, String)> = Vec::new();
    for layer in layers {
        let path = layer
            .config
            .path
            .clone()
            .unwrap_or_else(|| layer.dir.join("layer.yaml"));
        for (target, opts) in &layer.config.options {
            let target = target.as_str().unwrap_or_default().to_string();
            let Some(section) = sections.get_mut(target.as_str()) else {
                return Err(BuildError::Invalid {
                    line: line_of_key(&layer.config.text, &target, 1),
                    path,
                    message: format!(
                        "options set for layer {target:?}, which is not in this build"
                    ),
                });
            };
            if let Value::Mapping(m) = opts {
                for k in m.keys().filter_map(Value::as_str) {
                    setters.push((
                        target.clone(),
                        k.to_string(),
                        path.clone(),
                        layer.config.text.clone(),
                    ));
                }
            }
            deep_merge(section, opts);
        }
    }
    for owner in &owners {
        let Some(Value::Mapping(section)) = sections.get_mut(owner.name.as_str()) else {
            continue;
        };
        // charm-tools lets an option the layer does not define through (its schema has
        // no `additionalProperties: false`), so a misspelt option silently keeps its
        // default; here it fails the build at the line that sets it.
        for opt in section.keys().filter_map(Value::as_str) {
            if owner.config.defines.contains_key(opt) {
                continue;
            }
            let (path, text) = setters
                .iter()
                .rev()
                .find(|(l, o, _, _)| *l == owner.name && o == opt)
                .map(|(_, _, path, text)| (path.clone(), text.as_str()))
                .unwrap_or((owner.dir.join("layer.yaml"), ""));
            let defined: Vec<&str> = owner
                .config
                .defines
                .keys()
                .filter_map(Value::as_str)
                .collect();
            return Err(BuildError::Invalid {
                line: {
                    let options = line_of_key(text, "options", 1).unwrap_or(1);
                    let section = line_of_key(text, &owner.name, options).unwrap_or(options);
                    line_of_key(text, opt, section)
                },
                path,
                message: format!(
                    "option {}.{opt} is not defined by layer {:?} ({})",
                    owner.name,
                    owner.name,
                    if defined.is_empty() {
                        "it defines no options".to_string()
                    } else {
                        format!("it defines: {}", defined.join(", "))
                    }
                ),
            });
        }
        for (opt, schema) in &owner.config.defines {
            let Some(opt_name) = opt.as_str() else {
                continue;
            };
            match section.get_mut(opt) {
                Some(value) => {
                    validate(value, schema, &format!("{}.{opt_name}", owner.name)).map_err(
                        |message| {
                            let setter = setters
                                .iter()
                                .rev()
                                .find(|(l, o, _, _)| *l == owner.name && o == opt_name);
                            match setter {
                                Some((_, _, path, text)) => BuildError::Invalid {
                                    path: path.clone(),
                                    line: line_of_key(
                                        text,
                                        opt_name,
                                        line_of_key(text, "options", 1).unwrap_or(1),
                                    ),
                                    message,
                                },
                                None => BuildError::Invalid {
                                    path: owner.dir.join("layer.yaml"),
                                    line: None,
                                    message,
                                },
                            }
                        },
                    )?;
                    fill_defaults(value, schema);
                }
                None => {
                    if let Some(d) = default_of(schema) {
                        section.insert(opt.clone(), d);
                    }
                }
            }
        }
    }
    Ok(sections)
}
