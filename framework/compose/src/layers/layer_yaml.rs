//! `layer.yaml`: what a layer includes, its options, and which files it leaves out or
//! deletes, read with errors that name the key's line.

use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use crate::error::{io, BuildError};
use crate::yaml;
use crate::yaml::line_of_key;

/// The parsed `layer.yaml` of a layer.
#[derive(Debug, Clone, Default)]
pub struct LayerYaml {
    /// The file (absent for a layer without one).
    pub path: Option<PathBuf>,
    /// Its text, to find lines for errors.
    pub text: String,
    /// The whole document.
    pub raw: Mapping,
    /// `includes`.
    pub includes: Vec<String>,
    /// `options`: layer name → options.
    pub options: Mapping,
    /// `defines`: option → JSON-schema subset.
    pub defines: Mapping,
    /// `ignore` patterns (apply to every lower layer).
    pub ignore: Vec<String>,
    /// `exclude` patterns (this layer's own files).
    pub exclude: Vec<String>,
    /// `<file>: {deletes: [...]}` for metadata, config, actions.
    pub deletes: Vec<(String, Vec<String>)>,
    /// `name`, overriding the layer name.
    pub name: Option<String>,
    /// `bases` for manifest.yaml.
    pub bases: Option<Value>,
}

fn strings(
    path: &Path,
    text: &str,
    key: &str,
    v: Option<&Value>,
) -> Result<Vec<String>, BuildError> {
    let bad = || BuildError::Invalid {
        path: path.to_path_buf(),
        line: line_of_key(text, key, 1),
        message: format!("`{key}` must be a list of strings"),
    };
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|i| i.as_str().map(String::from).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

fn mapping(path: &Path, text: &str, key: &str, v: Option<&Value>) -> Result<Mapping, BuildError> {
    match v {
        None | Some(Value::Null) => Ok(Mapping::new()),
        Some(Value::Mapping(m)) => Ok(m.clone()),
        Some(_) => Err(BuildError::Invalid {
            path: path.to_path_buf(),
            line: line_of_key(text, key, 1),
            message: format!("`{key}` must be a map"),
        }),
    }
}

impl LayerYaml {
    /// Reads `<dir>/layer.yaml` if present.
    pub fn load(dir: &Path) -> Result<LayerYaml, BuildError> {
        let path = dir.join("layer.yaml");
        if !path.exists() {
            return Ok(LayerYaml::default());
        }
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let raw = match yaml::parse(&path, &text)? {
            Value::Null => Mapping::new(),
            Value::Mapping(m) => m,
            _ => {
                return Err(BuildError::Invalid {
                    path,
                    line: Some(1),
                    message: "layer.yaml must be a map".into(),
                })
            }
        };
        let get = |k: &str| raw.get(k);
        let mut deletes = Vec::new();
        for section in ["metadata", "config", "actions"] {
            let m = mapping(&path, &text, section, get(section))?;
            let list = strings(&path, &text, "deletes", m.get("deletes"))?;
            if !list.is_empty() {
                deletes.push((section.to_string(), list));
            }
        }
        Ok(LayerYaml {
            includes: strings(&path, &text, "includes", get("includes"))?,
            options: mapping(&path, &text, "options", get("options"))?,
            defines: mapping(&path, &text, "defines", get("defines"))?,
            ignore: strings(&path, &text, "ignore", get("ignore"))?,
            exclude: strings(&path, &text, "exclude", get("exclude"))?,
            name: get("name").and_then(Value::as_str).map(String::from),
            bases: get("bases").cloned(),
            deletes,
            raw,
            text,
            path: Some(path),
        })
    }
}
