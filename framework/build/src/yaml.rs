//! YAML files of layers: loading with located errors, charm-tools' deep merge, and
//! `deletes`.

use std::path::Path;

use serde_yaml::{Mapping, Value};

use crate::error::{io, BuildError};

/// Reads and parses a YAML file; an empty file is `null`.
pub fn load(path: &Path) -> Result<Value, BuildError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    parse(path, &text)
}

/// Parses YAML text read from `path` as PyYAML (and so charm-tools) loads it.
pub fn parse(path: &Path, text: &str) -> Result<Value, BuildError> {
    let located = |e: serde_yaml::Error| BuildError::Yaml {
        path: path.to_path_buf(),
        // An unclosed construct is reported past the end; point at the last line.
        line: e
            .location()
            .map(|l| l.line().min(text.lines().count().max(1))),
        message: e.to_string(),
    };
    let value = serde_yaml::from_str::<Option<Value>>(text)
        .map_err(located)?
        .unwrap_or(Value::Null);
    as_pyyaml(value).map_err(located)
}

/// What PyYAML would have loaded: `<<` merge keys applied (serde_yaml leaves them in the
/// map) and custom `!tags` dropped (charm-tools, charm proof and Juju see only values).
pub(crate) fn as_pyyaml(mut value: Value) -> Result<Value, serde_yaml::Error> {
    value.apply_merge()?;
    Ok(untag(value))
}

fn untag(value: Value) -> Value {
    match value {
        Value::Tagged(tagged) => untag(tagged.value),
        Value::Sequence(items) => Value::Sequence(items.into_iter().map(untag).collect()),
        Value::Mapping(map) => {
            Value::Mapping(map.into_iter().map(|(k, v)| (untag(k), untag(v))).collect())
        }
        other => other,
    }
}

/// Python truthiness of a loaded value (charm-tools' deepmerge and charm proof test it).
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Sequence(items) => !items.is_empty(),
        Value::Mapping(map) => !map.is_empty(),
        Value::Tagged(tagged) => truthy(&tagged.value),
    }
}

/// charm-tools' `deepmerge(lower, higher)`: maps recurse, lists append the higher items
/// not already present (lower first), anything else is replaced by the higher value; a
/// falsy lower value is simply replaced.
pub fn deep_merge(lower: &mut Value, higher: &Value) {
    if !truthy(lower) {
        *lower = higher.clone();
        return;
    }
    match (lower, higher) {
        (Value::Mapping(lo), Value::Mapping(hi)) => {
            for (k, hv) in hi {
                match lo.get_mut(k) {
                    Some(lv) => deep_merge(lv, hv),
                    None => {
                        lo.insert(k.clone(), hv.clone());
                    }
                }
            }
        }
        (Value::Sequence(lo), Value::Sequence(hi)) => {
            for item in hi {
                if !lo.contains(item) {
                    lo.push(item.clone());
                }
            }
        }
        (lo, hi) => *lo = hi.clone(),
    }
}

/// Removes the dotted `path` (e.g. `requires.db`) from `value`. A path that does not
/// exist is an error (charm-tools crashes on a missing parent and ignores a missing leaf).
pub fn delete_path(value: &mut Value, path: &str) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, parents) = parts.split_last().ok_or_else(|| "empty path".to_string())?;
    let mut cur = value;
    for (i, p) in parents.iter().enumerate() {
        cur = cur
            .as_mapping_mut()
            .and_then(|m| m.get_mut(*p))
            .ok_or_else(|| format!("{} does not exist", parts[..=i].join(".")))?;
    }
    let map: &mut Mapping = cur
        .as_mapping_mut()
        .ok_or_else(|| format!("{} is not a map", parents.join(".")))?;
    map.remove(*last)
        .map(drop)
        .ok_or_else(|| format!("{path} does not exist"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn merge_follows_charm_tools() {
        let mut lo = y("a: {x: 1, l: [a, b]}\nb: 1\nc: ''\n");
        deep_merge(&mut lo, &y("a: {y: 2, l: [c, a]}\nb: 2\nc: {k: v}\n"));
        assert_eq!(lo, y("a: {x: 1, l: [a, b, c], y: 2}\nb: 2\nc: {k: v}\n"));
    }

    #[test]
    fn deletes_need_an_existing_path() {
        let mut v = y("requires: {db: {interface: pgsql}}\n");
        assert!(delete_path(&mut v, "requires.nosuch.interface")
            .unwrap_err()
            .contains("requires.nosuch"));
        assert!(delete_path(&mut v, "requires.nosuch").is_err());
        delete_path(&mut v, "requires.db").unwrap();
        assert_eq!(v, y("requires: {}\n"));
    }
}
