//! An action's parameters as `juju run` reads them from its command line: a YAML
//! file (`--params`), then `key.key…=value` arguments, each value YAML unless
//! `--string-args`, dotted keys making nested maps, explicit arguments overriding the
//! file. The rules and messages are those of Juju's
//! [`juju run`](https://github.com/juju/juju/blob/3.6/cmd/juju/action/run.go).

use std::path::Path;

use anyhow::Context;
use charms_reactive_juju::names::is_action_name;
use serde_json::{Map, Value};

/// How `reactive model run` got an action's parameters.
#[derive(Debug, Clone, Default)]
pub struct ActionArgs {
    /// `key=value` or `key.key…=value` arguments.
    pub pairs: Vec<String>,
    /// Take every value as a string (`juju run --string-args`), not as YAML.
    pub string_args: bool,
    /// A YAML file of parameters (`juju run --params`); the pairs override it.
    pub params_file: Option<std::path::PathBuf>,
}

/// The parameters as one JSON object; the error is Juju's, or names the file.
pub(super) fn action_params(args: &ActionArgs) -> anyhow::Result<Map<String, Value>> {
    // Check every argument before reading anything, as `juju run` does in Init.
    let mut parsed = Vec::new();
    for p in &args.pairs {
        let (k, v) = p.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("argument {p:?} must be of the form key.key.key...=value")
        })?;
        let keys: Vec<&str> = k.split('.').collect();
        if let Some(bad) = keys.iter().find(|k| !is_action_name(k)) {
            anyhow::bail!(
                "key {bad:?} must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
            );
        }
        parsed.push((keys, v));
    }
    let mut map = match &args.params_file {
        Some(path) => params_file(path)?,
        None => Map::new(),
    };
    for (keys, v) in parsed {
        let value = if args.string_args {
            Value::String(v.to_string())
        } else {
            yaml_value(v).with_context(|| format!("argument {}={v:?}", keys.join(".")))?
        };
        insert(&mut map, &keys, value);
    }
    Ok(map)
}

/// A parameters file: a YAML map with string keys.
fn params_file(path: &Path) -> anyhow::Result<Map<String, Value>> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&text).with_context(|| path.display().to_string())?;
    if doc.is_null() {
        return Ok(Map::new());
    }
    match serde_json::to_value(&doc) {
        Ok(Value::Object(map)) => Ok(map),
        _ => anyhow::bail!(
            "{}: params must contain a YAML map with string keys",
            path.display()
        ),
    }
}

/// One value as Go's YAML 1.1 parser reads it: an empty value is the empty string (Go
/// leaves the string as it was), `y`/`yes`/`on` and `n`/`no`/`off` are booleans.
fn yaml_value(text: &str) -> anyhow::Result<Value> {
    if text.is_empty() {
        return Ok(Value::String(String::new()));
    }
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Ok(Value::Bool(true)),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let doc: serde_yaml::Value = serde_yaml::from_str(text)?;
    serde_json::to_value(&doc).context("params must be a map with string keys")
}

/// Sets `keys` (a path of nested maps) to `value`, replacing a non-map on the way.
fn insert(map: &mut Map<String, Value>, keys: &[&str], value: Value) {
    let Some((last, path)) = keys.split_last() else {
        return;
    };
    let mut at = map;
    for k in path {
        let entry = at
            .entry(k.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        at = next;
    }
    at.insert(last.to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[&str]) -> ActionArgs {
        ActionArgs {
            pairs: pairs.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn values_are_yaml_as_juju_run_reads_them_and_dotted_keys_nest() -> anyhow::Result<()> {
        let got = action_params(&args(&[
            "n=3",
            "name=123",
            "t=x",
            "flag=yes",
            "empty=",
            "file.kind=xz",
            "file.quality=high",
        ]))?;
        assert_eq!(
            Value::Object(got),
            serde_json::json!({"n": 3, "name": 123, "t": "x", "flag": true, "empty": "",
                               "file": {"kind": "xz", "quality": "high"}})
        );
        let strings = ActionArgs {
            string_args: true,
            ..args(&["name=123"])
        };
        assert_eq!(
            Value::Object(action_params(&strings)?),
            serde_json::json!({"name": "123"})
        );
        Ok(())
    }

    #[test]
    fn malformed_arguments_get_juju_run_messages() {
        let err = |a: &[&str]| action_params(&args(a)).map(|_| ()).unwrap_err().to_string();
        assert_eq!(
            err(&["novalue"]),
            "argument \"novalue\" must be of the form key.key.key...=value"
        );
        assert_eq!(
            err(&["Bad=1"]),
            "key \"Bad\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric and hyphens"
        );
        assert!(err(&["s=a: b: c"]).starts_with("argument s=\"a: b: c\""));
    }
}
