//! `config.yaml`: charm proof's option checks and Juju's type rules.
//!
//! Levels raised over charm proof's, because Juju refuses the charm:
//!
//! * a type outside `string int float boolean secret` (charm proof: W);
//! * an `int` option with a boolean default (charm proof lets it through, as Python's `bool`
//!   is an `int`).
//!
//! The reverse case, `secret` (which Juju 3.4+ accepts and charm proof does not know), keeps
//! charm proof's W: a charm using it cannot deploy on older Juju 3 releases.

use super::{names, python, Lint};
use serde_yaml::Value;
use std::path::Path;

/// Option keys charm proof expects (sorted, as its messages list them).
const KNOWN_KEYS: [&str; 3] = ["default", "description", "type"];

pub(super) fn check(dir: &Path, lint: &mut Lint) {
    let path = dir.join("config.yaml");
    if !path.is_file() {
        lint.info("File config.yaml not found.");
        return;
    }
    let config = match python::load(&path) {
        Ok(config) => config,
        Err(e) => {
            lint.err(format!("Cannot parse config.yaml: {e}"));
            return;
        }
    };
    let Some(config) = config.as_mapping() else {
        lint.err("config.yaml not parsed into a dictionary.");
        return;
    };
    let Some(options) = config.get("options") else {
        lint.err("config.yaml must have an \"options\" key.");
        return;
    };
    let mut ignored: Vec<String> = config
        .keys()
        .map(python::py_str)
        .filter(|k| k != "options")
        .collect();
    if !ignored.is_empty() {
        ignored.sort();
        let list = Value::Sequence(ignored.into_iter().map(Value::String).collect());
        lint.warn(format!(
            "Ignored keys in config.yaml: {}",
            python::py_repr(&list)
        ));
    }
    let Some(options) = options.as_mapping() else {
        lint.err("config.yaml: options section is not parsed as a dictionary");
        return;
    };
    for (name, option) in options {
        let name = python::py_str(name);
        if !names::is_option_name(&name) {
            lint.err(format!(
                "config.yaml: {name} does not conform to naming pattern"
            ));
        }
        match option.as_mapping() {
            Some(option) => check_option(&name, option, lint),
            None => lint.err(format!("config.yaml: data for option {name} is not a dict")),
        }
    }
}

fn check_option(name: &str, option: &serde_yaml::Mapping, lint: &mut Lint) {
    let missing: Vec<&str> = KNOWN_KEYS
        .into_iter()
        .filter(|k| !option.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        lint.warn(format!(
            "config.yaml: option {name} does not have the keys: {}",
            missing.join(", ")
        ));
    }
    let mut unknown: Vec<String> = option
        .keys()
        .map(python::py_str)
        .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        lint.warn(format!(
            "config.yaml: option {name} has unknown keys: {}",
            unknown.join(", ")
        ));
    }
    if let Some(description) = option.get("description") {
        let blank = match description.as_str() {
            Some(d) => d.trim().is_empty(),
            None => true,
        };
        if blank {
            lint.warn(format!(
                "config.yaml: description of option {name} should be a non-empty string"
            ));
        }
    }

    // A missing type means string, for charm proof and Juju alike.
    let option_type = option
        .get("type")
        .map_or_else(|| "string".into(), python::py_str);
    let default_ok: fn(&Value) -> bool = match option_type.as_str() {
        "string" => Value::is_string,
        "int" => |v| v.is_i64() || v.is_u64(),
        "float" => Value::is_f64,
        "boolean" => Value::is_bool,
        "secret" => {
            lint.warn(format!(
                "config.yaml: option {name} has type secret, which needs Juju 3.4 or later"
            ));
            Value::is_string
        }
        _ => {
            lint.err(format!(
                "config.yaml: option {name} has an invalid type ({option_type}): Juju only \
                 accepts string, int, float, boolean and secret"
            ));
            return;
        }
    };
    let Some(default) = option.get("default") else {
        return;
    };
    if default.is_null() {
        lint.info(format!("config.yaml: option {name} has no default value"));
    } else if !default_ok(default) {
        lint.err(format!(
            "config.yaml: type of option {name} is specified as {option_type}, but the type \
             of the default value is {}",
            python::py_type(default)
        ));
    } else if option_type == "secret" {
        let uri = default.as_str().unwrap_or_default();
        if !uri.is_empty() && !uri.starts_with("secret:") {
            lint.err(format!(
                "config.yaml: default of secret option {name} must be a secret URI \
                 (secret:...), not {uri}"
            ));
        }
    }
}
