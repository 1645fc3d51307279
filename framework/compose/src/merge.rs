//! Merging the layers' `metadata.yaml`, `config.yaml` and `actions.yaml` with charm-tools'
//! rules: maps recurse, lists union (lower items first), the higher scalar wins; each
//! layer's `deletes` remove keys from what the layers below it merged, before its own
//! fragment is merged.

use serde_yaml::{Mapping, Value};

use crate::error::BuildError;
use crate::ignore::{dropped, LayerFilters};
use crate::layers::{Layer, LayerKind};
use crate::yaml::line_of_text;
use crate::yaml::{load, truthy};

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
pub fn delete_path(value: &mut Value, path: &str) -> Result<(), DeletePathError> {
    let parts: Vec<&str> = path.split('.').collect();
    let (last, parents) = parts.split_last().ok_or(DeletePathError::Empty)?;
    let mut cur = value;
    for (i, p) in parents.iter().enumerate() {
        cur = cur
            .as_mapping_mut()
            .and_then(|m| m.get_mut(*p))
            .ok_or_else(|| DeletePathError::Missing(parts[..=i].join(".")))?;
    }
    let map: &mut Mapping = cur
        .as_mapping_mut()
        .ok_or_else(|| DeletePathError::NotAMap(parents.join(".")))?;
    map.remove(*last)
        .map(drop)
        .ok_or_else(|| DeletePathError::Missing(path.to_string()))
}

/// Why a `deletes` path cannot be deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeletePathError {
    /// The path is empty.
    #[error("empty path")]
    Empty,
    /// This prefix of the path (or the whole path) is not there.
    #[error("{0} does not exist")]
    Missing(String),
    /// This prefix of the path is a scalar or a list, not a map.
    #[error("{0} is not a map")]
    NotAMap(String),
}

/// Merges one of the YAML files over the layers. Returns the value and its origin (the
/// top-most layer that provided a fragment).
pub fn merge_over_layers(
    layers: &[Layer],
    filters: &[LayerFilters],
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
        if dropped(filters, i, file) {
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
                delete_path(target, p).map_err(|source| BuildError::Deletes {
                    line: line_of_text(&layer.config.text, p),
                    path: lp.clone(),
                    section: section.to_string(),
                    entry: p.clone(),
                    source,
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
        assert_eq!(
            delete_path(&mut v, "requires.nosuch.interface"),
            Err(DeletePathError::Missing("requires.nosuch".into()))
        );
        assert!(delete_path(&mut v, "requires.nosuch").is_err());
        delete_path(&mut v, "requires.db").unwrap();
        assert_eq!(v, y("requires: {}\n"));
    }
}
