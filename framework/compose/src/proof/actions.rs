//! `actions.yaml` (or, without it, the legacy `functions.yaml`): charm proof's checks plus
//! the rules Juju applies when it reads actions.

use super::{python, Lint};
use charms_reactive_juju::names as juju_names;
use serde_yaml::Value;
use std::path::Path;

/// The types a parameter's `type` may name: Juju compiles each spec as a draft-4 JSON Schema.
const JSON_TYPES: &[&str] = &[
    "string", "integer", "number", "boolean", "object", "array", "null",
];

/// A spec key, the test its value must pass, and what the test wants.
type TypedKey = (&'static str, fn(&Value) -> bool, &'static str);

/// Checks `actions.yaml`, or else `functions.yaml`. With a runnable `dispatch`, a missing
/// `actions/<name>` is fine: Juju runs `dispatch` for actions too.
pub(super) fn check(dir: &Path, dispatch: bool, lint: &mut Lint) {
    for (file, kind, juju) in [
        ("actions.yaml", "actions", true),
        ("functions.yaml", "functions", false),
    ] {
        let path = dir.join(file);
        if !path.exists() {
            continue;
        }
        match python::load(&path) {
            Ok(value) => check_file(dir, kind, juju, &value, dispatch, lint),
            Err(e) => lint.fatal(format!("cannot parse {}: {e}", path.display())),
        }
        return;
    }
}

/// `juju`: also apply Juju's rules (Juju never reads `functions.yaml`).
fn check_file(dir: &Path, kind: &str, juju: bool, value: &Value, dispatch: bool, lint: &mut Lint) {
    if !python::truthy(value) {
        return;
    }
    let Some(actions) = value.as_mapping() else {
        lint.err(format!("{kind}: must be a dictionary of json schemas"));
        return;
    };
    for (name, spec) in actions {
        let name = python::py_str(name);
        // Stricter than Juju, which only reserves `juju` and `juju-*`.
        if name.starts_with("juju") {
            lint.err(format!("{kind}.{name}: juju is a reserved namespace"));
            continue;
        }
        if juju {
            if !juju_names::is_action_name(&name) {
                lint.err(format!(
                    "{kind}.{name}: bad action name {name} (Juju allows lowercase letters, \
                     digits and inner hyphens)"
                ));
            }
            check_spec(&format!("{kind}.{name}"), spec, lint);
        }
        let script = dir.join(kind).join(&name);
        match std::fs::metadata(&script) {
            Ok(meta) if meta.is_file() => {
                if !super::files::is_executable(&meta) {
                    lint.err(format!("{kind}.{name}: {kind}/{name} is not executable"));
                }
            }
            _ if dispatch => {}
            _ => lint.warn(format!("{kind}.{name}: {kind}/{name} does not exist")),
        }
    }
}

/// Juju's action spec rules: typed top-level keys, `params` a map of JSON schemas, and no
/// `$ref`/`$schema` anywhere.
fn check_spec(prefix: &str, spec: &Value, lint: &mut Lint) {
    let spec = match spec {
        Value::Null => return,
        Value::Mapping(spec) => spec,
        _ => {
            lint.err(format!("{prefix}: must be a map of action properties"));
            return;
        }
    };
    let typed: [TypedKey; 5] = [
        ("description", Value::is_string, "a string"),
        ("title", Value::is_string, "a string"),
        ("execution-group", Value::is_string, "a string"),
        ("parallel", Value::is_bool, "a boolean"),
        ("required", is_string_list, "a list of parameter names"),
    ];
    for (key, ok, what) in typed {
        if spec.get(key).is_some_and(|v| !ok(v)) {
            lint.err(format!("{prefix}.{key}: must be {what}"));
        }
    }
    match spec.get("params") {
        None | Some(Value::Null) => {}
        Some(Value::Mapping(params)) => {
            for (param, schema) in params {
                check_param(
                    &format!("{prefix}.params.{}", python::py_str(param)),
                    schema,
                    lint,
                );
            }
        }
        Some(_) => lint.err(format!(
            "{prefix}.params: must be a map of parameter schemas"
        )),
    }
    let mut banned = Vec::new();
    find_banned_keys(&Value::Mapping(spec.clone()), &mut banned);
    for key in banned {
        lint.err(format!(
            "{prefix}: schema key \"{key}\" not compatible with this version of juju"
        ));
    }
}

fn check_param(prefix: &str, schema: &Value, lint: &mut Lint) {
    let Some(schema) = schema.as_mapping() else {
        lint.err(format!("{prefix}: must be a map (a JSON schema)"));
        return;
    };
    let valid_type = |t: &Value| t.as_str().is_some_and(|t| JSON_TYPES.contains(&t));
    let type_ok = match schema.get("type") {
        None => true,
        Some(Value::Sequence(types)) => types.iter().all(valid_type),
        Some(t) => valid_type(t),
    };
    if !type_ok {
        lint.err(format!(
            "{prefix}.type: must be one of {} (JSON Schema)",
            JSON_TYPES.join(", ")
        ));
    }
}

fn is_string_list(value: &Value) -> bool {
    value
        .as_sequence()
        .is_some_and(|items| items.iter().all(Value::is_string))
}

/// `$ref` and `$schema` at any depth, each reported once.
fn find_banned_keys(value: &Value, found: &mut Vec<&'static str>) {
    match value {
        Value::Mapping(map) => {
            for (k, v) in map {
                for banned in ["$ref", "$schema"] {
                    if k.as_str() == Some(banned) && !found.contains(&banned) {
                        found.push(banned);
                    }
                }
                find_banned_keys(v, found);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| find_banned_keys(v, found)),
        _ => {}
    }
}
